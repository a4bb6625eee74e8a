// The worker protocol on its own: encodings round-trip, frames are found in
// partial buffers, corrupt or truncated input is an error, and blocking I/O
// survives partial transfers on a real socket.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "spice/protocol.hpp"

using namespace memcosim::spice;
using namespace memcosim::spice::wire;

namespace {

Result sample_result() {
  Result r;
  r.id = 42;
  r.status = JobStatus::sim_error;
  r.message = "ngspice-46 analysis failed: doAnalyses: TRAN: Timestep too small";
  r.log = {"Circuit: x", "", "doAnalyses: TRAN: ..."};
  r.plot.name = "ac1";
  r.plot.title = "title";
  r.plot.kind = "AC Analysis";
  r.plot.scale = "frequency";
  Vector f{"frequency", "frequency", true, {1, 10, 100}, {0, 0, 0}};
  Vector out{"out", "voltage", true, {0.5, -1e-300, 3.25}, {-0.25, 1e300, -0.0}};
  Vector empty{"i(v1)", "current", false, {}, {}};
  r.plot.vectors = {f, out, empty};
  r.wall_seconds = 0.125;
  r.load_seconds = 0.0625;
  r.analysis_seconds = 0.03125;
  r.fetch_seconds = 1e-5;
  r.rss_bytes = 123456789;
  r.pid = 4242;
  r.solver = "KLU";
  return r;
}

}  // namespace

TEST_CASE("Worker protocol: jobs, results and hellos round-trip", "[spice]") {
  Job job;
  job.id = 7;
  job.netlist = std::string("title\nR1 a 0 1k\n\0binary-safe\n", 29);
  job.vectors = {"out", "v1#branch"};
  job.pre_commands = {"alter R1 2k"};
  job.analysis = "tran 1u 1m";
  job.post_commands = {"write /tmp/x.raw"};
  job.timeout_s = 2.5;
  job.solver = Solver::klu;
  job.test_fault = TestFault::hang;
  const Job j = decode_job(encode(job));
  CHECK(j.id == job.id);
  CHECK(j.netlist == job.netlist);
  CHECK(j.vectors == job.vectors);
  CHECK(j.pre_commands == job.pre_commands);
  CHECK(j.analysis == job.analysis);
  CHECK(j.post_commands == job.post_commands);
  CHECK(j.timeout_s == job.timeout_s);
  CHECK(j.solver == job.solver);
  CHECK(j.test_fault == job.test_fault);

  const Result r = sample_result();
  bool exiting = false;
  const Result back = decode_result(encode(r, true), exiting);
  CHECK(exiting);
  CHECK(back.id == r.id);
  CHECK(back.status == r.status);
  CHECK(back.message == r.message);
  CHECK(back.log == r.log);
  CHECK(back.plot.name == r.plot.name);
  CHECK(back.plot.kind == r.plot.kind);
  CHECK(back.plot.scale == r.plot.scale);
  REQUIRE(back.plot.vectors.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(back.plot.vectors[i].name == r.plot.vectors[i].name);
    CHECK(back.plot.vectors[i].type == r.plot.vectors[i].type);
    CHECK(back.plot.vectors[i].is_complex == r.plot.vectors[i].is_complex);
    CHECK(back.plot.vectors[i].re == r.plot.vectors[i].re);  // bit-exact doubles
    CHECK(back.plot.vectors[i].im == r.plot.vectors[i].im);
  }
  CHECK(back.wall_seconds == r.wall_seconds);
  CHECK(back.load_seconds == r.load_seconds);
  CHECK(back.analysis_seconds == r.analysis_seconds);
  CHECK(back.fetch_seconds == r.fetch_seconds);
  CHECK(back.rss_bytes == r.rss_bytes);
  CHECK(back.pid == r.pid);
  CHECK(back.solver == r.solver);

  Hello h;
  h.pid = 99;
  h.ok = true;
  h.info.version = "46";
  h.info.version_major = 46;
  h.info.banner = {"** ngspice-46 : Circuit level simulation program"};
  h.info.has_klu = true;
  h.info.has_reset = true;
  const Hello hb = decode_hello(encode(h));
  CHECK(hb.pid == 99);
  CHECK(hb.ok);
  CHECK(hb.info.version_major == 46);
  CHECK(hb.info.banner == h.info.banner);
  CHECK(hb.info.has_klu);
  CHECK_FALSE(hb.info.has_lock_realloc);

  const LogLine l = decode_log(encode(LogLine{5, {true, "Error: x"}}));
  CHECK(l.job_id == 5);
  CHECK(l.line.is_stderr);
  CHECK(l.line.text == "Error: x");
}

TEST_CASE("Worker protocol: frames in partial buffers - corrupt input is rejected", "[spice]") {
  const std::string payload = encode(sample_result(), false);
  const std::string stream = encode_frame(MessageType::result, payload) + encode_frame(MessageType::shutdown, "");
  // Fed one byte at a time, nothing is taken until a frame is complete.
  std::string buffer;
  std::size_t consumed = 0;
  int frames = 0;
  for (char c : stream) {
    buffer += c;
    while (auto f = take_frame(buffer, consumed)) {
      ++frames;
      if (frames == 1) {
        CHECK(f->type == MessageType::result);
        CHECK(f->payload == payload);
      } else {
        CHECK(f->type == MessageType::shutdown);
        CHECK(f->payload.empty());
      }
      buffer.erase(0, consumed);
    }
  }
  CHECK(frames == 2);
  CHECK(buffer.empty());

  std::string bad = encode_frame(MessageType::log, "x");
  bad[0] ^= 0x55;
  CHECK_THROWS_AS(take_frame(bad, consumed), ProtocolError);
  std::string wrong_version = encode_frame(MessageType::log, "x");
  wrong_version[4] = 9;
  CHECK_THROWS_AS(take_frame(wrong_version, consumed), ProtocolError);
  // A payload whose string length points past its end.
  std::string truncated = encode(LogLine{1, {false, "hello"}});
  truncated.resize(truncated.size() - 2);
  CHECK_THROWS_AS(decode_log(truncated), ProtocolError);
  CHECK_THROWS_AS(decode_log(encode(LogLine{1, {false, "hello"}}) + "extra"), ProtocolError);
  bool exiting = false;
  std::string bad_status = encode(sample_result(), false);
  bad_status[8] = 77;  // the status byte follows the 8-byte id
  CHECK_THROWS_AS(decode_result(bad_status, exiting), ProtocolError);
}

TEST_CASE("Worker protocol: blocking I/O over a socket with partial transfers", "[spice]") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  // 8 MB, far more than a socket buffer: the writer's send() and the
  // reader's recv() both return short counts many times.
  std::string big(8 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 2654435761u >> 24);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(sv[0]);
    try {
      write_frame(sv[1], MessageType::job, big);
      write_frame(sv[1], MessageType::shutdown, "");
      // Then half a frame, and the end of the stream.
      const std::string half = encode_frame(MessageType::log, "0123456789").substr(0, 20);
      (void)!::write(sv[1], half.data(), half.size());
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(sv[1]);
  Frame f;
  REQUIRE(read_frame(sv[0], f));
  CHECK(f.type == MessageType::job);
  CHECK(f.payload == big);
  REQUIRE(read_frame(sv[0], f));
  CHECK(f.type == MessageType::shutdown);
  CHECK_THROWS_AS(read_frame(sv[0], f), ProtocolError);  // ended inside a frame
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  ::close(sv[0]);

  // A clean end of stream between frames is not an error.
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  ::close(sv[1]);
  CHECK_FALSE(read_frame(sv[0], f));
  ::close(sv[0]);
  // Writing to a closed peer is an error code, not SIGPIPE.
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  ::close(sv[0]);
  CHECK_THROWS_AS(write_frame(sv[1], MessageType::log, "x"), ProtocolError);
  ::close(sv[1]);
}
