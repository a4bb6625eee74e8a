// Internal to src/reference: the time sequence handed to odeint's
// integrate_times, and the observer that records the requested observations.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace memcosim::reference {

// times: what odeint integrates through (monotone, first = start, last = end);
// slot[i]: index into the caller's observation list recorded at times[i], or -1.
struct TimePoints {
  std::vector<double> times;
  std::vector<int> slot;
};

// [t0, observations..., t1] without duplicating t0 or t1. Observations must
// be finite, strictly monotone in the direction t0 -> t1 and inside [t0, t1];
// throws std::invalid_argument naming `who` otherwise.
TimePoints make_time_points(double t0, double t1, std::span<const double> observe_times, const char* who);

// The grid itself, with the observations matched to grid points (within
// 1e-9 of the grid span, at most a quarter of the smallest step). Throws
// std::invalid_argument if an observation is not a grid point or they are not
// strictly monotone along the grid.
TimePoints grid_time_points(const std::vector<double>& grid, std::span<const double> observe_times, const char* who);

// odeint observer: called once per entry of TimePoints::times, in order.
struct Recorder {
  const std::vector<int>* slot;
  std::vector<Eigen::MatrixXd>* observed;  // may be null
  std::size_t next = 0;

  void operator()(const Eigen::MatrixXd& x, double /*t*/) {
    const std::size_t i = next++;
    if (observed && i < slot->size() && (*slot)[i] >= 0) (*observed)[static_cast<std::size_t>((*slot)[i])] = x;
  }
};

// The bookkeeping both batch solvers share: wall time, the stop reason, and
// batches that need no integration (empty, or not finite at the start).
template <class Stats>
class SolveRun {
 public:
  explicit SolveRun(Stats& stats) : stats_(stats), started_(std::chrono::steady_clock::now()) {}

  Stats finish(bool ok, std::string message) {
    stats_.ok = ok;
    stats_.message = std::move(message);
    stats_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    return stats_;
  }

  // Sizes `observed` (may be null) for n_observe observations and returns the
  // final stats when x needs no integration; nullopt otherwise.
  std::optional<Stats> trivial(const Eigen::MatrixXd& x, std::size_t n_observe,
                               std::vector<Eigen::MatrixXd>* observed) {
    if (observed) observed->assign(n_observe, Eigen::MatrixXd());
    if (x.size() == 0) {
      if (observed)
        for (auto& m : *observed) m = x;
      return finish(true, "ok (empty batch)");
    }
    if (!x.allFinite()) return finish(false, "initial state is not finite");
    return std::nullopt;
  }

 private:
  Stats& stats_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace memcosim::reference
