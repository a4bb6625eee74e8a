// `memcosim run` of a field config: the image through SPICE against the HAQ
// software field on the same pixels.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "flow/common.hpp"
#include "spice/emitter.hpp"
#include "spice/session.hpp"
#include "tasks/field/energy.hpp"
#include "tasks/field/infer.hpp"
#include "tasks/field/pipeline.hpp"
#include "tasks/field/task.hpp"
#include "util/csv.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace memcosim::tasks::field {

namespace {

// Times the method that is not the config's on about `count` pixels of the
// image's middle rows, so that the report compares both.
nlohmann::json compare_methods(spice::NgspiceSession& s, const FieldCircuit& fc, int n, int count, double timeout,
                               std::ostream& log) {
  const int rows = std::max(1, (count + n - 1) / n);
  const int r0 = std::max(0, n / 2 - rows / 2), r1 = std::min(n, r0 + rows);
  const InferenceResult sweep = infer_rows(s, fc, n, r0, r1, timeout);
  Eigen::MatrixXd pts(2, static_cast<Eigen::Index>(sweep.values.size()));
  const Eigen::MatrixXd all = pixel_points(n);
  pts = all.middleCols(static_cast<Eigen::Index>(r0) * n, pts.cols());
  const InferenceResult alter = infer_alter(s, fc, pts, timeout);
  double diff = 0;
  for (std::size_t k = 0; k < alter.values.size(); ++k)
    diff = std::max(diff, std::abs(alter.values[k] - sweep.values[k]));
  char line[300];
  std::snprintf(line, sizeof line,
                "methods on the same %zu pixels (rows %d..%d): dc_sweep %.1f coordinates/s, alter+op %.1f "
                "coordinates/s (largest difference %.3g)\n",
                alter.values.size(), r0, r1 - 1, sweep.rate(), alter.rate(), diff);
  log << line;
  return {{"pixels", alter.values.size()},
          {"dc_sweep_per_second", sweep.rate()},
          {"alter_per_second", alter.rate()},
          {"largest_difference", diff}};
}

}  // namespace

flow::RunOutcome run_field(const config::Config& cfg, const Field& field, const flow::RunOptions& options,
                           std::ostream& log) {
  const std::filesystem::path dir = flow::prepare_output_dir(options.out_dir.string());
  flow::write_resolved_config(dir, cfg);
  const int n = cfg.field.phantom.resolution;
  // -n N: the N middle rows of the image only (default: every row).
  const int rows = options.n > 0 ? static_cast<int>(std::min<long>(options.n, n)) : n;
  const int first = (n - rows) / 2;
  const Problem p = make_problem(cfg);
  const SoftwareImages sw = software_images(cfg, p, field, log);
  spice::NgspiceSession session;
  FieldCircuit fc = field_circuit(cfg, field);
  const auto solver = cfg.simulation.solver;
  if (solver == config::LinearSolver::klu && !session.info().has_klu)
    throw InputError(Diagnostic{cfg.locations.find("simulation.solver"), "simulation.solver",
                                "klu asked for, but the loaded libngspice has no KLU"});
  const bool klu =
      solver == config::LinearSolver::klu || (solver == config::LinearSolver::automatic && session.info().has_klu);
  if (klu) fc.circuit.option("klu");
  const std::string netlist = spice::emit(fc.circuit);
  write_file(dir / "netlist.cir", netlist, "netlist");
  log << "circuit: " << fc.circuit.element_count() << " elements (level " << config::enum_name(cfg.circuit.level)
      << ", " << (klu ? "KLU" : "Sparse") << "); one session, method " << config::enum_name(cfg.field.circuit.method)
      << "\n";
  session.load(netlist);
  const double timeout = cfg.simulation.timeout;
  nlohmann::json summary;
  summary["software"] = sw.scores;
  if (cfg.field.circuit.compare_methods > 0)
    summary["methods"] = compare_methods(session, fc, n, cfg.field.circuit.compare_methods, timeout, log);

  InferenceResult res;
  // per-row rates (dc_sweep): the median is reported beside the overall rate
  std::vector<double> row_rates;
  auto last = std::chrono::steady_clock::now();
  // Every finished row goes to circuit_rows.csv at once: a simulator failure
  // in a later row keeps them (and summary.json says where it stopped).
  std::vector<std::string> header = {"row"};
  for (int c = 0; c < n; ++c) header.push_back("c" + std::to_string(c));
  CsvWriter rows_csv(dir / "circuit_rows.csv", header);
  int rows_done = 0;
  auto progress = [&](int row, std::span<const double> values) {
    std::vector<double> line = {static_cast<double>(row)};
    line.insert(line.end(), values.begin(), values.end());
    rows_csv.row(line);
    const int done = ++rows_done;
    const auto now = std::chrono::steady_clock::now();
    row_rates.push_back(n / std::chrono::duration<double>(now - last).count());
    last = now;
    if (!options.quiet && (done % 16 == 0 || done == rows))
      log << "  rows " << done << "/" << rows << "\n" << std::flush;
  };
  try {
    if (cfg.field.circuit.method == config::FieldInference::dc_sweep) {
      res = infer_rows(session, fc, n, first, first + rows, timeout, progress);
    } else {
      res = infer_alter(
          session, fc,
          pixel_points(n).middleCols(static_cast<Eigen::Index>(first) * n, static_cast<Eigen::Index>(rows) * n),
          timeout);
    }
  } catch (const Error& e) {
    summary["circuit"] = {{"failed", e.what()}, {"rows_done", rows_done}, {"rows_file", "circuit_rows.csv"}};
    write_file(dir / "summary.json", summary.dump(2) + "\n", "run summary");
    throw SimulationError(std::string(e.what()) + " (after " + std::to_string(rows_done) + " of " +
                          std::to_string(rows) + " rows; those are in " + (dir / "circuit_rows.csv").string() + ")");
  }
  double median_rate = res.rate();
  if (!row_rates.empty()) {
    std::sort(row_rates.begin(), row_rates.end());
    median_rate = row_rates[row_rates.size() / 2];
  }
  Eigen::MatrixXd circ(rows, n);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < n; ++c) circ(r, c) = res.values[static_cast<std::size_t>(r) * n + c];
  write_image_csv(dir / "circuit.csv", circ);

  // Scores on the simulated rows (all rows unless -n), with the whole
  // phantom's range as the peak.
  const Eigen::MatrixXd ref = p.phantom.middleRows(first, rows), haq = sw.haq.middleRows(first, rows);
  const double range = p.phantom.maxCoeff() - p.phantom.minCoeff();
  const ImageScore sc = score(ref, circ, range), sh = score(ref, haq, range);
  const double dev_max = (circ - haq).cwiseAbs().maxCoeff();
  const double dev_rms = std::sqrt((circ - haq).squaredNorm() / static_cast<double>(circ.size()));
  char line[500];
  std::snprintf(
      line, sizeof line,
      "circuit (%s) on %d x %d pixels: PSNR %.2f dB SSIM %.4f; HAQ software on the same pixels PSNR %.2f dB "
      "SSIM %.4f (circuit %+.2f dB); |circuit - HAQ| max %.3g rms %.3g; %.1f coordinates/s (%.1f s; median over "
      "rows %.1f/s)\n",
      std::string(config::enum_name(cfg.circuit.level)).c_str(), rows, n, sc.psnr, sc.ssim, sh.psnr, sh.ssim,
      sc.psnr - sh.psnr, dev_max, dev_rms, res.rate(), res.seconds, median_rate);
  log << line;
  summary["circuit"] = {{"rows", rows},
                        {"first_row", first},
                        {"psnr_db", sc.psnr},
                        {"ssim", sc.ssim},
                        {"haq_same_pixels_psnr_db", sh.psnr},
                        {"haq_same_pixels_ssim", sh.ssim},
                        {"psnr_difference_db", sc.psnr - sh.psnr},
                        {"deviation_max", dev_max},
                        {"deviation_rms", dev_rms},
                        {"method", std::string(config::enum_name(cfg.field.circuit.method))},
                        {"coordinates_per_second", res.rate()},
                        {"median_row_coordinates_per_second", median_rate},
                        {"seconds", res.seconds}};
  {
    Field programmed = field;
    programmed.net = haq_network(cfg, field.net);
    const EnergyReport e = estimate_energy(programmed, fc, fc.k_hidden, cfg.circuit.crossbar.v_read, n);
    for (const auto& l : e.lines) log << l << "\n";
    summary["energy"] = e.json();
  }
  write_file(dir / "summary.json", summary.dump(2) + "\n", "run summary");
  if (rows == n)
    plot_images(dir, "images",
                {{"phantom", p.phantom},
                 {"FBP", p.fbp},
                 {"field (float)", sw.field},
                 {"field (HAQ)", sw.haq},
                 {"circuit (SPICE)", circ}},
                p.phantom.minCoeff(), p.phantom.maxCoeff(), log);
  log << "results in " << dir.string() << "\n";
  flow::RunOutcome out;
  out.transients = 0;
  out.summary = summary;
  return out;
}

}  // namespace memcosim::tasks::field
