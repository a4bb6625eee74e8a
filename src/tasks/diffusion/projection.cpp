#include "tasks/diffusion/projection.hpp"

#include <chrono>

#include "reference/sampler.hpp"
#include "tasks/diffusion/setup.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"

namespace memcosim::tasks::diffusion {

DigitalBaseline measure_digital_baseline(const config::Config& cfg, const nn::LoadedModel& model) {
  reference::SamplerOptions o = sampler_options(cfg);
  o.n = cfg.projection.digital_samples;
  o.block_size = o.n;  // one batch: the fastest way this sampler runs
  const SamplingScore score(cfg, model.net);
  const auto start = std::chrono::steady_clock::now();
  const auto result = reference::sample(score.model(), sampling_schedule(cfg, model.schedule), o);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.stats.ok) throw SimulationError("digital baseline: reference sampler failed: " + result.stats.message);
  DigitalBaseline d;
  d.samples = o.n;
  d.wall_seconds = wall;
  d.seconds_per_sample = wall / static_cast<double>(o.n);
  d.method = std::string(reference::to_string(o.method));
  if (o.n >= 2) {
    const Eigen::MatrixXd target = draw_dataset(cfg, cfg.metrics.target_samples, "target");
    d.kl = analysis::compute_metrics(result.samples, target, metrics_options(cfg)).kl.kl;
  }
  return d;
}

flow::Projection project(const config::Config& cfg, const AnalogFigures& a, const DigitalBaseline& digital) {
  const auto& p = cfg.projection;
  const double digital_joules = p.digital_power * digital.seconds_per_sample;
  const double analog_joules = a.supply_joules + a.source_joules;
  const double tau0 = cfg.circuit.integrator.r * cfg.circuit.integrator.c;
  flow::Projection r;
  r.json = {
      {"analog",
       {{"seconds_per_sample", a.seconds},
        {"joules_per_sample", analog_joules},
        {"joules_per_sample_supply", a.supply_joules},
        {"joules_per_sample_ideal_sources", a.source_joules},
        {"samples", a.samples},
        {"kl", a.kl},
        {"software_kl_same_starts", a.software_kl_same_starts},
        {"assumptions", "physical time of one transient (t_start to t_end at tau0 = circuit.integrator.r * c = " +
                            printf_number("%.4g s", tau0) +
                            "), one sample at a time; energy = supply energy of the transistor-level blocks + energy "
                            "delivered by the ideal sources that stand in for the rest (bias rows, DACs, behavioural "
                            "rectifiers)"}}},
      {"digital",
       {{"seconds_per_sample", digital.seconds_per_sample},
        {"joules_per_sample", digital_joules},
        {"samples", digital.samples},
        {"wall_seconds", digital.wall_seconds},
        {"kl", digital.kl},
        {"power_watts_assumed", p.digital_power},
        {"platform", p.digital_platform},
        {"assumptions", "reference sampler (" + digital.method +
                            ", sampling.ode tolerances) timed on this machine, one thread, one batch of " +
                            std::to_string(digital.samples) + " samples; energy = projection.digital_power x time"}}},
      {"speedup", digital.seconds_per_sample / a.seconds},
      {"energy_ratio", digital_joules / analog_joules}};
  auto& L = r.lines;
  L.push_back("speed/energy projection (per sample; every assumption next to its figure):");
  L.push_back("  | | time per sample | energy per sample | quality (KL to data) | assumptions |");
  L.push_back("  |---|---|---|---|---|");
  L.push_back("  | analogue (this circuit) | " + printf_number("%.4g s", a.seconds) + " | " +
              printf_number("%.4g J", analog_joules) + " (" + printf_number("%.4g J", a.supply_joules) + " supply + " +
              printf_number("%.4g J", a.source_joules) + " ideal sources) | " + printf_number("%.4g", a.kl) + " over " +
              std::to_string(a.samples) + " samples; software sampler on the same " + "starts " +
              printf_number("%.4g", a.software_kl_same_starts) +
              " | simulated physical time t_start -> t_end at tau0 = " + printf_number("%.4g s", tau0) +
              ", one sample at a time; supply energy of the transistor-level blocks + energy the ideal sources (bias "
              "rows, DACs, behavioural rectifiers) deliver |");
  L.push_back("  | digital (" + p.digital_platform + ") | " + printf_number("%.4g s", digital.seconds_per_sample) +
              " | " + printf_number("%.4g J", digital_joules) + " | " + printf_number("%.4g", digital.kl) + " over " +
              std::to_string(digital.samples) + " samples | measured: " + std::to_string(digital.samples) +
              " samples (" + digital.method +
              ", same tolerances, the sampler the analogue result is compared with) in " +
              printf_number("%.3g s", digital.wall_seconds) + ", one thread, noisy shared machine; ASSUMED power " +
              printf_number("%.4g W", p.digital_power) + " (projection.digital_power) |");
  L.push_back("  | ratio digital / analogue | " + printf_number("%.3g x", digital.seconds_per_sample / a.seconds) +
              " | " + printf_number("%.3g x", digital_joules / analog_joules) +
              " | | > 1: the analogue solver is faster / uses less "
              "energy (published claim for the ring: 64.8x speed, 5.2x energy) |");
  return r;
}

}  // namespace memcosim::tasks::diffusion
