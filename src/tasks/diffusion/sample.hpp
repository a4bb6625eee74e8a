// `memcosim sample --engine reference`: the batched Boost.Odeint sampler of
// the trained model, its samples as CSV and its metrics against fresh data.
#pragma once

#include <filesystem>
#include <iosfwd>

#include "analysis/metrics.hpp"
#include "config/config.hpp"
#include "nn/weights.hpp"
#include "reference/sampler.hpp"

namespace memcosim::tasks::diffusion {

struct SampleReport {
  reference::SampleResult result;
  analysis::Metrics metrics;
  Eigen::MatrixXd target;  // the fresh data the metrics compare against
};

// Samples with cfg.sampling (n, method, seed...). When out_dir is not empty,
// writes samples.csv, metrics.json and config.resolved.yaml there. A solver
// failure is reported in result.stats and the metrics use what finished.
SampleReport sample_reference(const config::Config& cfg, const nn::LoadedModel& model,
                              const std::filesystem::path& out_dir, std::ostream& log);

}  // namespace memcosim::tasks::diffusion
