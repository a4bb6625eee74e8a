// Comparison 7: wall time of one `memcosim run` as the hidden width of the
// score network grows, at behavioural and transistor level, and the fitted
// exponent (least squares of log time on log width).
//
// Weight files: `memcosim train configs/ring.yaml --set model.hidden=[w,w]
// --set training.epochs=E` into the bench's folder (deterministic for the
// config's seed; reused when present, never committed). Every width,
// 14 included, is trained the same short way, so the networks differ only in
// width. Their sampling quality is beside the point: only time is measured.
#include <cmath>
#include <ostream>

#include "bench.hpp"

namespace memcosim::bench {

namespace {
// Slope of log y on log x (least squares) over the finite pairs; NaN if < 2.
double exponent(const std::vector<double>& x, const std::vector<double>& y) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int n = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!(y[i] > 0) || !std::isfinite(y[i])) continue;
    const double lx = std::log(x[i]), ly = std::log(y[i]);
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
    ++n;
  }
  if (n < 2) return std::nan("");
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}
}  // namespace

void bench_scaling(const Settings& s, Report& report) {
  const std::vector<int> widths = !s.widths.empty() ? s.widths : (s.quick ? std::vector<int>{14, 16}
                                                                          : std::vector<int>{14, 32, 64, 128});
  const int epochs = s.quick ? 2 : 200;
  const double timeout = s.scaling_timeout > 0 ? s.scaling_timeout : 1800;
  struct Level {
    std::string name, config;
    std::vector<std::string> overrides;
    long n;
  };
  std::vector<Level> levels = {{"behavioral", "configs/ring.yaml", {"circuit.level=behavioral"}, s.quick ? 2L : 4L}};
  // Transistor level: two trajectories (one per worker), a smaller projection
  // measurement (its 10,000 digital samples grow with the width too).
  if (!s.quick)
    levels.push_back({"transistor", "configs/ring_transistor.yaml", {"projection.digital_samples=1000"}, 2L});

  const fs::path models = s.work / "models";
  fs::create_directories(models);
  std::vector<std::string> train_notes;
  for (int w : widths) {
    const fs::path file = models / fmt("ring_h%d_e%d.yaml", w, epochs);
    if (fs::exists(file)) continue;
    *s.log << "scaling: training width " << w << " (" << epochs << " epochs)\n" << std::flush;
    ProcessOptions po;
    po.cwd = s.root;
    po.output = models / fmt("train_h%d.log", w);
    const auto pr = run_process({s.memcosim.string(), "train", "configs/ring.yaml", "--set",
                                 fmt("model.hidden=[%d,%d]", w, w), "--set", fmt("training.epochs=%d", epochs), "-o",
                                 file.string()},
                                po);
    if (!pr.ok()) throw std::runtime_error("memcosim train (width " + std::to_string(w) + ") failed:\n" + tail_of_file(po.output));
    train_notes.push_back(fmt("%d: %s", w, fmt_time(pr.wall).c_str()));
  }

  Section sec;
  sec.title = "7. Scaling with the hidden width";
  sec.notes.push_back(fmt(
      "One `memcosim run` per width and level (2 worker processes), networks 2 -> w -> w -> 2 trained for %d epochs "
      "(`memcosim train configs/ring.yaml --set model.hidden=[w,w] --set training.epochs=%d`, written to the bench's "
      "folder, not committed). Wall time of the whole process; per transient = the mean ngspice job time "
      "(summary.json). Each transient may take %s (simulation.timeout).",
      epochs, epochs, fmt_time(timeout).c_str()));
  if (!train_notes.empty()) {
    std::string t = "Training times (width: wall): ";
    for (std::size_t i = 0; i < train_notes.size(); ++i) t += (i ? ", " : "") + train_notes[i];
    sec.notes.push_back(t + ".");
  }
  sec.header = {"level", "width", "trajectories", "elements", "run wall", "per transient", "status"};

  for (const Level& lv : levels) {
    std::vector<double> xs, run_wall, per_transient;
    for (int w : widths) {
      *s.log << "scaling: " << lv.name << ", width " << w << "\n" << std::flush;
      const fs::path file = models / fmt("ring_h%d_e%d.yaml", w, epochs);
      std::vector<std::string> ov = lv.overrides;
      ov.push_back("model.file=" + file.string());
      ov.push_back(fmt("model.hidden=[%d,%d]", w, w));
      ov.push_back(fmt("simulation.timeout=%g", timeout));
      const fs::path out = s.work / fmt("%s-h%d", lv.name.c_str(), w);
      std::string status;
      double wall = std::nan(""), per = std::nan("");
      std::string elements = "-";
      try {
        // The process gets the transients' time and some more for everything else.
        const RunOutcome o = run_memcosim(s, lv.config, ov, lv.n, out, timeout * static_cast<double>(lv.n) + 1200);
        const auto& sm = o.summary;
        const long ok = static_cast<long>(json_number(sm, "trajectories.ok"));
        status = fmt("%ld of %ld ok", ok, lv.n) + (o.process.ok() ? "" : " (" + o.process.describe() + ")");
        if (sm.contains("failures"))
          for (const auto& f : sm["failures"])
            status += "; " + f.value("status", std::string()) + ": " + f.value("message", std::string()).substr(0, 120);
        elements = fmt("%.0f", json_number(sm, "circuit.elements"));
        wall = o.process.wall;
        if (ok == lv.n) per = json_number(sm, "timing.wall_seconds_per_sample_mean");
        else wall = std::nan("");  // a run that lost transients is not a point of the fit
      } catch (const std::exception& e) {
        status = std::string("failed: ") + e.what();
        status = status.substr(0, 300);
      }
      sec.rows.push_back({lv.name, std::to_string(w), std::to_string(lv.n), elements, fmt_time(wall), fmt_time(per), status});
      xs.push_back(w);
      run_wall.push_back(wall);
      per_transient.push_back(per);
    }
    const double e_run = exponent(xs, run_wall), e_tr = exponent(xs, per_transient);
    sec.after.push_back(fmt("%s: wall time of a run ~ width^%.2f, of a transient ~ width^%.2f (fit over the widths "
                            "that completed).",
                            lv.name.c_str(), e_run, e_tr));
    report.summary.push_back({"7 scaling with the hidden width", lv.name,
                              fmt("run ~ w^%.2f, transient ~ w^%.2f (w = ", e_run, e_tr) + [&] {
                                std::string ws;
                                for (std::size_t i = 0; i < widths.size(); ++i) ws += (i ? "," : "") + std::to_string(widths[i]);
                                return ws;
                              }() + ")",
                              "report", ""});
  }
  report.sections.push_back(std::move(sec));
}

}  // namespace memcosim::bench
