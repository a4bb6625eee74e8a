#include "circuit/nonideal.hpp"
#include "util/numbers.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <stdexcept>

namespace memcosim::circuit {

namespace {
constexpr double kBoltzmann = 1.380649e-23;  // J/K
// Lorentzians per decade of the 1/f synthesis.
constexpr double kPerDecade = 3.0;
// Components per cell in a stream's counter (white, telegraph, Lorentzians).
constexpr std::uint64_t kComponents = 64;
}  // namespace

DeviceSeeds::DeviceSeeds(std::uint64_t s)
    : absolute(derive_seed(s, "programming/absolute")),
      truncation(derive_seed(s, "programming/relative-redraw")),
      stuck(derive_seed(s, "stuck")),
      trap(derive_seed(s, "rtn/trap")),
      white(derive_seed(s, "read-noise/white")),
      flicker(derive_seed(s, "read-noise/flicker")),
      rtn(derive_seed(s, "read-noise/rtn")),
      thermal(derive_seed(s, "read-noise/thermal")) {}

double program_conductance(double target, const config::CrossbarConfig& xb, Rng& rng, const DeviceSeeds& seeds,
                           int layer, std::uint64_t cell) {
  const auto l = static_cast<std::uint64_t>(layer);
  const double span = xb.g_max - xb.g_min;
  const double step = xb.levels >= 2 ? span / (xb.levels - 1) : 0.0;
  double g = target;
  if (step > 0) g = xb.g_min + std::round((g - xb.g_min) / step) * step;
  const double trunc = xb.programming_truncation;
  if (xb.programming_error > 0) {
    double z = rng.normal();
    // Redraws come from a counter stream, so truncation never shifts the
    // sequential stream the other cells' first draws come from.
    for (std::uint64_t k = 0; trunc > 0 && std::abs(z) > trunc; ++k) z = counter_normal(seeds.truncation, l, cell, k);
    g *= 1.0 + xb.programming_error * z;
  }
  if (xb.programming_error_abs > 0) {
    double z = counter_normal(seeds.absolute, l, cell, 0);
    for (std::uint64_t k = 1; trunc > 0 && std::abs(z) > trunc; ++k) z = counter_normal(seeds.absolute, l, cell, k);
    g += xb.programming_error_abs * z;
  }
  // Stuck cells last: the others' errors are the same with or without them.
  if (xb.stuck_at_min > 0 || xb.stuck_at_max > 0) {
    const double u = counter_uniform(seeds.stuck, l, cell, 0);
    if (u < xb.stuck_at_min) return xb.g_min;
    if (u < xb.stuck_at_min + xb.stuck_at_max) return xb.g_max;
  }
  return std::clamp(g, xb.g_min, xb.g_max);
}

// ---------------------------------------------------------------------------
// Read noise

ReadNoise::ReadNoise(const config::ReadNoiseConfig& cfg, const DeviceSeeds& seeds, std::uint64_t trajectory,
                     double duration)
    : cfg_(cfg), seeds_(seeds), trajectory_(trajectory), duration_(duration) {
  if (cfg.points < 2 || !(duration > 0)) throw std::invalid_argument("ReadNoise: need points >= 2 and duration > 0");
  step_ = duration / (cfg.points - 1);
  if (cfg.flicker > 0) {
    // Corners at the middle of equal log-frequency slices of [fmin, Nyquist];
    // each carries K_f * (slice width in ln f), so the sum has PSD ~ K_f / f.
    const double nyquist = 0.5 / step_;
    if (nyquist > cfg.flicker_fmin) {
      const double span = std::log(nyquist / cfg.flicker_fmin);
      const int m = std::max(1, static_cast<int>(std::ceil(span * kPerDecade / std::numbers::ln10 - 1e-9)));
      const double width = span / m;
      for (int k = 0; k < m; ++k) corners_.push_back(cfg.flicker_fmin * std::exp((k + 0.5) * width));
      component_variance_ = cfg.flicker * width;
      if (corners_.size() > kComponents) throw std::invalid_argument("ReadNoise: too many 1/f components");
    }
  }
}

std::uint64_t ReadNoise::uid(int layer, std::uint64_t cell) const {
  return ((static_cast<std::uint64_t>(layer) << 32) + cell) * kComponents;
}

bool ReadNoise::trap_active(int layer, std::uint64_t cell) const {
  return cfg_.rtn_fraction > 0 &&
         counter_uniform(seeds_.trap, static_cast<std::uint64_t>(layer), cell, 0) < cfg_.rtn_fraction;
}

std::vector<double> ReadNoise::white(int layer, std::uint64_t cell) const {
  std::vector<double> v(static_cast<std::size_t>(cfg_.points), 0.0);
  if (cfg_.white <= 0) return v;
  // One-sided PSD S flat to Nyquist 1/(2h): sample variance S / (2h).
  const double sd = cfg_.white * std::sqrt(0.5 / step_);
  const std::uint64_t id = uid(layer, cell);
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = sd * counter_normal(seeds_.white, trajectory_, id, k);
  return v;
}

std::vector<double> ReadNoise::flicker(int layer, std::uint64_t cell) const {
  std::vector<double> v(static_cast<std::size_t>(cfg_.points), 0.0);
  const double sd = std::sqrt(component_variance_);
  const std::uint64_t id = uid(layer, cell);
  for (std::size_t m = 0; m < corners_.size(); ++m) {
    const double tau = 1.0 / (2.0 * std::numbers::pi * corners_[m]);
    const double rho = std::exp(-step_ / tau);
    const double innovation = sd * std::sqrt(-std::expm1(-2.0 * step_ / tau));  // sd sqrt(1 - rho^2)
    double n = sd * counter_normal(seeds_.flicker, trajectory_, id + m, 0);     // stationary start
    v[0] += n;
    for (std::size_t k = 1; k < v.size(); ++k) {
      n = rho * n + innovation * counter_normal(seeds_.flicker, trajectory_, id + m, k);
      v[k] += n;
    }
  }
  return v;
}

std::vector<double> ReadNoise::telegraph(int layer, std::uint64_t cell) const {
  std::vector<double> v(static_cast<std::size_t>(cfg_.points), 0.0);
  if (!trap_active(layer, cell) || cfg_.rtn_amplitude <= 0) return v;
  const std::uint64_t id = uid(layer, cell);
  const double te = cfg_.rtn_tau_empty, tf = cfg_.rtn_tau_filled;
  // Stationary start: filled with probability tf / (te + tf).
  bool filled = counter_uniform(seeds_.rtn, trajectory_, id, 0) < tf / (te + tf);
  // Exponential dwell times (memoryless, so the first one from t = 0 too).
  std::uint64_t event = 1;
  auto dwell = [&](bool state) {
    return -(state ? tf : te) * std::log1p(-counter_uniform(seeds_.rtn, trajectory_, id, event++));
  };
  double next_switch = dwell(filled);
  for (std::size_t k = 0; k < v.size(); ++k) {
    const double t = static_cast<double>(k) * step_;
    while (next_switch <= t) {
      filled = !filled;
      next_switch += dwell(filled);
    }
    v[k] = filled ? 1.0 : 0.0;
  }
  return v;
}

std::vector<double> ReadNoise::cell_fluctuation(int layer, std::uint64_t cell) const {
  std::vector<double> v = white(layer, cell);
  if (!corners_.empty()) {
    const auto f = flicker(layer, cell);
    for (std::size_t k = 0; k < v.size(); ++k) v[k] += f[k];
  }
  if (cfg_.rtn_amplitude > 0 && cfg_.rtn_fraction > 0) {
    const auto s = telegraph(layer, cell);
    for (std::size_t k = 0; k < v.size(); ++k) v[k] -= cfg_.rtn_amplitude * s[k];
  }
  return v;
}

std::vector<double> ReadNoise::column_current(int layer, std::uint64_t column, double g_sum) const {
  std::vector<double> v(static_cast<std::size_t>(cfg_.points), 0.0);
  if (cfg_.temperature <= 0 || g_sum <= 0) return v;
  const double sd = std::sqrt(4.0 * kBoltzmann * cfg_.temperature * g_sum * 0.5 / step_);
  const std::uint64_t id = uid(layer, column);
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = sd * counter_normal(seeds_.thermal, trajectory_, id, k);
  return v;
}

double round_significant(double x, int digits) {
  if (x == 0.0 || !std::isfinite(x)) return x;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*e", digits - 1, x);
  return std::strtod(buf, nullptr);
}

Expr ReadNoise::waveform(const std::vector<double>& values) const {
  std::vector<double> knots(values.size()), v(values.size());
  for (std::size_t k = 0; k < values.size(); ++k) {
    knots[k] = static_cast<double>(k);
    v[k] = round_significant(values[k], 4);
  }
  return Expr::pwl(Expr::num(1.0 / step_) * Expr::time(), knots, v);
}

// ---------------------------------------------------------------------------
// Circuit pieces

std::vector<std::string> device_notes(const config::CrossbarConfig& xb, const ReadNoise* noise) {
  std::vector<std::string> notes;
  std::string p;
  if (xb.programming_error_abs > 0)
    p += ", absolute programming error " + spice_number(xb.programming_error_abs) + " S";
  if (xb.programming_truncation > 0) p += ", errors truncated at " + spice_number(xb.programming_truncation) + " sigma";
  if (xb.stuck_at_min > 0 || xb.stuck_at_max > 0)
    p += ", stuck at g_min / g_max: " + spice_number(xb.stuck_at_min) + " / " + spice_number(xb.stuck_at_max);
  if (!p.empty()) notes.push_back("Programming:" + p.substr(1) + ".");
  if (noise) {
    const auto& r = xb.read_noise;
    std::string n = "Read noise (dG/G per cell as (1+pwl(time/" + spice_number(noise->step()) + " s)) on " +
                    std::to_string(r.points) + " points):";
    if (r.white > 0) n += " white " + spice_number(r.white) + "/sqrt(Hz);";
    if (r.flicker > 0) n += " 1/f K_f " + spice_number(r.flicker) + " from " + spice_number(r.flicker_fmin) + " Hz;";
    if (r.rtn_fraction > 0 && r.rtn_amplitude > 0)
      n += " RTN in " + spice_number(r.rtn_fraction) + " of the cells, -" + spice_number(r.rtn_amplitude) +
           " filled, dwell " + spice_number(r.rtn_tau_empty) + " / " + spice_number(r.rtn_tau_filled) + " s;";
    if (r.temperature > 0) n += " thermal 4kTG at " + spice_number(r.temperature) + " K, one source per column;";
    n.back() = '.';
    notes.push_back(n);
  }
  return notes;
}

void fluctuating_cell(Circuit& c, Block& b, const std::string& name, const std::string& row, const std::string& col,
                      double g, Level level, const Environment& env, const Expr& fluctuation) {
  if (!(g > 0) || !std::isfinite(g)) throw std::invalid_argument(name + ": conductance must be > 0");
  const Expr factor = Expr::num(1.0) + fluctuation;
  if (level == Level::ideal) {
    c.add(b, BehavioralCurrent{"B" + name, row, col, Expr::num(g) * Expr::v(row, col) * factor});
    return;
  }
  if (level != Level::behavioral) throw std::invalid_argument(name + ": read noise needs an ideal or behavioral cell");
  const auto& p = env.cell;
  const double amplitude = p.i0 * std::exp(-cell_gap(g, p) / p.g0);
  c.add(b, BehavioralCurrent{"B" + name, row, col,
                             Expr::num(amplitude) * cell_sinh(Expr::v(row, col) / Expr::num(p.v0), env) * factor});
}

void add_crossbar_wires(Circuit& c, Block& b, const CrossbarWires& w, const std::vector<std::string>& row_driver,
                        const std::vector<std::string>& column_out, double r_segment) {
  if (static_cast<int>(row_driver.size()) != w.rows || static_cast<int>(column_out.size()) != w.columns)
    throw std::invalid_argument("add_crossbar_wires: driver / output count differs from the crossbar's size");
  for (int r = 0; r < w.rows; ++r)
    for (int j = 0; j < w.columns; ++j)
      c.add(b, Resistor{"R" + w.row_node(r, j), j == 0 ? row_driver[static_cast<std::size_t>(r)] : w.row_node(r, j - 1),
                        w.row_node(r, j), r_segment});
  for (int j = 0; j < w.columns; ++j)
    for (int r = 0; r < w.rows; ++r)
      c.add(b, Resistor{"R" + w.column_node(j, r), w.column_node(j, r),
                        r + 1 < w.rows ? w.column_node(j, r + 1) : column_out[static_cast<std::size_t>(j)], r_segment});
}

}  // namespace memcosim::circuit
