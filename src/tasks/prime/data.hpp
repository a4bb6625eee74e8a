// Fashion-MNIST for the PRIME spiking network (DESIGN.md §7.2): the IDX
// files (gzip, read with zlib), down-sampling and spike coding.
//
// IDX (LeCun's format, big-endian): magic 0x00000803 (unsigned bytes, 3
// dimensions) for images, count x rows x cols, then the pixels row-major;
// 0x00000801 for labels, count, then one byte per label. A .gz file is
// decompressed on the fly (zlib's gzread also reads an uncompressed file).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "config/prime.hpp"
#include "util/error.hpp"

namespace memcosim::tasks::prime {

struct IdxImages {
  int rows = 0, cols = 0;
  // One column per image, pixels row-major scaled to [0, 1] (byte / 255).
  Eigen::MatrixXf pixels;
};

// Reads an IDX image file. Throws InputError naming the file (and, through
// `where`/`key`, the config line that named it) for a missing file, a gzip
// error, a bad magic number, a header whose sizes are not expected_rows x
// expected_cols (0: any), or a file shorter than its header says.
IdxImages read_idx_images(const std::filesystem::path& file, const SourceLocation& where = {},
                          const std::string& key = {}, int expected_rows = 0, int expected_cols = 0);
// Reads an IDX label file; labels must be < classes.
std::vector<int> read_idx_labels(const std::filesystem::path& file, const SourceLocation& where = {},
                                 const std::string& key = {}, int classes = 10);

// Averages factor x factor blocks: rows x cols -> rows/factor x cols/factor
// (the sizes must divide).
IdxImages downsample(const IdxImages& images, int factor);

using config::SpikeCoding;

// The input spike trains of one image (one column of pixels): a pixels x
// steps 0/1 matrix.
//  rate:    pixel p spikes at step t with probability p, from the
//           counter-based uniform (seed, image, t * pixels + i): the same
//           spikes in any process and any order of images.
//  latency: one spike at step round((1 - p) (steps - 1)) for p >= cutoff,
//           none below it (bright pixels fire first).
Eigen::MatrixXf encode(const Eigen::Ref<const Eigen::VectorXf>& pixels, SpikeCoding coding, int steps,
                       std::uint64_t seed, std::uint64_t image, double latency_cutoff = 0.1);

}  // namespace memcosim::tasks::prime
