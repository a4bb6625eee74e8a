#include "sde/dynamics.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace memcosim::sde {

namespace {
void check_shapes(const Eigen::Ref<const Eigen::MatrixXd>& x, const Eigen::Ref<Eigen::MatrixXd>& out,
                  const ScoreModel& score) {
  if (out.rows() != x.rows() || out.cols() != x.cols())
    throw std::invalid_argument("sde dynamics: output shape differs from the state's");
  if (x.rows() != score.dim())
    throw std::invalid_argument("sde dynamics: state has " + std::to_string(x.rows()) +
                                " rows but the score model's dim is " + std::to_string(score.dim()));
}
}  // namespace

void pf_ode_rhs(const ScoreModel& score, const VpSchedule& schedule, const Eigen::Ref<const Eigen::MatrixXd>& x,
                double t, Eigen::Ref<Eigen::MatrixXd> out) {
  check_shapes(x, out, score);
  score.score(x, t, out);
  const double h = -0.5 * schedule.beta(t);
  out = h * (x + out);
}

void reverse_sde_drift(const ScoreModel& score, const VpSchedule& schedule, const Eigen::Ref<const Eigen::MatrixXd>& x,
                       double t, Eigen::Ref<Eigen::MatrixXd> out) {
  check_shapes(x, out, score);
  score.score(x, t, out);
  const double b = schedule.beta(t);
  out = (-0.5 * b) * x - b * out;
}

void PfOdeRhs::operator()(const Eigen::MatrixXd& x, Eigen::MatrixXd& dxdt, double t) const {
  dxdt.resize(x.rows(), x.cols());
  pf_ode_rhs(*score_, schedule_, x, t, dxdt);
}

void ReverseSdeDrift::operator()(const Eigen::MatrixXd& x, Eigen::MatrixXd& f, double t) const {
  f.resize(x.rows(), x.cols());
  reverse_sde_drift(*score_, schedule_, x, t, f);
}

void ReverseSdeDiffusion::operator()(const Eigen::MatrixXd& x, Eigen::MatrixXd& g, double t) const {
  g.setConstant(x.rows(), x.cols(), reverse_sde_diffusion(schedule_, t));
}

}  // namespace memcosim::sde
