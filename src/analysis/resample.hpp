// Resampling and error measures for comparing trajectories point by point
// (e.g. a SPICE waveform against the reference solver's observations).
#pragma once

#include <span>
#include <vector>

namespace memcosim::analysis {

// Linear interpolation of the series (times[k], values[k]) at each point of
// `at`. times must be monotone (increasing or decreasing; repeated times are
// allowed, e.g. at simulator breakpoints: the later sample wins) with at
// least one point, values.size() == times.size(). Points of `at` outside the
// range of times by more than 1e-12 of its span throw std::invalid_argument;
// within that they take the end value.
std::vector<double> interpolate_linear(std::span<const double> times, std::span<const double> values,
                                       std::span<const double> at);

// Error between two equally long series a and b (e.g. a resampled waveform
// and the reference): the largest |a - b| and the RMS of a - b.
struct SeriesError {
  double max_abs = 0.0;
  double rms = 0.0;
  std::size_t argmax = 0;  // index of the largest |a - b|
};
// Throws std::invalid_argument if the lengths differ or are zero.
SeriesError series_error(std::span<const double> a, std::span<const double> b);

}  // namespace memcosim::analysis
