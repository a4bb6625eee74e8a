#include "tasks/diffusion/sample.hpp"

#include <fstream>
#include <ostream>

#include <nlohmann/json.hpp>

#include "flow/common.hpp"
#include "tasks/diffusion/setup.hpp"
#include "util/csv.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace memcosim::tasks::diffusion {

using namespace memcosim::flow;

namespace {
// Columns without NaN (a failed block leaves NaN samples).
Eigen::MatrixXd finite_columns(const Eigen::MatrixXd& x) {
  std::vector<Eigen::Index> keep;
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    if (x.col(j).allFinite()) keep.push_back(j);
  Eigen::MatrixXd out(x.rows(), static_cast<Eigen::Index>(keep.size()));
  for (std::size_t k = 0; k < keep.size(); ++k) out.col(static_cast<Eigen::Index>(k)) = x.col(keep[k]);
  return out;
}
}  // namespace

SampleReport sample_reference(const config::Config& cfg, const nn::LoadedModel& model,
                              const std::filesystem::path& out_dir, std::ostream& log) {
  const reference::SamplerOptions options = sampler_options(cfg);
  const sde::VpSchedule schedule = sampling_schedule(cfg, model.schedule);
  SampleReport r;
  const SamplingScore score(cfg, model.net);
  r.result = reference::sample(score.model(), schedule, options);
  const auto& st = r.result.stats;
  log << "reference sampler (" << reference::to_string(options.method) << ", Boost.Odeint): " << options.n
      << " samples in " << st.wall_seconds << " s, " << st.steps << " steps, " << st.rhs_evals << " score evaluations"
      << (st.ok ? "" : " - FAILED: " + st.message) << "\n";
  r.target = metrics_target(cfg, score.class_index());
  const Eigen::MatrixXd ok = finite_columns(r.result.samples);
  const bool have_metrics = ok.cols() >= 2;  // distribution metrics need two samples
  if (have_metrics) {
    r.metrics = analysis::compute_metrics(ok, r.target, metrics_options(cfg));
    log << r.metrics.report();
  } else {
    log << "distribution metrics need at least 2 samples; none computed\n";
  }

  if (!out_dir.empty()) {
    prepare_output_dir(out_dir.string());
    write_resolved_config(out_dir, cfg);
    write_samples_csv(out_dir / "samples.csv", r.result.samples);
    nlohmann::json j;
    j["config"] = cfg.source;
    j["engine"] = "reference";
    j["method"] = std::string(reference::to_string(options.method));
    j["n"] = options.n;
    j["beta_scale"] = cfg.sampling.beta_scale;
    j["sampling_schedule"] = {{"beta_min", schedule.beta_min}, {"beta_max", schedule.beta_max}};
    j["solver"] = {{"ok", st.ok},
                   {"message", st.message},
                   {"steps", st.steps},
                   {"rhs_evals", st.rhs_evals},
                   {"wall_seconds", st.wall_seconds}};
    j["metrics"] = have_metrics ? r.metrics.to_json() : nlohmann::json(nullptr);
    write_file(out_dir / "metrics.json", j.dump(2) + "\n", "metrics");
    log << "wrote " << (out_dir / "samples.csv").string() << " and " << (out_dir / "metrics.json").string() << "\n";
  }
  if (!st.ok) throw SimulationError("reference sampler failed: " + st.message);
  return r;
}

}  // namespace memcosim::tasks::diffusion
