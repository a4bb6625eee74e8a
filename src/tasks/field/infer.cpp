#include "tasks/field/infer.hpp"

#include <chrono>
#include <cmath>

#include "circuit/ir.hpp"
#include "tasks/field/ct.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"

namespace memcosim::tasks::field {

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

InferenceResult infer_alter(spice::NgspiceSession& s, const FieldCircuit& fc, const Eigen::MatrixXd& points,
                            double timeout_s) {
  InferenceResult r;
  const auto t0 = Clock::now();
  for (Eigen::Index k = 0; k < points.cols(); ++k) {
    s.command("alter " + fc.source_x + " = " + spice_number(fc.volts(points(0, k))));
    s.command("alter " + fc.source_y + " = " + spice_number(fc.volts(points(1, k))));
    s.run(timeout_s, "op");
    const spice::Vector v = s.vector(fc.output);
    if (v.size() != 1)
      throw SimulationError("operating point: " + fc.output + " has " + std::to_string(v.size()) + " values");
    r.values.push_back(fc.attenuation(v.re[0]));
    if (k % 200 == 199) s.command("destroy all");  // keep memory flat
  }
  r.seconds = since(t0);
  return r;
}

InferenceResult infer_rows(spice::NgspiceSession& s, const FieldCircuit& fc, int n, int row_begin, int row_end,
                           double timeout_s, const std::function<void(int, std::span<const double>)>& progress) {
  InferenceResult r;
  const auto t0 = Clock::now();
  const double x_first = fc.volts(pixel_x(0, n)), x_last = fc.volts(pixel_x(n - 1, n));
  const double dx = n > 1 ? (x_last - x_first) / (n - 1) : 1.0;
  for (int row = row_begin; row < row_end; ++row) {
    s.command("alter " + fc.source_y + " = " + spice_number(fc.volts(pixel_y(row, n))));
    // Half a step past the end, so that rounding never drops the last point.
    s.run(timeout_s, "dc " + fc.source_x + " " + spice_number(x_first) + " " + spice_number(x_last + 0.5 * dx) + " " +
                         spice_number(dx));
    const spice::Plot p = s.plot("", {fc.output});
    const spice::Vector* scale = p.scale_vector();
    const spice::Vector& out = p.at(fc.output);
    if (!scale || scale->size() != static_cast<std::size_t>(n) || out.size() != static_cast<std::size_t>(n))
      throw SimulationError("dc sweep of row " + std::to_string(row) + ": expected " + std::to_string(n) +
                            " points, got " + std::to_string(out.size()));
    for (int c = 0; c < n; ++c) {
      const double want = fc.volts(pixel_x(c, n));
      if (std::abs(scale->re[static_cast<std::size_t>(c)] - want) > 1e-9 * (1 + std::abs(want)))
        throw SimulationError("dc sweep of row " + std::to_string(row) + ": point " + std::to_string(c) + " at " +
                              spice_number(scale->re[static_cast<std::size_t>(c)]) + " V, expected " +
                              spice_number(want));
      r.values.push_back(fc.attenuation(out.re[static_cast<std::size_t>(c)]));
    }
    s.command("destroy all");
    if (progress) progress(row, std::span<const double>(r.values).last(static_cast<std::size_t>(n)));
  }
  r.seconds = since(t0);
  return r;
}

}  // namespace memcosim::tasks::field
