// PRIME's speed and energy projection: time and energy per inference of the
// circuit against this machine's digital inference of the same network, each
// assumption printed beside its figure, set beside the published figures
// (DESIGN.md §7.2; Science Advances 2025: 37.8x energy efficiency and 77 %
// computational load saved on classification, 62.5x and 12.5 % on
// inpainting, on a 40 nm 256 Kb macro).
#pragma once

#include <vector>

#include <Eigen/Core>

#include "config/config.hpp"
#include "flow/energy.hpp"
#include "tasks/prime/network.hpp"

namespace memcosim::tasks::prime {

// The circuit's side, means per image over a run.
struct AnalogInference {
  double seconds = 0;           // simulated time up to the stop
  double read_joules = 0;       // delivered by the read pulses (and rail clocks)
  double supply_joules = 0;     // drawn from the rails of transistor-level blocks
  bool supply_metered = false;  // neurons at transistor level (else only the read pulses are metered)
  double steps_saved = 0;       // 1 - mean steps / T
};

// The digital side: seconds per inference of `infer` (event-driven, early
// stop as configured, masked weights computed once) over the given images'
// spikes on one core of this machine: after one untimed pass, the fastest of
// at least `repeats` timed passes (and of as many as fill 0.2 s), divided by
// the image count. Load on the machine only lengthens a pass, so the fastest
// is the loop's own cost.
double digital_seconds_per_inference(const SpikingNet& net, const std::vector<Eigen::MatrixXf>& spikes,
                                     const config::PrimeEarlyStopConfig& es, int repeats = 5);

// The table (printed lines) and its JSON (summary.json "projection").
flow::Projection prime_projection(const config::Config& cfg, const AnalogInference& analog, double digital_seconds);

}  // namespace memcosim::tasks::prime
