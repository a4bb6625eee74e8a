#include "spice/protocol.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>

namespace memcosim::spice::wire {

static_assert(std::endian::native == std::endian::little,
              "the worker protocol copies integers and doubles in host order");

namespace {

class Writer {
 public:
  void u8(std::uint8_t v) { raw(&v, 1); }
  void u16(std::uint16_t v) { raw(&v, 2); }
  void u32(std::uint32_t v) { raw(&v, 4); }
  void u64(std::uint64_t v) { raw(&v, 8); }
  void i64(std::int64_t v) { raw(&v, 8); }
  void f64(double v) { raw(&v, 8); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void str(std::string_view s) {
    u64(s.size());
    raw(s.data(), s.size());
  }
  void strings(const std::vector<std::string>& v) {
    u64(v.size());
    for (const std::string& s : v) str(s);
  }
  void doubles(const std::vector<double>& v) {
    u64(v.size());
    raw(v.data(), v.size() * sizeof(double));
  }
  std::string take() { return std::move(buf_); }

 private:
  void raw(const void* p, std::size_t n) {
    if (n) buf_.append(static_cast<const char*>(p), n);
  }
  std::string buf_;
};

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  std::uint8_t u8() { return fixed<std::uint8_t>(); }
  std::uint16_t u16() { return fixed<std::uint16_t>(); }
  std::uint32_t u32() { return fixed<std::uint32_t>(); }
  std::uint64_t u64() { return fixed<std::uint64_t>(); }
  std::int64_t i64() { return fixed<std::int64_t>(); }
  double f64() { return fixed<double>(); }
  bool boolean() {
    const std::uint8_t v = u8();
    if (v > 1) throw ProtocolError("worker protocol: bad boolean");
    return v == 1;
  }
  std::string str() {
    const std::uint64_t n = count(1);
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::vector<std::string> strings() {
    const std::uint64_t n = count(8);
    std::vector<std::string> v;
    v.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) v.push_back(str());
    return v;
  }
  std::vector<double> doubles() {
    const std::uint64_t n = count(sizeof(double));
    std::vector<double> v(n);
    if (n) std::memcpy(v.data(), data_.data() + pos_, n * sizeof(double));
    pos_ += n * sizeof(double);
    return v;
  }
  template <typename E>
  E enumeration(std::uint8_t max) {
    const std::uint8_t v = u8();
    if (v > max) throw ProtocolError("worker protocol: enum value out of range");
    return static_cast<E>(v);
  }
  void finish() const {
    if (pos_ != data_.size()) throw ProtocolError("worker protocol: trailing bytes in payload");
  }

 private:
  template <typename T>
  T fixed() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  // A count of elements of at least `unit` bytes each that must fit in what is left.
  std::uint64_t count(std::size_t unit) {
    const std::uint64_t n = u64();
    if (n > (data_.size() - pos_) / unit) throw ProtocolError("worker protocol: truncated payload");
    return n;
  }
  void need(std::size_t n) const {
    if (data_.size() - pos_ < n) throw ProtocolError("worker protocol: truncated payload");
  }
  std::string_view data_;
  std::size_t pos_ = 0;
};

void put_vector(Writer& w, const Vector& v) {
  w.str(v.name);
  w.str(v.type);
  w.boolean(v.is_complex);
  w.doubles(v.re);
  w.doubles(v.im);
}

Vector get_vector(Reader& r) {
  Vector v;
  v.name = r.str();
  v.type = r.str();
  v.is_complex = r.boolean();
  v.re = r.doubles();
  v.im = r.doubles();
  return v;
}

}  // namespace

std::string encode_frame(MessageType type, std::string_view payload) {
  Writer w;
  w.u32(kMagic);
  w.u16(kProtocolVersion);
  w.u16(static_cast<std::uint16_t>(type));
  w.u64(payload.size());
  std::string out = w.take();
  out.append(payload);
  return out;
}

namespace {

struct Header {
  MessageType type;
  std::uint64_t length;
};

Header parse_header(std::string_view bytes) {
  Reader r(bytes.substr(0, kHeaderSize));
  if (r.u32() != kMagic) throw ProtocolError("worker protocol: bad magic number");
  if (r.u16() != kProtocolVersion) throw ProtocolError("worker protocol: version mismatch");
  const std::uint16_t type = r.u16();
  const std::uint64_t length = r.u64();
  if (type < 1 || type > 5) throw ProtocolError("worker protocol: unknown message type");
  if (length > kMaxPayload) throw ProtocolError("worker protocol: absurd payload length");
  return {static_cast<MessageType>(type), length};
}

}  // namespace

std::optional<Frame> take_frame(std::string_view buffer, std::size_t& consumed) {
  consumed = 0;
  if (buffer.size() < kHeaderSize) return std::nullopt;
  const Header h = parse_header(buffer);
  if (buffer.size() - kHeaderSize < h.length) return std::nullopt;
  consumed = kHeaderSize + static_cast<std::size_t>(h.length);
  return Frame{h.type, std::string(buffer.substr(kHeaderSize, static_cast<std::size_t>(h.length)))};
}

std::string encode(const Job& job) {
  Writer w;
  w.u64(job.id);
  w.str(job.netlist);
  w.strings(job.vectors);
  w.strings(job.pre_commands);
  w.str(job.analysis);
  w.strings(job.post_commands);
  w.f64(job.timeout_s);
  w.u8(static_cast<std::uint8_t>(job.solver));
  w.u8(static_cast<std::uint8_t>(job.test_fault));
  w.boolean(job.all_plots);
  w.boolean(job.control_commands);
  return w.take();
}

Job decode_job(std::string_view payload) {
  Reader r(payload);
  Job job;
  job.id = r.u64();
  job.netlist = r.str();
  job.vectors = r.strings();
  job.pre_commands = r.strings();
  job.analysis = r.str();
  job.post_commands = r.strings();
  job.timeout_s = r.f64();
  job.solver = r.enumeration<Solver>(static_cast<std::uint8_t>(Solver::klu));
  job.test_fault = r.enumeration<TestFault>(static_cast<std::uint8_t>(TestFault::exit));
  job.all_plots = r.boolean();
  job.control_commands = r.boolean();
  r.finish();
  return job;
}

void put_plot(Writer& w, const Plot& plot) {
  w.str(plot.name);
  w.str(plot.title);
  w.str(plot.kind);
  w.str(plot.scale);
  w.u64(plot.vectors.size());
  for (const Vector& v : plot.vectors) put_vector(w, v);
}

Plot get_plot(Reader& r, std::size_t payload_size) {
  Plot plot;
  plot.name = r.str();
  plot.title = r.str();
  plot.kind = r.str();
  plot.scale = r.str();
  const std::uint64_t n = r.u64();
  if (n > payload_size) throw ProtocolError("worker protocol: truncated payload");
  plot.vectors.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) plot.vectors.push_back(get_vector(r));
  return plot;
}

std::string encode(const Result& result, bool worker_exiting) {
  Writer w;
  w.u64(result.id);
  w.u8(static_cast<std::uint8_t>(result.status));
  w.str(result.message);
  w.strings(result.log);
  put_plot(w, result.plot);
  w.u64(result.plots.size());
  for (const Plot& p : result.plots) put_plot(w, p);
  w.f64(result.wall_seconds);
  w.f64(result.load_seconds);
  w.f64(result.analysis_seconds);
  w.f64(result.fetch_seconds);
  w.u64(result.rss_bytes);
  w.i64(result.pid);
  w.str(result.solver);
  w.boolean(worker_exiting);
  return w.take();
}

Result decode_result(std::string_view payload, bool& worker_exiting) {
  Reader r(payload);
  Result result;
  result.id = r.u64();
  result.status = r.enumeration<JobStatus>(static_cast<std::uint8_t>(JobStatus::exited));
  result.message = r.str();
  result.log = r.strings();
  result.plot = get_plot(r, payload.size());
  const std::uint64_t plots = r.u64();
  if (plots > payload.size()) throw ProtocolError("worker protocol: truncated payload");
  for (std::uint64_t i = 0; i < plots; ++i) result.plots.push_back(get_plot(r, payload.size()));
  result.wall_seconds = r.f64();
  result.load_seconds = r.f64();
  result.analysis_seconds = r.f64();
  result.fetch_seconds = r.f64();
  result.rss_bytes = r.u64();
  result.pid = static_cast<int>(r.i64());
  result.solver = r.str();
  worker_exiting = r.boolean();
  r.finish();
  return result;
}

std::string encode(const Hello& hello) {
  Writer w;
  w.i64(hello.pid);
  w.boolean(hello.ok);
  w.str(hello.error);
  const SimulatorInfo& i = hello.info;
  w.str(i.version);
  w.i64(i.version_major);
  w.strings(i.banner);
  w.boolean(i.has_klu);
  w.boolean(i.has_lock_realloc);
  w.boolean(i.has_reset);
  w.boolean(i.has_nospiceinit);
  w.str(i.user_spiceinit);
  w.str(i.library);
  return w.take();
}

Hello decode_hello(std::string_view payload) {
  Reader r(payload);
  Hello hello;
  hello.pid = static_cast<int>(r.i64());
  hello.ok = r.boolean();
  hello.error = r.str();
  SimulatorInfo& i = hello.info;
  i.version = r.str();
  i.version_major = static_cast<int>(r.i64());
  i.banner = r.strings();
  i.has_klu = r.boolean();
  i.has_lock_realloc = r.boolean();
  i.has_reset = r.boolean();
  i.has_nospiceinit = r.boolean();
  i.user_spiceinit = r.str();
  i.library = r.str();
  r.finish();
  return hello;
}

std::string encode(const LogLine& line) {
  Writer w;
  w.u64(line.job_id);
  w.boolean(line.line.is_stderr);
  w.str(line.line.text);
  return w.take();
}

LogLine decode_log(std::string_view payload) {
  Reader r(payload);
  LogLine line;
  line.job_id = r.u64();
  line.line.is_stderr = r.boolean();
  line.line.text = r.str();
  r.finish();
  return line;
}

namespace {

// Reads exactly n bytes; returns the number read before end of stream.
std::size_t read_exact(int fd, char* p, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t k = ::recv(fd, p + got, n - got, 0);
    if (k > 0) {
      got += static_cast<std::size_t>(k);
    } else if (k == 0) {
      break;
    } else if (errno != EINTR) {
      throw ProtocolError(std::string("worker protocol: read failed: ") + std::strerror(errno));
    }
  }
  return got;
}

}  // namespace

bool read_frame(int fd, Frame& frame) {
  char header[kHeaderSize];
  const std::size_t got = read_exact(fd, header, kHeaderSize);
  if (got == 0) return false;
  if (got < kHeaderSize) throw ProtocolError("worker protocol: stream ended inside a frame header");
  const Header h = parse_header(std::string_view(header, kHeaderSize));
  frame.type = h.type;
  frame.payload.resize(static_cast<std::size_t>(h.length));
  if (read_exact(fd, frame.payload.data(), frame.payload.size()) != frame.payload.size())
    throw ProtocolError("worker protocol: stream ended inside a frame");
  return true;
}

void write_frame(int fd, MessageType type, std::string_view payload) {
  const std::string frame = encode_frame(type, payload);
  std::size_t sent = 0;
  while (sent < frame.size()) {
    const ssize_t k = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (k >= 0) {
      sent += static_cast<std::size_t>(k);
    } else if (errno != EINTR) {
      throw ProtocolError(std::string("worker protocol: write failed: ") + std::strerror(errno));
    }
  }
}

}  // namespace memcosim::spice::wire
