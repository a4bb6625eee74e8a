// The diffusion task's speed/energy projection: the analogue solver's time
// and energy per sample against the reference sampler timed on this
// machine, every assumption printed with its figure.
#pragma once

#include <string>

#include "config/config.hpp"
#include "flow/energy.hpp"
#include "nn/weights.hpp"

namespace memcosim::tasks::diffusion {

// The digital baseline: the reference sampler timed on this machine.
struct DigitalBaseline {
  long samples = 0;
  double wall_seconds = 0;  // one thread, one batch
  double seconds_per_sample = 0;
  double kl = 0;  // its KL to the data, the quality the analogue result is compared at
  std::string method;
};
DigitalBaseline measure_digital_baseline(const config::Config& cfg, const nn::LoadedModel& model);

// The analogue side of the projection: per sample, and the quality it
// reached (KL of its n samples, and the software sampler's KL on the same
// n starts: KL of a histogram depends on the sample count, so the two
// are compared at equal n).
struct AnalogFigures {
  double seconds = 0, supply_joules = 0, source_joules = 0;
  long samples = 0;
  double kl = 0, software_kl_same_starts = 0;
};
// The projection table; every assumption is printed with its figure.
flow::Projection project(const config::Config& cfg, const AnalogFigures& analog, const DigitalBaseline& digital);

}  // namespace memcosim::tasks::diffusion
