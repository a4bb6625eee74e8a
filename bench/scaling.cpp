// Comparison 7: wall time of one `memcosim run` as the hidden width of the
// score network grows, at behavioural and transistor level, and the fitted
// exponent (least squares of log time on log width).
//
// Networks: the shipped 2 -> 14 -> 14 -> 2 model (models/ring_score.yaml)
// padded to width w, generated in the bench (deterministic, not committed):
// its units keep their weights at their places (sine half and cosine half
// of the time embedding), the new units get zero weights in and out and a
// new Fourier frequency each (N(0, 1), fixed seed). So every width computes
// the same function and the circuit follows the same trajectory (the new
// units have a negative bias and stay off): what grows
// is only the circuit (crossbars of ~2w x w cells, w TIAs per layer and
// their row inverters), which is what this measures. A freshly trained wide
// network would also change the dynamics (and with it the time steps).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>

#include "bench.hpp"
#include "nn/weights.hpp"
#include "util/random.hpp"

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
// Mean of the time_points column of a run's samples.csv (NaN if none).
double mean_time_points(const fs::path& csv) {
  std::ifstream in(csv);
  std::string line;
  if (!std::getline(in, line)) return std::nan("");
  std::vector<std::string> head;
  {
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) head.push_back(c);
  }
  const auto col = std::find(head.begin(), head.end(), "time_points") - head.begin();
  double sum = 0;
  int n = 0;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string c;
    for (long k = 0; k <= col && std::getline(ss, c, ','); ++k) {
    }
    const double v = std::atof(c.c_str());
    if (v > 0) {
      sum += v;
      ++n;
    }
  }
  return n ? sum / n : std::nan("");
}

// The shipped network padded to hidden width w (see the file comment).
void write_padded_network(const fs::path& shipped, int w, const fs::path& out) {
  const nn::LoadedModel m = nn::load_weights(shipped.string());
  const nn::ScoreNet& a = m.net;
  if (a.arch().hidden.size() != 2 || a.arch().num_classes != 0)
    throw std::runtime_error("padding needs an unconditional network with two hidden layers");
  const int h0 = a.arch().hidden[0];
  if (a.arch().hidden[1] != h0 || w < h0 || w % 2) throw std::runtime_error(fmt("cannot pad width %d to %d", h0, w));
  nn::Architecture arch = a.arch();
  arch.hidden = {w, w};
  nn::ScoreNet b(arch);
  const int half0 = h0 / 2, half = w / 2;
  auto map = [&](int i) { return i < half0 ? i : half + (i - half0); };
  const auto& la = a.layers();
  auto& lb = b.layers();
  for (int i = 0; i < h0; ++i) {
    lb[0].W.row(map(i)) = la[0].W.row(i);
    lb[0].b(map(i)) = la[0].b(i);
    lb[1].b(map(i)) = la[1].b(i);
    for (int j = 0; j < h0; ++j) lb[1].W(map(i), map(j)) = la[1].W(i, j);
    lb[2].W.col(map(i)) = la[2].W.col(i);
  }
  lb[2].b = la[2].b;
  // New units: bias -1.5, so that with the embedding (|e| <= 1) they stay off
  // and no rectifier of theirs switches during a run (each switch costs the
  // simulator time steps). 1.5 is below both layers' largest |weight|, so
  // the conductance scale g_unit of each layer is unchanged.
  std::vector<bool> used(static_cast<std::size_t>(w), false);
  for (int i = 0; i < h0; ++i) used[static_cast<std::size_t>(map(i))] = true;
  for (int i = 0; i < w; ++i)
    if (!used[static_cast<std::size_t>(i)]) lb[0].b(i) = lb[1].b(i) = -1.5;
  Rng rng(derive_seed(20240601, "bench padded frequencies"));
  for (int k = 0; k < half; ++k)
    b.frequencies()(k) = k < half0 ? a.frequencies()(k) : arch.embedding_scale * rng.normal();
  nn::Provenance p = m.provenance;
  p.config = fmt("memcosim_bench: %s padded to hidden width %d", shipped.filename().string().c_str(), w);
  nn::save_weights(out.string(), b, m.schedule, p);
}

}  // namespace

void bench_scaling(const Settings& s, Report& report) {
  const std::vector<int> widths =
      !s.widths.empty() ? s.widths : (s.quick ? std::vector<int>{14, 16} : std::vector<int>{14, 32, 64, 128});
  const double timeout = s.scaling_timeout > 0 ? s.scaling_timeout : 900;
  struct Level {
    std::string name, config;
    std::vector<std::string> overrides;
    long n;
    std::vector<int> widths;
  };
  // --quick: the ideal level, one trajectory (a smoke test of the code path only).
  std::vector<Level> levels = {
      s.quick ? Level{"ideal", "configs/ring.yaml", {"circuit.level=ideal"}, 1L, widths}
              : Level{"behavioral", "configs/ring.yaml", {"circuit.level=behavioral"}, 2L, widths}};
  // Two trajectories per run, one per worker: a run's wall time is about one
  // transient's (measured: 246 s at width 128 behavioural, 54 s for the whole
  // run at width 64 transistor level, on the loaded 2-core machine).
  // Transistor level: a smaller projection measurement (its 10,000 digital
  // samples grow with the width too), and not at width 128 by default: its
  // transient (not measured; several minutes at least) would push the full
  // run past its 45 min budget (scripts/bench.sh); --widths runs it.
  if (!s.quick) {
    std::vector<int> tw = widths;
    if (s.widths.empty()) tw = {14, 32, 64};
    levels.push_back({"transistor", "configs/ring_transistor.yaml", {"projection.digital_samples=1000"}, 2L, tw});
  }

  const fs::path models = s.work / "models";
  fs::create_directories(models);
  for (int w : widths) write_padded_network(s.root / "models/ring_score.yaml", w, models / fmt("ring_h%d.yaml", w));

  Section sec;
  sec.title = "7. Scaling with the hidden width";
  sec.notes.push_back(fmt(
      "One `memcosim run` per width and level (2 worker processes). The networks are the shipped 2 -> 14 -> 14 -> 2 "
      "model padded to width w by the bench (new units with zero weights in and out and a Fourier frequency of their "
      "own; written to the bench's folder, not committed): the same function at every width, so the circuit follows "
      "the same trajectory and only its size grows (the new units have bias -1.5 and stay off). Wall time of the whole "
      "process; per transient = the mean ngspice "
      "job time (summary.json). Each transient may take %s (simulation.timeout).",
      fmt_time(timeout).c_str()));
  sec.header = {"level",         "width",       "trajectories",   "elements", "run wall",
                "per transient", "time points", "per time point", "status"};

  for (const Level& lv : levels) {
    std::vector<double> xs, run_wall, per_transient, per_point;
    for (int w : lv.widths) {
      *s.log << "scaling: " << lv.name << ", width " << w << "\n" << std::flush;
      const fs::path file = models / fmt("ring_h%d.yaml", w);
      std::vector<std::string> ov = lv.overrides;
      ov.push_back("model.file=" + file.string());
      ov.push_back(fmt("model.hidden=[%d,%d]", w, w));
      ov.push_back(fmt("simulation.timeout=%g", timeout));
      const fs::path out = s.work / fmt("%s-h%d", lv.name.c_str(), w);
      std::string status;
      double wall = std::nan(""), per = std::nan(""), points = std::nan("");
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
        points = mean_time_points(out / "samples.csv");
        if (ok == lv.n)
          per = json_number(sm, "timing.wall_seconds_per_sample_mean");
        else
          wall = std::nan("");  // a run that lost transients is not a point of the fit
      } catch (const std::exception& e) {
        status = std::string("failed: ") + e.what();
        status = status.substr(0, 300);
      }
      sec.rows.push_back({lv.name, std::to_string(w), std::to_string(lv.n), elements, fmt_time(wall), fmt_time(per),
                          std::isfinite(points) ? fmt("%.0f", points) : "-", fmt_time(per / points), status});
      xs.push_back(w);
      run_wall.push_back(wall);
      per_transient.push_back(per);
      per_point.push_back(per / points);
    }
    const double e_run = exponent(xs, run_wall), e_tr = exponent(xs, per_transient), e_pt = exponent(xs, per_point);
    sec.after.push_back(
        fmt("%s: wall time of a run ~ width^%.2f, of a transient ~ width^%.2f, per time point "
            "~ width^%.2f (least squares in log-log over the widths that completed).",
            lv.name.c_str(), e_run, e_tr, e_pt));
    report.summary.push_back(
        {"7 scaling with the hidden width", lv.name,
         fmt("run ~ w^%.2f, transient ~ w^%.2f, per time point ~ w^%.2f (w = ", e_run, e_tr, e_pt) +
             [&] {
               std::string ws;
               for (std::size_t i = 0; i < lv.widths.size(); ++i) ws += (i ? "," : "") + std::to_string(lv.widths[i]);
               return ws;
             }() +
             ")",
         "report", ""});
  }
  report.sections.push_back(std::move(sec));
}

}  // namespace memcosim::bench
