#include "tasks/prime/data.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "util/files.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::prime {

namespace {

constexpr std::uint32_t kImageMagic = 0x00000803;
constexpr std::uint32_t kLabelMagic = 0x00000801;
// More images than this in one file is not an IDX file we can use.
constexpr std::uint32_t kMaxCount = 10'000'000;
constexpr std::uint32_t kMaxSide = 4096;

// An open gzip stream that names its file in every error.
class GzFile {
 public:
  GzFile(const std::filesystem::path& file, const SourceLocation& where, const std::string& key, std::string what)
      : file_(file),
        where_(where.file.empty() ? SourceLocation{file.string()} : where),
        key_(key),
        what_(std::move(what)) {
    check_input_file(file, where_, key_, what_);
    gz_ = gzopen(file.c_str(), "rb");
    if (!gz_) fail("zlib cannot open it");
    gzbuffer(gz_, 1 << 17);
  }
  ~GzFile() {
    if (gz_) gzclose(gz_);
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  [[noreturn]] void fail(const std::string& why) const {
    throw InputError(Diagnostic{where_, key_, what_ + " '" + file_.string() + "': " + why});
  }

  // Reads exactly n bytes; `what` names the part for the truncation error.
  void read(void* into, std::size_t n, const std::string& part) {
    auto* p = static_cast<unsigned char*>(into);
    std::size_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
      const int got = gzread(gz_, p + done, chunk);
      if (got < 0) {
        int errnum = 0;
        const char* msg = gzerror(gz_, &errnum);
        fail(std::string("gzip error: ") + (msg ? msg : "unknown"));
      }
      if (got == 0) {
        fail("truncated: " + part + " needs " + std::to_string(n) + " bytes, the file ends after " +
             std::to_string(done));
      }
      done += static_cast<std::size_t>(got);
    }
  }

  std::uint32_t read_u32(const std::string& part) {
    std::array<unsigned char, 4> b{};
    read(b.data(), 4, part);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  }

  static std::string hex(std::uint32_t v) {
    static const char* digits = "0123456789abcdef";
    std::string s = "0x";
    for (int i = 7; i >= 0; --i) s += digits[(v >> (4 * i)) & 0xf];
    return s;
  }

 private:
  std::filesystem::path file_;
  SourceLocation where_;
  std::string key_, what_;
  gzFile gz_ = nullptr;
};

}  // namespace

IdxImages read_idx_images(const std::filesystem::path& file, const SourceLocation& where, const std::string& key,
                          int expected_rows, int expected_cols) {
  GzFile f(file, where, key, "IDX image file");
  const std::uint32_t magic = f.read_u32("the magic number");
  if (magic != kImageMagic)
    f.fail("bad magic number " + GzFile::hex(magic) + " (an IDX image file starts with " + GzFile::hex(kImageMagic) +
           (magic == kLabelMagic ? "; this is a label file" : "") + ")");
  const std::uint32_t count = f.read_u32("the image count");
  const std::uint32_t rows = f.read_u32("the row count");
  const std::uint32_t cols = f.read_u32("the column count");
  if (count == 0 || count > kMaxCount) f.fail("image count " + std::to_string(count) + " outside 1 .. 10000000");
  if (rows == 0 || cols == 0 || rows > kMaxSide || cols > kMaxSide)
    f.fail("image size " + std::to_string(rows) + " x " + std::to_string(cols) + " outside 1 .. 4096");
  if ((expected_rows > 0 && rows != static_cast<std::uint32_t>(expected_rows)) ||
      (expected_cols > 0 && cols != static_cast<std::uint32_t>(expected_cols)))
    f.fail("images are " + std::to_string(rows) + " x " + std::to_string(cols) + ", expected " +
           std::to_string(expected_rows) + " x " + std::to_string(expected_cols));
  const std::size_t per = std::size_t{rows} * cols;
  std::vector<unsigned char> bytes(per * count);
  f.read(bytes.data(), bytes.size(),
         std::to_string(count) + " images of " + std::to_string(rows) + " x " + std::to_string(cols));
  IdxImages out;
  out.rows = static_cast<int>(rows);
  out.cols = static_cast<int>(cols);
  out.pixels.resize(static_cast<Eigen::Index>(per), static_cast<Eigen::Index>(count));
  for (std::size_t n = 0; n < count; ++n)
    for (std::size_t i = 0; i < per; ++i)
      out.pixels(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(n)) =
          static_cast<float>(bytes[n * per + i]) / 255.0f;
  return out;
}

std::vector<int> read_idx_labels(const std::filesystem::path& file, const SourceLocation& where, const std::string& key,
                                 int classes) {
  GzFile f(file, where, key, "IDX label file");
  const std::uint32_t magic = f.read_u32("the magic number");
  if (magic != kLabelMagic)
    f.fail("bad magic number " + GzFile::hex(magic) + " (an IDX label file starts with " + GzFile::hex(kLabelMagic) +
           (magic == kImageMagic ? "; this is an image file" : "") + ")");
  const std::uint32_t count = f.read_u32("the label count");
  if (count == 0 || count > kMaxCount) f.fail("label count " + std::to_string(count) + " outside 1 .. 10000000");
  std::vector<unsigned char> bytes(count);
  f.read(bytes.data(), bytes.size(), std::to_string(count) + " labels");
  std::vector<int> labels(count);
  for (std::size_t n = 0; n < count; ++n) {
    if (bytes[n] >= classes)
      f.fail("label " + std::to_string(bytes[n]) + " of item " + std::to_string(n) + " is not a class 0 .. " +
             std::to_string(classes - 1));
    labels[n] = bytes[n];
  }
  return labels;
}

IdxImages downsample(const IdxImages& in, int factor) {
  if (factor < 1 || in.rows % factor != 0 || in.cols % factor != 0)
    throw std::invalid_argument("downsample: factor " + std::to_string(factor) + " does not divide " +
                                std::to_string(in.rows) + " x " + std::to_string(in.cols));
  if (factor == 1) return in;
  IdxImages out;
  out.rows = in.rows / factor;
  out.cols = in.cols / factor;
  out.pixels = Eigen::MatrixXf::Zero(static_cast<Eigen::Index>(out.rows) * out.cols, in.pixels.cols());
  const float w = 1.0f / static_cast<float>(factor * factor);
  for (Eigen::Index n = 0; n < in.pixels.cols(); ++n)
    for (int r = 0; r < in.rows; ++r)
      for (int c = 0; c < in.cols; ++c)
        out.pixels((r / factor) * out.cols + c / factor, n) += w * in.pixels(r * in.cols + c, n);
  return out;
}

Eigen::MatrixXf encode(const Eigen::Ref<const Eigen::VectorXf>& pixels, SpikeCoding coding, int steps,
                       std::uint64_t seed, std::uint64_t image, double latency_cutoff) {
  const Eigen::Index n = pixels.size();
  Eigen::MatrixXf s = Eigen::MatrixXf::Zero(n, steps);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double p = pixels(i);
    if (coding == SpikeCoding::rate) {
      for (int t = 0; t < steps; ++t)
        if (counter_uniform(
                seed, image,
                static_cast<std::uint64_t>(t) * static_cast<std::uint64_t>(n) + static_cast<std::uint64_t>(i), 0) < p)
          s(i, t) = 1.0f;
    } else if (p >= latency_cutoff) {
      const int t = static_cast<int>(std::lround((1.0 - p) * (steps - 1)));
      s(i, std::clamp(t, 0, steps - 1)) = 1.0f;
    }
  }
  return s;
}

}  // namespace memcosim::tasks::prime
