#include "tasks/prime/projection.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include "util/numbers.hpp"

namespace memcosim::tasks::prime {

namespace {

using Clock = std::chrono::steady_clock;

// Published (PRIME, 40 nm macro): energy-efficiency gain and computational
// load saved by early stop, on classification and on inpainting.
constexpr double kPublishedEnergyClassification = 37.8, kPublishedEnergyInpainting = 62.5;
constexpr double kPublishedLoadSavedClassification = 0.77, kPublishedLoadSavedInpainting = 0.125;

}  // namespace

double digital_seconds_per_inference(const SpikingNet& net, const std::vector<Eigen::MatrixXf>& spikes,
                                     const config::PrimeEarlyStopConfig& es, int repeats) {
  if (spikes.empty()) return 0;
  const Eigen::MatrixXf w1 = net.w1_effective(), w2 = net.w2_effective();
  long checksum = 0;  // keeps the passes from being optimised away
  double fastest = 0, total = 0;
  // One untimed pass, then at least `repeats` timed ones and 0.2 s in all.
  // Other processes only add time to a pass, so the fastest is the loop's own cost.
  for (int k = 0; k <= std::max(repeats, 1) || total < 0.2; ++k) {
    const auto t0 = Clock::now();
    for (const auto& s : spikes) checksum += infer(net, w1, w2, s, es).predicted;
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (k == 0) continue;
    fastest = k == 1 ? seconds : std::min(fastest, seconds);
    total += seconds;
  }
  volatile long sink = checksum;
  (void)sink;
  return fastest / static_cast<double>(spikes.size());
}

flow::Projection prime_projection(const config::Config& cfg, const AnalogInference& a, double digital_s) {
  const double power = cfg.projection.digital_power;
  const double digital_j = power * digital_s;
  const double analog_j = a.read_joules + a.supply_joules;
  const auto& pc = cfg.prime.circuit;
  const std::string analog_energy_basis =
      a.supply_metered ? "read pulses and clocks + supply of the transistor-level neurons and output op-amps"
                       : "read pulses and clocks only: behavioural neurons draw no metered supply, so a lower bound";
  flow::Projection r;
  r.json = {{"analog",
             {{"seconds_per_inference", a.seconds},
              {"joules_per_inference", analog_j},
              {"read_joules_per_inference", a.read_joules},
              {"supply_joules_per_inference", a.supply_joules},
              {"steps_saved", a.steps_saved},
              {"assumptions", "simulated time to the early stop at prime.circuit.step = " + spice_number(pc.step) +
                                  " s per time step; energy = " + analog_energy_basis}}},
            {"digital",
             {{"seconds_per_inference", digital_s},
              {"joules_per_inference", digital_j},
              {"power_watts_assumed", power},
              {"assumptions",
               "the same network and images on one core of this machine: event-driven (adds the masked weight "
               "columns of the spikes), float, same early stop; the fastest of >= 5 timed passes (>= 0.2 s); energy = "
               "projection.digital_power x time"}}},
            {"speedup", a.seconds > 0 ? nlohmann::json(digital_s / a.seconds) : nlohmann::json(nullptr)},
            {"energy_ratio", analog_j > 0 ? nlohmann::json(digital_j / analog_j) : nlohmann::json(nullptr)},
            {"published",
             {{"energy_classification", kPublishedEnergyClassification},
              {"energy_inpainting", kPublishedEnergyInpainting},
              {"load_saved_classification", kPublishedLoadSavedClassification},
              {"load_saved_inpainting", kPublishedLoadSavedInpainting}}}};
  auto& L = r.lines;
  L.push_back("speed/energy projection (per inference; every assumption next to its figure):");
  L.push_back("  | | time per inference | energy per inference | assumptions |");
  L.push_back("  |---|---|---|---|");
  L.push_back("  | analogue (this circuit) | " + printf_number("%.4g s", a.seconds) + " | " +
              printf_number("%.4g J", analog_j) + " | simulated time to the stop, " + spice_number(pc.step) +
              " s per step; " + analog_energy_basis + " |");
  L.push_back("  | digital (one core of this machine) | " + printf_number("%.4g s", digital_s) + " | " +
              printf_number("%.4g J", digital_j) +
              " | measured: the same network and images, event-driven, float, same early stop, fastest of >= 5 passes; "
              "ASSUMED power " +
              printf_number("%.4g W", power) + " (projection.digital_power) |");
  L.push_back("  | ratio digital / analogue | " +
              (a.seconds > 0 ? printf_number("%.3g x", digital_s / a.seconds) : std::string("-")) + " | " +
              (analog_j > 0 ? printf_number("%.3g x", digital_j / analog_j) : std::string("-")) +
              " | published (PRIME, 40 nm macro): " + printf_number("%.1f x", kPublishedEnergyClassification) +
              " energy efficiency on classification, " + printf_number("%.1f x", kPublishedEnergyInpainting) +
              " on inpainting |");
  L.push_back("  | load saved by early stop | " + printf_number("%.1f %%", 100 * a.steps_saved) +
              " of the time steps | | published: " + printf_number("%.0f %%", 100 * kPublishedLoadSavedClassification) +
              " (classification), " + printf_number("%.1f %%", 100 * kPublishedLoadSavedInpainting) +
              " (inpainting) |");
  L.push_back(
      "  The published gains are a 40 nm macro's measured energy against the paper's digital baseline, on event");
  L.push_back("  data; here the analogue side is this project's 180 nm circuit, whose step length and (at transistor");
  L.push_back("  level) neuron bias set the figures, and the digital side an event-driven loop on one CPU core at an");
  L.push_back("  assumed power, so the ratios say what these choices give, not what the published chip does.");
  return r;
}

}  // namespace memcosim::tasks::prime
