#include "tasks/diffusion/settled.hpp"

#include <cmath>
#include <stdexcept>

namespace memcosim::tasks::diffusion {

using namespace memcosim::circuit;

using config::Level;

namespace {
// The ideal op-amp's output resistance and the behavioural one's are not
// modelled (inside the feedback loops their effect is below 1e-6).
Eigen::MatrixXd clamp(const Eigen::MatrixXd& v, double lo, double hi) { return v.cwiseMax(lo).cwiseMin(hi); }
}  // namespace

SettledCircuit::SettledCircuit(const SolverCircuit& sc, const config::CircuitConfig& cc) : sc_(sc), cc_(cc) {
  sc_.circuit = Circuit{};  // the netlist is not needed here
  v_high_ = sc.v_high;
  v_low_ = sc.v_low;
  const Level xb = cc.level_of(cc.blocks.crossbar);
  const auto& cell = cc.crossbar.cell;
  // Amplitude of a cell of conductance g: the netlist's i0 exp(-gap/g0),
  // which the verify condition makes g v_verify / sinh(v_verify / v0).
  const double per_siemens =
      xb == Level::behavioral ? cell.verify_voltage / std::sinh(cell.verify_voltage / cell.v0) : 1.0;
  auto row_current = [&](double v) { return xb == Level::behavioral ? std::sinh(v / cell.v0) : v; };
  auto row_slope = [&](double v) { return xb == Level::behavioral ? std::cosh(v / cell.v0) / cell.v0 : 1.0; };
  const double vr = cc.crossbar.v_read;
  for (std::size_t l = 0; l < sc.layers.size(); ++l) {
    const LayerMapping& m = sc.layers[l];
    Layer L;
    L.a_plus = per_siemens * m.g_plus;
    L.a_minus = per_siemens * m.g_minus;
    const Eigen::VectorXd ab_plus = per_siemens * m.gb_plus, ab_minus = per_siemens * m.gb_minus;
    L.bias_current = ab_plus * row_current(vr) + ab_minus * row_current(-vr);
    L.bias_conductance = ab_plus * row_slope(vr) + ab_minus * row_slope(-vr);
    L.rf = m.rf;
    L.r_embedding = m.r_embedding;
    L.output = l + 1 == sc.layers.size();
    layers_.push_back(std::move(L));
  }
}

double SettledCircuit::opamp_gain(Level level) const {
  return level == Level::ideal ? cc_.opamp.ideal_gain : cc_.opamp.a0;
}
double SettledCircuit::opamp_offset(Level level) const { return level == Level::ideal ? 0.0 : cc_.opamp.offset; }
// The ideal op-amp's 1 mOhm (blocks.cpp) and the behavioural one's rout.
double SettledCircuit::opamp_rout(Level level) const { return level == Level::ideal ? 1e-3 : cc_.opamp.rout; }

Eigen::MatrixXd SettledCircuit::row_current(const Eigen::VectorXd& amplitude, const Eigen::MatrixXd& v) const {
  if (cc_.level_of(cc_.blocks.crossbar) == Level::behavioral)
    return (v.array() / cc_.crossbar.cell.v0).sinh().colwise() * amplitude.array();
  return v.array().colwise() * amplitude.array();
}

Eigen::MatrixXd SettledCircuit::inverter(const Eigen::MatrixXd& v_in, Level level, const Eigen::VectorXd& amplitude,
                                         double load_conductance) const {
  const double a = opamp_gain(level), off = opamp_offset(level), ro = opamp_rout(level);
  const double r = cc_.inverter_r;
  // KCL V_g = (V_in + V_out) / 2; V_out = -A (offset + V_g) - Rout ((V_out - V_g) / R + I_load):
  //   V_out = (-A offset - (A/2 - Rout/(2R)) V_in - Rout I_load) / (1 + A/2 + Rout/(2R)).
  const double den = 1.0 + a / 2.0 + ro / (2.0 * r);
  const Eigen::ArrayXXd unloaded = (-a * off - (a / 2.0 - ro / (2.0 * r)) * v_in.array()) / den;
  const Eigen::ArrayXXd load = row_current(amplitude, unloaded.matrix()).array() + load_conductance * unloaded;
  Eigen::MatrixXd out = (unloaded - ro * load / den).matrix();
  return level == Level::behavioral ? clamp(out, v_low_, v_high_) : out;
}

void SettledCircuit::forward(const Eigen::MatrixXd& x, double tau, std::vector<Eigen::MatrixXd>* tia_outputs,
                             Eigen::MatrixXd& v_sneg) const {
  const auto& cc = cc_;
  const Level xb = cc.level_of(cc.blocks.crossbar);
  const Level tia = cc.level_of(cc.blocks.tia);
  const Level relu = cc.level_of(cc.blocks.relu);
  const Level inv = cc.level_of(cc.blocks.inverter);
  const double v0 = cc.crossbar.cell.v0;
  const double k_emb = sc_.k_hidden;
  const Eigen::VectorXd e = sc_.embedding(tau);
  const Eigen::Index half = e.size() / 2;
  const Eigen::Index n = x.cols();

  const bool warp = sc_.form == config::ScheduleForm::time_warp;
  const double r_score = cc.integrator.r * sc_.k_score / sc_.k_state / sc_.score_weight;
  Eigen::MatrixXd v_pos = sc_.k_state * x;  // rows driven by +a
  // The state inverters also drive the integrators' state resistors (time warp).
  Eigen::MatrixXd v_neg =
      inverter(v_pos, inv, layers_.front().a_minus.colwise().sum().transpose(), warp ? 1.0 / cc.integrator.r : 0.0);
  if (tia_outputs) tia_outputs->clear();
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& L = layers_[l];
    const Eigen::Index cols = L.a_plus.rows();
    Eigen::MatrixXd i0, g;
    if (xb == Level::behavioral) {
      // sinh and cosh from one exponential each: e = exp(V / v0).
      const Eigen::ArrayXXd ep = (v_pos.array() / v0).exp(), en = (v_neg.array() / v0).exp();
      const Eigen::ArrayXXd ip = ep.inverse(), in = en.inverse();
      i0 = 0.5 * (L.a_plus * (ep - ip).matrix() + L.a_minus * (en - in).matrix());
      g = (0.5 / v0) * (L.a_plus * (ep + ip).matrix() + L.a_minus * (en + in).matrix());
    } else {
      i0 = L.a_plus * v_pos + L.a_minus * v_neg;
      g = (L.a_plus.rowwise().sum() + L.a_minus.rowwise().sum()).replicate(1, n);
    }
    i0.colwise() += L.bias_current;
    g.colwise() += L.bias_conductance;
    if (!L.output) {
      // Time- and class-embedding currents from V = -k_emb value through r_embedding.
      const int width = static_cast<int>(cols);
      for (Eigen::Index j = 0; j < cols; ++j) {
        const double ej = j < width / 2 ? e(j) : e(half + j - width / 2);
        double current = -k_emb * ej / L.r_embedding, conductance = 1.0 / L.r_embedding;
        if (sc_.class_embedding.size() > 0) {
          current += -k_emb * sc_.class_embedding(j) / L.r_embedding;
          conductance += 1.0 / L.r_embedding;
        }
        i0.row(j).array() += current;
        g.row(j).array() += conductance;
      }
    }
    // KCL at the summing node, i0 - g V_g = (V_g - V_out) / Rf, with
    // V_out = -A (off + V_g) - Rout ((V_out - V_g) / Rf + V_out / R_load):
    //   V_g = (Rf i0 c1 - A off) / ((1 + Rf g) c1 + A - Rout / Rf), c1 = 1 + Rout / Rf + Rout / R_load;
    // the output layer drives the integrators' score resistors (time warp).
    const double a = opamp_gain(tia), off = opamp_offset(tia), ro = opamp_rout(tia);
    const double c1 = 1.0 + ro / L.rf + (L.output && warp ? ro / r_score : 0.0);
    const Eigen::ArrayXXd vg = (L.rf * c1 * i0.array() - a * off) / ((1.0 + L.rf * g.array()) * c1 + a - ro / L.rf);
    Eigen::MatrixXd v_out = ((1.0 + L.rf * g.array()) * vg - L.rf * i0.array()).matrix();
    if (tia == Level::behavioral) v_out = clamp(v_out, v_low_, v_high_);  // a saturated TIA
    if (tia_outputs) tia_outputs->push_back(v_out);
    if (L.output) {
      v_sneg = v_out;
      return;
    }
    if (relu == Level::behavioral) {
      const double k2 = cc.relu.knee * cc.relu.knee;
      v_pos = (0.5 * (v_out.array() + (v_out.array().square() + k2).sqrt())).min(v_high_).matrix();
    } else {
      v_pos = v_out.cwiseMax(0.0);
    }
    v_neg = inverter(v_pos, inv, layers_[l + 1].a_minus.colwise().sum().transpose(), 0.0);
  }
}

void SettledCircuit::rate(const Eigen::MatrixXd& x, double tau, Eigen::MatrixXd& dxdt) const {
  Eigen::MatrixXd v_sneg;
  forward(x, tau, nullptr, v_sneg);
  const auto& cc = cc_;
  const Level integ = cc.level_of(cc.blocks.integrator);
  const Level inv = cc.level_of(cc.blocks.inverter);
  const double a = opamp_gain(integ), off = opamp_offset(integ);
  const Eigen::MatrixXd v_x = sc_.k_state * x;
  Eigen::MatrixXd v_state = inverter(v_x, inv, layers_.front().a_minus.colwise().sum().transpose(),
                                     sc_.form == config::ScheduleForm::time_warp ? 1.0 / cc.integrator.r : 0.0);
  Eigen::MatrixXd v_score = v_sneg;
  if (sc_.form == config::ScheduleForm::variable_gain) {
    const double m = sc_.gain(tau);
    v_state *= m;
    v_score *= m;
    if (cc.level_of(cc.blocks.multiplier) == Level::behavioral) {
      v_state = clamp(v_state, v_low_, v_high_);
      v_score = clamp(v_score, v_low_, v_high_);
    }
  }
  const double r_state = cc.integrator.r;
  const double r_score = cc.integrator.r * sc_.k_score / sc_.k_state / sc_.score_weight;
  const Eigen::ArrayXXd vg = -v_x.array() / a - off;
  const Eigen::ArrayXXd current = (v_state.array() - vg) / r_state + (v_score.array() - vg) / r_score;
  dxdt = (-current / (cc.integrator.c * (1.0 + 1.0 / a) * sc_.k_state)).matrix();
}

Eigen::MatrixXd SettledCircuit::preactivations(const Eigen::MatrixXd& x, double tau) const {
  std::vector<Eigen::MatrixXd> outs;
  Eigen::MatrixXd v_sneg;
  forward(x, tau, &outs, v_sneg);
  Eigen::Index rows = 0;
  for (const auto& o : outs) rows += o.rows();
  Eigen::MatrixXd all(rows, x.cols());
  Eigen::Index r = 0;
  for (const auto& o : outs) {
    all.middleRows(r, o.rows()) = o;
    r += o.rows();
  }
  return all;
}

}  // namespace memcosim::tasks::diffusion
