// Euler–Maruyama for batched SDEs with diagonal noise, written to odeint's
// Stepper concept so odeint's integrate functions (integrate_times,
// integrate_n_steps, ...) can drive it with their observers.
//
//   dx = f(x, t) dt + g(x, t) ∘ dW      (∘: element-wise product)
//   x <- x + f(x, t) dt + g(x, t) ∘ dW,  dW = noise increment over [t, t + dt]
//
// The system is a pair (drift, diffusion) of callables
//   drift(const Eigen::MatrixXd& x, Eigen::MatrixXd& f, double t)
//   diffusion(const Eigen::MatrixXd& x, Eigen::MatrixXd& g, double t)
// (std::pair or anything with .first and .second), as in odeint's
// stochastic-Euler example. The stepper does not draw random numbers itself:
// the Noise callable supplies the increments,
//   noise(double t, double dt, Eigen::MatrixXd& dW)   // dW sized like x
// e.g. sde::BrownianNoise, so the caller decides which path (and which
// samples of it) drive the batch. Time may run backwards (dt < 0): the
// increments then have variance |dt|.
//
// Strong order 1/2 in general, 1 for additive noise (g independent of x, as
// in the VP reverse SDE); weak order 1. order() reports 1.
#pragma once

#include <utility>

#include <Eigen/Core>
#include <boost/numeric/odeint/stepper/stepper_categories.hpp>

namespace memcosim::reference {

template <class Noise>
class EulerMaruyama {
 public:
  using state_type = Eigen::MatrixXd;
  using deriv_type = Eigen::MatrixXd;
  using value_type = double;
  using time_type = double;
  using order_type = unsigned short;
  using stepper_category = boost::numeric::odeint::stepper_tag;

  static constexpr order_type order() { return 1; }

  explicit EulerMaruyama(Noise noise) : noise_(std::move(noise)) {}

  template <class System>
  void do_step(System system, state_type& x, time_type t, time_type dt) {
    f_.resize(x.rows(), x.cols());
    g_.resize(x.rows(), x.cols());
    dw_.resize(x.rows(), x.cols());
    system.first(x, f_, t);
    system.second(x, g_, t);
    noise_(t, dt, dw_);
    x.noalias() += dt * f_ + g_.cwiseProduct(dw_);
    ++steps_;
  }

  Noise& noise() { return noise_; }
  const Noise& noise() const { return noise_; }
  // Steps taken by this object (odeint copies steppers passed by value; pass
  // std::ref(stepper) to count on the caller's object).
  long steps() const { return steps_; }

 private:
  Noise noise_;
  state_type f_, g_, dw_;
  long steps_ = 0;
};

template <class Noise>
EulerMaruyama(Noise) -> EulerMaruyama<Noise>;

}  // namespace memcosim::reference
