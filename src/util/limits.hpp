// Upper bounds on the sizes a user can ask for (configs, weight files, the
// command line). Each is far above any run this machine class can finish
// and far below what ends in std::bad_alloc, so a typo (an extra 0, a
// negative number read as huge) is a located input error instead of an
// out-of-memory crash. Documented in configs/README.md and README.md.
#pragma once

namespace memcosim::limits {

inline constexpr long kMaxTrajectories = 1'000'000;  // simulation.n, run -n
inline constexpr long kMaxSamples = 10'000'000;      // sampling.n, data.n, sample -n
inline constexpr int kMaxWidth = 4096;               // model.hidden[i], weight-file widths and dimensions
inline constexpr int kMaxClasses = 4096;             // model.classes, architecture.num_classes
inline constexpr int kMaxGridPoints = 10'000'000;    // noise points, observe, min_points and similar grids

}  // namespace memcosim::limits
