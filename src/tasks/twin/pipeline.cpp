#include "tasks/twin/pipeline.hpp"

#include <cstdio>
#include <ostream>

#include "util/csv.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::twin {

Records generate_records(const config::Config& cfg) {
  const config::TwinConfig& tc = cfg.twin;
  const System system = system_from_config(cfg);
  const reference::OdeOptions ode = ode_options(cfg);
  const int n = tc.data.records;
  const auto points = static_cast<int>(std::llround(tc.data.duration / tc.data.dt)) + 1;
  std::vector<double> t(static_cast<std::size_t>(points));
  for (int j = 0; j < points; ++j) t[static_cast<std::size_t>(j)] = tc.data.dt * j;

  Records rec;
  rec.dt = tc.data.dt;
  std::vector<Drive> drives;
  Eigen::MatrixXd x0;
  if (system.kind == SystemKind::hp_memristor) {
    rec.update_period = tc.update_period;
    Rng rng(derive_seed(cfg.seed, "twin-train-drives"));
    const MultisineFamily family{tc.train_drives.components, tc.train_drives.amplitude_min,
                                 tc.train_drives.amplitude_max, tc.train_drives.f_min, tc.train_drives.f_max};
    x0.resize(1, n);
    for (int r = 0; r < n; ++r) {
      drives.push_back(family.draw(rng));
      x0(0, r) = rng.uniform(tc.hp.x0_min, tc.hp.x0_max);
    }
  } else {
    x0 = attractor_starts(system, derive_seed(cfg.seed, "twin-train-starts"), n, tc.lorenz96.transient, 10.0, ode);
  }
  const Trajectories tr = integrate(system_field(system), system.input_dim(), drives, rec.update_period, x0, t, ode);
  if (!tr.stats.ok) throw Error("ground truth: integration failed: " + tr.stats.message);
  for (int r = 0; r < n; ++r) {
    Eigen::MatrixXd x(system.dim(), points), u(system.input_dim(), points);
    for (int j = 0; j < points; ++j) {
      x.col(j) = tr.x[static_cast<std::size_t>(j)].col(r);
      if (system.input_dim() > 0) u.col(j) = tr.u[static_cast<std::size_t>(j)].col(r);
    }
    rec.x.push_back(std::move(x));
    rec.u.push_back(std::move(u));
  }
  return rec;
}

void write_records_csv(const std::filesystem::path& file, const Records& records) {
  std::vector<std::string> header{"record", "t"};
  for (int i = 0; i < records.dim(); ++i) header.push_back("x" + std::to_string(i + 1));
  if (records.input_dim() > 0) header.push_back("u");
  CsvWriter csv(file, header);
  std::vector<double> row;
  for (std::size_t r = 0; r < records.x.size(); ++r)
    for (Eigen::Index j = 0; j < records.x[r].cols(); ++j) {
      row.assign({static_cast<double>(r), records.dt * static_cast<double>(j)});
      for (Eigen::Index i = 0; i < records.x[r].rows(); ++i) row.push_back(records.x[r](i, j));
      for (Eigen::Index i = 0; i < records.u[r].rows(); ++i) row.push_back(records.u[r](i, j));
      csv.row(row);
    }
}

void write_evaluation_csv(const std::filesystem::path& file, const SoftwareEvaluation& eval) {
  if (eval.cases.empty()) return;
  const CaseResult& c0 = eval.cases.front();
  std::vector<std::string> header{"case", "label", "t"};
  for (Eigen::Index i = 0; i < c0.u.rows(); ++i) header.push_back("u");
  for (const char* what : {"x_true", "x_twin"})
    for (Eigen::Index i = 0; i < c0.x_true.rows(); ++i) header.push_back(what + std::to_string(i + 1));
  if (eval.system == config::TwinSystem::hp_memristor) {
    header.push_back("i_true");
    header.push_back("i_twin");
  }
  CsvWriter csv(file, header);
  for (std::size_t c = 0; c < eval.cases.size(); ++c) {
    const CaseResult& r = eval.cases[c];
    for (std::size_t j = 0; j < r.t.size(); ++j) {
      const auto k = static_cast<Eigen::Index>(j);
      std::vector<std::string> row{std::to_string(c), r.label, csv_number(r.t[j])};
      for (Eigen::Index i = 0; i < r.u.rows(); ++i) row.push_back(csv_number(r.u(i, k)));
      for (Eigen::Index i = 0; i < r.x_true.rows(); ++i) row.push_back(csv_number(r.x_true(i, k)));
      for (Eigen::Index i = 0; i < r.x_twin.rows(); ++i) row.push_back(csv_number(r.x_twin(i, k)));
      if (eval.system == config::TwinSystem::hp_memristor) {
        row.push_back(csv_number(r.y_true(0, k)));
        row.push_back(csv_number(r.y_twin(0, k)));
      }
      csv.row(row);
    }
  }
}

TwinTrainOptions train_options(const config::Config& cfg) {
  const config::TwinConfig& tc = cfg.twin;
  const config::TrainingConfig& tr = cfg.training;
  TwinTrainOptions o;
  o.derivative_epochs = tc.stages.derivative_epochs;
  o.batch_size = tr.batch_size;
  o.learning_rate = tr.learning_rate;
  o.trajectory_steps = tc.stages.trajectory_steps;
  o.window = tc.stages.window;
  o.stride = tc.stages.step > 0 ? static_cast<int>(std::llround(tc.stages.step / tc.data.dt)) : 1;
  o.windows_per_step = tc.stages.windows;
  o.trajectory_learning_rate = tc.stages.trajectory_learning_rate;
  o.final_fraction = tr.lr_schedule == config::LrSchedule::cosine ? tr.learning_rate_final / tr.learning_rate : 1.0;
  if (o.final_fraction <= 0) o.final_fraction = 1e-3;
  o.adam = {tr.adam.beta1, tr.adam.beta2, tr.adam.eps, tr.weight_decay, tr.grad_clip};
  o.weight_noise = {tr.weight_noise.enabled, tr.weight_noise.sigma, tr.weight_noise.clip};
  o.seed = cfg.seed;
  return o;
}

nn::MlpShape network_shape(const config::Config& cfg) {
  const System s = system_from_config(cfg);
  return {s.dim() + s.input_dim(), cfg.twin.hidden, s.dim()};
}

nn::MlpProvenance provenance(const config::Config& cfg, const TwinTrainResult& result) {
  const config::TwinConfig& tc = cfg.twin;
  const System s = system_from_config(cfg);
  nn::MlpProvenance p;
  p.system = std::string(config::enum_name(tc.system));
  p.system_description = s.describe();
  if (s.kind == SystemKind::hp_memristor) {
    p.system_parameters = {{"r_on", s.hp.r_on},     {"r_off", s.hp.r_off}, {"thickness", s.hp.d},
                           {"mobility", s.hp.mu_v}, {"window_p", s.hp.p},  {"update_period", tc.update_period}};
    p.dataset = std::to_string(tc.data.records) + " records of " + exact_number(tc.data.duration) +
                " s, random multi-sines (" + std::to_string(tc.train_drives.components) + " components, " +
                exact_number(tc.train_drives.f_min) + "-" + exact_number(tc.train_drives.f_max) + " Hz, peak " +
                exact_number(tc.train_drives.amplitude_min) + "-" + exact_number(tc.train_drives.amplitude_max) +
                " V), sampled every " + exact_number(tc.data.dt) + " s";
  } else {
    p.system_parameters = {{"n", s.lorenz96.n}, {"forcing", s.lorenz96.forcing}};
    p.dataset = std::to_string(tc.data.records) + " records of " + exact_number(tc.data.duration) +
                " time units from starts on the attractor, sampled every " + exact_number(tc.data.dt);
  }
  p.config = cfg.source;
  p.seed = cfg.seed;
  p.derivative_epochs = tc.stages.derivative_epochs;
  p.trajectory_steps = tc.stages.trajectory_steps;
  p.steps = result.steps;
  p.derivative_loss = result.derivative_loss.empty() ? 0.0 : result.derivative_loss.back();
  p.trajectory_loss = result.trajectory_loss.empty() ? 0.0 : result.trajectory_loss.back();
  p.train_seconds = result.seconds;
  return p;
}

TwinTrainReport train_from_config(const config::Config& cfg, const std::string& weights_out,
                                  const std::string& results_dir, std::ostream& log, int log_every) {
  TwinTrainReport report;
  report.results =
      results_dir.empty() ? std::filesystem::path("out") / (cfg.name + "-train") : std::filesystem::path(results_dir);
  std::filesystem::create_directories(report.results);
  report.weights = weights_out.empty() ? cfg.resolve(cfg.model.file) : std::filesystem::path(weights_out);
  if (report.weights.has_parent_path()) std::filesystem::create_directories(report.weights.parent_path());

  const Records records = generate_records(cfg);
  write_records_csv(report.results / "records.csv", records);
  const TwinTrainOptions options = train_options(cfg);
  nn::Mlp net(network_shape(cfg));
  log << "training twin " << cfg.name << " (" << system_from_config(cfg).describe() << "): " << records.x.size()
      << " records, " << derivative_samples(records).inputs.cols() << " derivative samples, " << net.num_params()
      << " parameters; ground truth in " << (report.results / "records.csv").string() << "\n";
  auto progress = [&](int stage, int it, double loss) {
    const int last = stage == 1 ? options.derivative_epochs : options.trajectory_steps;
    if (log_every > 0 && (it % log_every == 0 || it == last)) {
      char line[96];
      std::snprintf(line, sizeof line, "  stage %d %s %6d  loss %.6g\n", stage, stage == 1 ? "epoch" : "step ", it,
                    loss);
      log << line << std::flush;
    }
  };
  report.result = train_twin(net, records, options, progress);
  nn::save_mlp(report.weights.string(), net, provenance(cfg, report.result));
  char line[200];
  std::snprintf(line, sizeof line, "trained in %.1f s (%ld steps); wrote %s\n", report.result.seconds,
                report.result.steps, report.weights.string().c_str());
  log << line;
  report.evaluation = evaluate_software(cfg, net);
  write_evaluation_csv(report.results / "evaluation.csv", report.evaluation);
  log << format_evaluation(report.evaluation);
  return report;
}

}  // namespace memcosim::tasks::twin
