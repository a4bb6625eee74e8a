#include "tasks/field/energy.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace memcosim::tasks::field {

namespace {

// sum_i V_i^2 (row sums of G+ and G-) for the rows' voltages v (inputs x N).
Eigen::RowVectorXd row_power(const Eigen::MatrixXd& g_plus, const Eigen::MatrixXd& g_minus, const Eigen::MatrixXd& v) {
  const Eigen::VectorXd g = (g_plus + g_minus).colwise().sum().transpose();  // per input row pair
  return g.transpose() * v.array().square().matrix();
}

std::string fmt(const char* f, double a, double b = 0) {
  char line[200];
  std::snprintf(line, sizeof line, f, a, b);
  return line;
}

}  // namespace

nlohmann::json EnergyReport::json() const {
  return {{"cell_power_w", cell_power},
          {"opamps", opamps},
          {"analog_j_per_pixel", analog_joules},
          {"digital_s_per_pixel", digital_seconds},
          {"digital_j_per_pixel", digital_joules},
          {"report", lines}};
}

EnergyReport estimate_energy(const Field& f, const FieldCircuit& fc, double k_hidden, double v_read, int n,
                             const EnergyAssumptions& a) {
  EnergyReport r;
  const Eigen::MatrixXd pts = pixel_points(n);
  const Eigen::MatrixXd features = encode(f.encoder.B, pts);
  Eigen::MatrixXd out(1, pts.cols());
  nn::Mlp::Tape tape;
  f.net.forward(features, out, tape);
  Eigen::RowVectorXd p = row_power(f.encoder.g_plus, f.encoder.g_minus, fc.k_in * pts);
  for (std::size_t l = 0; l < fc.layers.size(); ++l) {
    const auto& m = fc.layers[l];
    const Eigen::MatrixXd v =
        l == 0 ? Eigen::MatrixXd(fc.k_in * features) : Eigen::MatrixXd(k_hidden * tape.hidden[l - 1]);
    p += row_power(m.g_plus, m.g_minus, v);
    p.array() += v_read * v_read * (m.gb_plus.sum() + m.gb_minus.sum());
  }
  r.cell_power = p.mean();
  int hidden = 0;
  for (int w : f.net.shape().hidden) hidden += w;
  r.opamps = static_cast<int>(f.encoder.B.rows()) + 3 * hidden +
             1;  // encoder TIAs; per hidden unit TIA, rectifier, inverter; output TIA
  r.analog_joules = (r.cell_power + r.opamps * a.opamp_power) * a.settle_time;

  double best = 1e300;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    const Eigen::MatrixXd y = f(pts);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (!(y.size() == pts.cols())) break;
  }
  r.digital_seconds = best / static_cast<double>(pts.cols());
  r.digital_joules = r.digital_seconds * a.cpu_power;
  r.lines = {std::string("energy per pixel (estimate; assumptions marked *):"),
             fmt("  cells: mean read power %.3g W over the image (row voltages of the software field, programmed G)",
                 r.cell_power),
             fmt("  op-amps: %.0f (encoder TIAs; per hidden unit TIA, rectifier, inverter; output TIA) x %.3g W* "
                 "(memcosim's 180 nm two-stage OTA, measured)",
                 static_cast<double>(r.opamps), a.opamp_power),
             fmt("  settle time per pixel %.3g s* (assumed)", a.settle_time),
             fmt("  analogue: %.3g J per pixel", r.analog_joules),
             fmt("  digital (this machine, Eigen, one thread): %.3g s per pixel measured x %.3g W* per core",
                 r.digital_seconds, a.cpu_power),
             fmt("  digital: %.3g J per pixel; ratio digital/analogue %.3g", r.digital_joules,
                 r.digital_joules / r.analog_joules)};
  return r;
}

}  // namespace memcosim::tasks::field
