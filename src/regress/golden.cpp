#include "regress/golden.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>

#include "analysis/resample.hpp"
#include "config/si.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"

namespace memcosim::regress {

namespace fs = std::filesystem;

const std::vector<double>* Golden::wave(const std::string& probe) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == probe) return &waves[i];
  return nullptr;
}

const double* Golden::measure(const std::string& probe) const {
  for (const auto& [name, value] : measures)
    if (name == probe) return &value;
  return nullptr;
}

namespace {

Quantity effective(const Probe& p, const spice::Vector& v) {
  if (p.of != Quantity::automatic) return p.of;
  return v.is_complex ? Quantity::db : Quantity::real;
}

// Phase in degrees, unwrapped along the scale (no jumps of 360).
std::vector<double> unwrapped_phase(const spice::Vector& v) {
  std::vector<double> ph(v.size());
  double offset = 0;
  for (std::size_t k = 0; k < v.size(); ++k) {
    const double raw = std::atan2(v.im.empty() ? 0.0 : v.im[k], v.re[k]) * 180.0 / std::numbers::pi;
    if (k > 0) {
      const double step = raw + offset - ph[k - 1];
      if (step > 180) offset -= 360;
      if (step < -180) offset += 360;
    }
    ph[k] = raw + offset;
  }
  return ph;
}

std::vector<double> magnitude(const spice::Vector& v) {
  std::vector<double> m(v.size());
  for (std::size_t k = 0; k < v.size(); ++k) m[k] = std::hypot(v.re[k], v.im.empty() ? 0.0 : v.im[k]);
  return m;
}

std::vector<double> scale_values(const spice::Plot& plot, const std::string& probe) {
  const spice::Vector* s = plot.scale_vector();
  if (!s)
    throw SimulationError("probe '" + probe + "': the plot '" + plot.name + "' has no scale (an operating point?)");
  return s->re;  // the frequency of an AC plot is stored complex with im = 0
}

bool is_log_scale(const spice::Plot& plot) {
  const spice::Vector* s = plot.scale_vector();
  return s && s->type == "frequency" && !s->re.empty() && s->re.front() > 0;
}

std::vector<double> interpolate(const std::vector<double>& xs, const std::vector<double>& ys,
                                const std::vector<double>& at, bool log_scale) {
  if (!log_scale) return analysis::interpolate_linear(xs, ys, at);
  std::vector<double> lx(xs.size()), la(at.size());
  std::transform(xs.begin(), xs.end(), lx.begin(), [](double x) { return std::log(x); });
  std::transform(at.begin(), at.end(), la.begin(), [](double x) { return std::log(x); });
  return analysis::interpolate_linear(lx, ys, la);
}

// Where |v| falls through 1 (first crossing from above), log-interpolated;
// NaN when it never does.
double unity_crossing(const std::vector<double>& f, const std::vector<double>& mag, double& fraction,
                      std::size_t& index) {
  for (std::size_t k = 1; k < f.size(); ++k) {
    if (mag[k - 1] >= 1.0 && mag[k] < 1.0) {
      const double a = std::log(mag[k - 1]), b = std::log(mag[k]);
      fraction = a / (a - b);
      index = k;
      return std::exp(std::log(f[k - 1]) + fraction * (std::log(f[k]) - std::log(f[k - 1])));
    }
  }
  return std::nan("");
}

double measure_value(const Probe& p, const spice::Plot& plot) {
  const spice::Vector& v = plot.at(p.vector);
  if (v.size() == 0) throw SimulationError("probe '" + p.name + "': vector " + p.vector + " is empty");
  const std::vector<double> y = probe_values(p, v);
  switch (p.measure) {
    case Measure::final:
      return y.back();
    case Measure::min:
      return *std::min_element(y.begin(), y.end());
    case Measure::max:
      return *std::max_element(y.begin(), y.end());
    case Measure::mean: {
      const auto x = scale_values(plot, p.name);
      if (y.size() == 1 || x.back() == x.front()) return y.front();
      double area = 0;
      for (std::size_t k = 1; k < y.size(); ++k) area += 0.5 * (y[k] + y[k - 1]) * (x[k] - x[k - 1]);
      return area / (x.back() - x.front());
    }
    case Measure::at: {
      const auto x = scale_values(plot, p.name);
      if (p.at < std::min(x.front(), x.back()) || p.at > std::max(x.front(), x.back()))
        throw SimulationError("probe '" + p.name + "': at = " + golden_number(p.at) + " is outside the plot's scale [" +
                              golden_number(x.front()) + ", " + golden_number(x.back()) + "]");
      return interpolate(x, y, {p.at}, is_log_scale(plot)).front();
    }
    case Measure::dc_gain_db:
      return 20.0 * std::log10(magnitude(v).front());
    case Measure::ugf:
    case Measure::phase_margin: {
      const auto f = scale_values(plot, p.name);
      double fraction = 0;
      std::size_t k = 0;
      const double ugf = unity_crossing(f, magnitude(v), fraction, k);
      if (std::isnan(ugf))
        throw SimulationError("probe '" + p.name + "': |" + p.vector + "| never falls through 1 between " +
                              golden_number(f.front()) + " and " + golden_number(f.back()) + " Hz");
      if (p.measure == Measure::ugf) return ugf;
      const auto ph = unwrapped_phase(v);
      // Phase relative to the low-frequency phase: a loop gain (or an
      // inverting amplifier's gain) starts at 0 (or 180) degrees.
      const double start = 180.0 * std::round(ph.front() / 180.0);
      const double at_ugf = ph[k - 1] + fraction * (ph[k] - ph[k - 1]) - start;
      return 180.0 + at_ugf;
    }
    case Measure::wave:
      break;
  }
  throw std::logic_error("measure_value: wave is not a measure");
}

std::vector<double> grid(const spice::Plot& plot, int points, const std::string& probe) {
  auto x = scale_values(plot, probe);
  if (static_cast<int>(x.size()) <= points) return x;
  std::vector<double> g(static_cast<std::size_t>(points));
  const bool log_scale = is_log_scale(plot);
  const double a = log_scale ? std::log(x.front()) : x.front();
  const double b = log_scale ? std::log(x.back()) : x.back();
  for (int k = 0; k < points; ++k) {
    const double u = a + (b - a) * k / (points - 1);
    g[static_cast<std::size_t>(k)] = log_scale ? std::exp(u) : u;
  }
  g.front() = x.front();
  g.back() = x.back();
  return g;
}

}  // namespace

std::vector<double> probe_values(const Probe& probe, const spice::Vector& v) {
  std::vector<double> y(v.size());
  switch (effective(probe, v)) {
    case Quantity::automatic:
    case Quantity::real:
      return v.re;
    case Quantity::imag:
      return v.im.empty() ? std::vector<double>(v.size(), 0.0) : v.im;
    case Quantity::mag:
      return magnitude(v);
    case Quantity::db: {
      const auto m = magnitude(v);
      std::transform(m.begin(), m.end(), y.begin(), [](double a) { return 20.0 * std::log10(a); });
      return y;
    }
    case Quantity::phase:
      return unwrapped_phase(v);
  }
  return y;
}

Golden extract(const Case& c, const spice::Plot& plot) {
  Golden g;
  const spice::Vector* s = plot.scale_vector();
  g.scale = s ? spice::canonical_vector_name(s->name) : "";
  g.log_scale = is_log_scale(plot);
  for (const Probe& p : c.probes) {
    if (p.measure != Measure::wave) {
      g.measures.emplace_back(p.name, measure_value(p, plot));
      continue;
    }
    if (g.x.empty()) g.x = grid(plot, c.points, p.name);
    const spice::Vector& v = plot.at(p.vector);
    g.columns.push_back(p.name);
    g.waves.push_back(interpolate(scale_values(plot, p.name), probe_values(p, v), g.x, g.log_scale));
  }
  return g;
}

std::string format_golden(const Golden& g, const std::vector<std::string>& header) {
  std::ostringstream out;
  for (const auto& h : header) out << "# " << h << "\n";
  out << "memcosim-golden 1\n";
  out << "scale " << (g.scale.empty() ? "none" : g.scale) << (g.log_scale ? " log" : " linear") << "\n";
  for (const auto& [name, value] : g.measures) out << "measure " << name << " " << golden_number(value) << "\n";
  if (!g.columns.empty()) {
    out << "columns " << g.scale;
    for (const auto& c : g.columns) out << " " << c;
    out << "\n";
    for (std::size_t k = 0; k < g.x.size(); ++k) {
      out << golden_number(g.x[k]);
      for (const auto& w : g.waves) out << " " << golden_number(w[k]);
      out << "\n";
    }
  }
  return out.str();
}

Golden read_golden(const fs::path& file) {
  std::error_code ec;
  if (fs::exists(file, ec)) check_input_file(file, "golden file");
  std::ifstream in(file);
  if (!in)
    throw InputError(Diagnostic{{file.string()},
                                "",
                                "cannot open the golden file; create it with `memcosim regress --update` after "
                                "checking the circuit"});
  Golden g;
  std::string line;
  int n = 0;
  bool seen_magic = false, in_rows = false;
  auto fail = [&](const std::string& msg) -> void { throw InputError(Diagnostic{{file.string(), n, 1}, "", msg}); };
  auto number = [&](const std::string& word) {
    const auto p = config::parse_si(word);
    if (!p.ok) fail("'" + word + "' is not a number: " + p.error);
    return p.value;
  };
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line.front() == '#') continue;
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string s; words >> s;) w.push_back(s);
    if (!seen_magic) {
      if (w.size() != 2 || w[0] != "memcosim-golden") fail("expected 'memcosim-golden 1' first");
      if (w[1] != "1") fail("golden format version " + w[1] + " is not supported (this memcosim reads 1)");
      seen_magic = true;
    } else if (in_rows) {
      if (w.size() != g.columns.size() + 1)
        fail("expected " + std::to_string(g.columns.size() + 1) + " numbers, got " + std::to_string(w.size()));
      g.x.push_back(number(w[0]));
      for (std::size_t i = 0; i < g.columns.size(); ++i) g.waves[i].push_back(number(w[i + 1]));
    } else if (w[0] == "scale" && w.size() == 3 && (w[2] == "linear" || w[2] == "log")) {
      g.scale = w[1] == "none" ? "" : w[1];
      g.log_scale = w[2] == "log";
    } else if (w[0] == "measure" && w.size() == 3) {
      g.measures.emplace_back(w[1], number(w[2]));
    } else if (w[0] == "columns" && w.size() >= 3) {
      g.columns.assign(w.begin() + 2, w.end());
      g.waves.assign(g.columns.size(), {});
      in_rows = true;
    } else {
      fail("expected 'scale NAME linear|log', 'measure NAME VALUE' or 'columns SCALE PROBE...' (got '" + line + "')");
    }
  }
  if (!seen_magic) fail("empty golden file");
  return g;
}

std::vector<ProbeOutcome> compare(const Case& c, const Golden& golden, const spice::Plot& plot) {
  std::vector<ProbeOutcome> out;
  for (const Probe& p : c.probes) {
    ProbeOutcome o;
    o.probe = p.name;
    try {
      if (p.measure != Measure::wave) {
        const double* want = golden.measure(p.name);
        if (!want) throw SimulationError("the golden file has no measure '" + p.name + "'; rerun with --update");
        o.value = measure_value(p, plot);
        o.golden = *want;
        o.band = p.abs + p.rel * std::abs(*want);
        o.compared = 1;
        o.violations = !(std::abs(o.value - o.golden) <= o.band);
        o.passed = o.violations == 0;
        o.message = std::string(config::enum_name(p.measure)) + " of " + p.vector + " = " + golden_number(o.value) +
                    ", golden " + golden_number(o.golden) + ", |diff| " + golden_number(std::abs(o.value - o.golden)) +
                    (o.passed ? " <= " : " > ") + "band " + golden_number(o.band);
      } else {
        const std::vector<double>* want = golden.wave(p.name);
        if (!want) throw SimulationError("the golden file has no waveform '" + p.name + "'; rerun with --update");
        const auto xs = scale_values(plot, p.name);
        const double lo = std::min(xs.front(), xs.back()), hi = std::max(xs.front(), xs.back());
        const double slack = 1e-9 * (hi - lo);
        if (golden.x.front() < lo - slack || golden.x.back() > hi + slack)
          throw SimulationError("the simulation covers " + golden.scale + " " + golden_number(lo) + " .. " +
                                golden_number(hi) + ", the golden " + golden_number(golden.x.front()) + " .. " +
                                golden_number(golden.x.back()));
        const auto y = interpolate(xs, probe_values(p, plot.at(p.vector)), golden.x, golden.log_scale);
        double worst = -1;
        for (std::size_t k = 0; k < golden.x.size(); ++k) {
          const double x = golden.x[k], g = (*want)[k];
          double abs_band = p.abs, rel_band = p.rel;
          bool skip = false;
          for (const Window& w : p.windows) {
            if (x >= w.from && x <= w.to) {
              skip = w.ignore;
              abs_band = w.abs.value_or(p.abs);
              rel_band = w.rel.value_or(p.rel);
              break;
            }
          }
          if (skip) continue;
          ++o.compared;
          const double band = abs_band + rel_band * std::abs(g);
          const double dev = std::abs(y[k] - g);
          const bool bad = !(dev <= band);
          o.violations += bad;
          const double score = std::isnan(dev) ? INFINITY : (band > 0 ? dev / band : INFINITY);
          if (score > worst) {
            worst = score;
            o.worst_x = x;
            o.value = y[k];
            o.golden = g;
            o.band = band;
          }
        }
        o.passed = o.violations == 0;
        const std::string where = golden.scale + " " + golden_number(o.worst_x);
        if (o.passed) {
          o.message = std::to_string(o.compared) + " points of " + p.vector + " within the band; worst at " + where +
                      ": |diff| " + golden_number(std::abs(o.value - o.golden)) + " <= " + golden_number(o.band);
        } else {
          o.message = std::to_string(o.violations) + " of " + std::to_string(o.compared) + " points of " + p.vector +
                      " outside the band; worst at " + where + ": " + golden_number(o.value) + " vs golden " +
                      golden_number(o.golden) + ", |diff| " + golden_number(std::abs(o.value - o.golden)) + " > band " +
                      golden_number(o.band) + " (abs " + golden_number(p.abs) + " + rel " + golden_number(p.rel) +
                      " x |golden|, or the window's)";
        }
      }
    } catch (const SimulationError& e) {
      o.passed = false;
      o.message = e.what();
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace memcosim::regress
