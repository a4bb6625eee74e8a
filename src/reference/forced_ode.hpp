// Reference solver for an ODE driven by a piecewise-linear path: the
// equation an analogue circuit solves when a noise path is written into it
// as a PWL source (the reverse SDE in the circuit, tasks/diffusion/circuit.hpp).
//
//   dx/dt = f(x, t) + F_k     for t in [t_k, t_{k+1}],  k = 0 .. K-1
//
// with F_k constant on each interval (the slope of the path between two
// corners; dim x N, one column per sample). The right-hand side is smooth
// inside an interval and jumps at its ends, so the adaptive stepper is
// restarted at every corner and never steps across one: each interval is
// one solve_batch_ode() call, at the tolerances asked for. The result is
// therefore the solution of the piecewise-smooth ODE to the stepper's
// tolerance, with no discretisation of the driving path (unlike an
// Euler-Maruyama step on the same increments).
#pragma once

#include <functional>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "reference/ode_solver.hpp"

namespace memcosim::reference {

// Fills slope (dim x N, already sized like x) with F_k.
using PathSlope = std::function<void(std::size_t k, Eigen::MatrixXd& slope)>;

// The general form: dx/dt = f_k(x, t) on [t_k, t_{k+1}], each f_k smooth on
// its interval (the stepper restarts at every corner, as above).
using IntervalRhs = std::function<void(std::size_t k, const Eigen::MatrixXd& x, Eigen::MatrixXd& dxdt, double t)>;
OdeStats solve_piecewise_ode(const IntervalRhs& rhs, const std::vector<double>& breaks, Eigen::MatrixXd& x,
                             const OdeOptions& options, std::span<const double> observe_times = {},
                             std::vector<Eigen::MatrixXd>* observed = nullptr);

// Integrates from breaks.front() to breaks.back() (strictly increasing, >= 2
// points). observe_times: strictly increasing inside [breaks.front(),
// breaks.back()]; observed[j] receives x(observe_times[j]). Stats add up over
// the intervals; ok = false (and the message names the interval) at the first
// failing interval. Throws std::invalid_argument for bad breaks or times.
OdeStats solve_forced_ode(const BatchRhs& rhs, const std::vector<double>& breaks, const PathSlope& slope,
                          Eigen::MatrixXd& x, const OdeOptions& options, std::span<const double> observe_times = {},
                          std::vector<Eigen::MatrixXd>* observed = nullptr);

}  // namespace memcosim::reference
