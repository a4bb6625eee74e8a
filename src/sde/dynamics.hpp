// Right-hand sides of the two samplers of a VP diffusion model, batched
// (dim x N, one sample per column) and writing into preallocated outputs.
//
//   PF-ODE:       dx/dt = -1/2 beta(t) [x + s(x, t)]
//   Reverse SDE:  dx = [-1/2 beta(t) x - beta(t) s(x, t)] dt + sqrt(beta(t)) dW
//                 integrated backwards in time (dt < 0, dW ~ N(0, |dt|)).
//
// The schedule passed here is the *sampling* schedule (the trained one
// scaled by beta_scale where the config asks for it).
#pragma once

#include <cmath>

#include <Eigen/Core>

#include "sde/schedule.hpp"
#include "sde/score.hpp"

namespace memcosim::sde {

// out = -1/2 beta(t) (x + s(x, t)). out has the shape of x and must not alias it.
void pf_ode_rhs(const ScoreModel& score, const VpSchedule& schedule, const Eigen::Ref<const Eigen::MatrixXd>& x,
                double t, Eigen::Ref<Eigen::MatrixXd> out);

// out = -1/2 beta(t) x - beta(t) s(x, t). out has the shape of x and must not alias it.
void reverse_sde_drift(const ScoreModel& score, const VpSchedule& schedule, const Eigen::Ref<const Eigen::MatrixXd>& x,
                       double t, Eigen::Ref<Eigen::MatrixXd> out);

// The diffusion coefficient sqrt(beta(t)) (the same for every element).
inline double reverse_sde_diffusion(const VpSchedule& schedule, double t) { return std::sqrt(schedule.beta(t)); }

// Function objects with the signature odeint systems use,
// f(const state&, state& out, double t). They hold a pointer to the score
// model (which must outlive them) and a copy of the schedule, so they are
// cheap to copy (odeint passes systems by value). out is resized to the shape
// of x if needed.
class PfOdeRhs {
 public:
  PfOdeRhs(const ScoreModel& score, const VpSchedule& schedule) : score_(&score), schedule_(schedule) {}
  void operator()(const Eigen::MatrixXd& x, Eigen::MatrixXd& dxdt, double t) const;

 private:
  const ScoreModel* score_;
  VpSchedule schedule_;
};

class ReverseSdeDrift {
 public:
  ReverseSdeDrift(const ScoreModel& score, const VpSchedule& schedule) : score_(&score), schedule_(schedule) {}
  void operator()(const Eigen::MatrixXd& x, Eigen::MatrixXd& f, double t) const;

 private:
  const ScoreModel* score_;
  VpSchedule schedule_;
};

// Diagonal noise: g(d, j) = sqrt(beta(t)) for every element.
class ReverseSdeDiffusion {
 public:
  explicit ReverseSdeDiffusion(const VpSchedule& schedule) : schedule_(schedule) {}
  void operator()(const Eigen::MatrixXd& x, Eigen::MatrixXd& g, double t) const;

 private:
  VpSchedule schedule_;
};

}  // namespace memcosim::sde
