// Comparison 4: the reference sampler (Boost.Odeint dopri5 on an Eigen batch,
// `memcosim sample --engine reference`, PF-ODE) against the same algorithm in
// NumPy (scripts/numpy_sampler.py: the same weight file, the same starts,
// odeint's step-size controller step for step), samples per second of the
// integration alone, one thread each. The end points and step counts are
// compared, so the two do the same work.
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bench.hpp"
#include "config/config.hpp"
#include "reference/sampler.hpp"
#include "tasks/diffusion/setup.hpp"

namespace memcosim::bench {

namespace {

Eigen::MatrixXd read_csv_matrix(const fs::path& p, int dim) {
  std::ifstream in(p);
  std::vector<double> values;
  for (std::string line; std::getline(in, line);) {
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) values.push_back(std::stod(cell));
  }
  const auto n = static_cast<Eigen::Index>(values.size()) / dim;
  Eigen::MatrixXd m(dim, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (int d = 0; d < dim; ++d) m(d, j) = values[static_cast<std::size_t>(j * dim + d)];
  return m;
}

nlohmann::json last_json_line(const fs::path& p) {
  std::ifstream in(p);
  std::string last;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] == '{') last = line;
  if (last.empty()) throw std::runtime_error(p.string() + ": no JSON line:\n" + tail_of_file(p));
  return nlohmann::json::parse(last);
}

}  // namespace

void bench_sampler(const Settings& s, Report& report) {
  const std::string config_path = (s.root / "configs/ring.yaml").string();
  const config::Config cfg = config::load_config(config_path);
  const nn::LoadedModel model = tasks::diffusion::load_model(cfg, std::cerr);
  const sde::VpSchedule schedule = tasks::diffusion::sampling_schedule(cfg, model.schedule);
  const tasks::diffusion::SamplingScore score(cfg, model.net);
  const int dim = model.net.dim();
  const fs::path weights = fs::path(cfg.model.file).is_absolute()
                               ? fs::path(cfg.model.file)
                               : fs::path(config_path).parent_path() / cfg.model.file;

  Section sec;
  sec.title = "4. Reference sampler vs NumPy (PF-ODE, dopri5, same steps)";
  sec.notes.push_back(
      "`memcosim sample --engine reference` (configs/ring.yaml: PF-ODE, dopri5, rtol = atol = 1e-6, beta x 2, "
      "t = 1 -> 1e-4, one batch) against scripts/numpy_sampler.py, the same algorithm in NumPy: the same weight file "
      "(read with python3-yaml), the same starts (written by the bench), odeint's step-size control and dense-output "
      "end step reproduced step for step. Time of the integration alone (Python start-up, imports and file reading "
      "excluded); one thread each (Eigen without OpenMP; OPENBLAS/OMP/MKL_NUM_THREADS=1 for NumPy). Ratio = NumPy time "
      "/ "
      "ours = samples per second ours / NumPy's.");
  sec.notes.push_back(
      "Rounding differs (Eigen and the BLAS sum the matrix products in another order), and an adaptive controller "
      "amplifies that: after some steps an accept/reject decision near err = 1 can go the other way, so the step "
      "counts may differ by a few. Agreement is therefore checked to the accuracy the tolerances give, against a "
      "tight solve of the same ODE (ours at rtol = atol = 1e-10): the step counts within 5 %, and both end points, "
      "and their difference, within 1e-3 (x units; the ring's radius is 0.7). The last column divides out the step "
      "counts: the ratio of time per right-hand-side evaluation.");
  sec.header = {"samples",
                "runs",
                "memcosim (Boost.Odeint + Eigen)",
                "NumPy",
                "ratio (CPU)",
                "samples/s ours / NumPy",
                "steps ours / NumPy",
                "max |end - tight solve|: ours / NumPy",
                "max |ours - NumPy|",
                "ratio per RHS evaluation"};

  std::vector<long> sizes = {cfg.sampling.n, 200};
  if (s.quick) sizes = {200};
  const int runs = s.pick(5, 1);
  std::string numpy_info;
  for (long n : sizes) {
    *s.log << "sampler: n = " << n << ", " << runs << " runs per variant\n" << std::flush;
    reference::SamplerOptions so = tasks::diffusion::sampler_options(cfg);
    so.n = n;
    so.block_size = std::max<long>(so.block_size, n);  // one batch on both sides
    const Eigen::MatrixXd starts = reference::initial_states(so, dim, 0, n);
    const fs::path starts_csv = s.work / ("starts_" + std::to_string(n) + ".csv");
    const fs::path end_csv = s.work / ("numpy_end_" + std::to_string(n) + ".csv");
    {
      std::ofstream out(starts_csv);
      out.precision(17);
      for (Eigen::Index j = 0; j < starts.cols(); ++j) {
        for (int d = 0; d < dim; ++d) out << (d ? "," : "") << starts(d, j);
        out << "\n";
      }
    }
    reference::SampleResult ours;
    nlohmann::json theirs;
    auto cpp = [&]() {
      Sample smp = measure([&] { ours = reference::sample(score.model(), schedule, so); });
      if (!ours.stats.ok) throw std::runtime_error("reference sampler failed: " + ours.stats.message);
      return smp;
    };
    auto numpy = [&]() {
      ProcessOptions o;
      o.output = s.work / ("numpy_" + std::to_string(n) + ".log");
      o.env = {"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "MKL_NUM_THREADS=1"};
      const ProcessResult pr = run_process({s.python.string(),
                                            (s.root / "scripts/numpy_sampler.py").string(),
                                            "--weights",
                                            weights.string(),
                                            "--starts",
                                            starts_csv.string(),
                                            "--out",
                                            end_csv.string(),
                                            "--beta-scale",
                                            fmt("%.17g", cfg.sampling.beta_scale),
                                            "--t-start",
                                            fmt("%.17g", so.t_start),
                                            "--t-end",
                                            fmt("%.17g", so.t_end),
                                            "--rtol",
                                            fmt("%.17g", so.ode.rtol),
                                            "--atol",
                                            fmt("%.17g", so.ode.atol),
                                            "--dt",
                                            fmt("%.17g", so.ode.dt_initial)},
                                           o);
      if (!pr.ok())
        throw std::runtime_error("numpy_sampler.py failed (" + pr.describe() + "):\n" + tail_of_file(o.output));
      theirs = last_json_line(o.output);
      return Sample{theirs.at("seconds").get<double>(), theirs.at("cpu_seconds").get<double>()};
    };
    if (so.method != reference::Method::pf_ode || so.ode.stepper != reference::OdeStepper::dopri5 ||
        so.ode.dt_max != 0.0)
      throw std::runtime_error("the NumPy sampler implements the PF-ODE with dopri5 and no dt_max only");
    const auto series = alternate(runs, {cpp, numpy}, s.log, "sampler n=" + std::to_string(n));
    reference::SamplerOptions tight_options = so;
    tight_options.ode.rtol = tight_options.ode.atol = 1e-10;
    const reference::SampleResult tight = reference::sample(score.model(), schedule, tight_options);
    if (!tight.stats.ok) throw std::runtime_error("tight reference solve failed: " + tight.stats.message);
    const Eigen::MatrixXd np_end = read_csv_matrix(end_csv, dim);
    if (np_end.cols() != ours.samples.cols())
      throw std::runtime_error("NumPy returned " + std::to_string(np_end.cols()) + " samples, not " +
                               std::to_string(n));
    const double diff = (np_end - ours.samples).cwiseAbs().maxCoeff();
    const double err_ours = (ours.samples - tight.samples).cwiseAbs().maxCoeff();
    const double err_np = (np_end - tight.samples).cwiseAbs().maxCoeff();
    const long np_steps = theirs.at("steps").get<long>(), np_evals = theirs.at("rhs_evals").get<long>();
    const double per_eval = (series[1].wall_stats().median / static_cast<double>(np_evals)) /
                            (series[0].wall_stats().median / static_cast<double>(ours.stats.rhs_evals));
    const double ratio = series[1].wall_stats().median / series[0].wall_stats().median;
    const double cpu_ratio = series[1].cpu_stats().median / series[0].cpu_stats().median;
    const double sps = static_cast<double>(n) / series[0].wall_stats().median;
    const double sps_np = static_cast<double>(n) / series[1].wall_stats().median;
    sec.rows.push_back({std::to_string(n), std::to_string(runs), fmt_stats(series[0].wall_stats()),
                        fmt_stats(series[1].wall_stats()), fmt_ratio(ratio) + " (" + fmt_ratio(cpu_ratio) + ")",
                        fmt("%.3g / %.3g", sps, sps_np),
                        std::to_string(ours.stats.steps) + " / " + std::to_string(np_steps) + " (rhs " +
                            std::to_string(ours.stats.rhs_evals) + " / " + std::to_string(np_evals) + ")",
                        fmt("%.2g / %.2g", err_ours, err_np), fmt("%.2g", diff), fmt_ratio(per_eval)});
    const bool same = std::abs(np_steps - ours.stats.steps) <= std::max(2L, ours.stats.steps / 20) && diff <= 1e-3 &&
                      err_ours <= 1e-3 && err_np <= 1e-3;
    report.summary.push_back({"4 reference sampler vs NumPy", std::to_string(n) + " samples, PF-ODE",
                              fmt_ratio(ratio) + " samples/s (" + fmt_ratio(per_eval) + " per RHS evaluation; " +
                                  std::to_string(ours.stats.steps) + " / " + std::to_string(np_steps) + " steps)" +
                                  (same ? "" : " - RESULTS DIFFER"),
                              ">= 30x", ratio >= 30 && same ? "met" : "NOT met"});
    numpy_info = "NumPy " + theirs.value("numpy", std::string("?")) +
                 " (BLAS: " + theirs.value("blas", std::string("?")) +
                 "); reading the weight file and the starts took it " + fmt_time(theirs.value("load_seconds", 0.0)) +
                 " more per run, Python's start-up and imports more again (neither counted).";
  }
  sec.after.push_back(numpy_info);
  report.sections.push_back(std::move(sec));
}

}  // namespace memcosim::bench
