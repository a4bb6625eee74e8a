#include "spice/runner.hpp"

#include <stdexcept>

namespace memcosim::spice {

Runner::Runner(RunnerOptions options) : options_(std::move(options)) {
  if (options_.mode == ExecutionMode::worker_processes)
    pool_ = std::make_unique<WorkerPool>(options_.pool);
  else
    session_ = std::make_unique<NgspiceSession>(options_.pool.session);
}

Runner::~Runner() = default;

ExecutionMode Runner::mode() const { return options_.mode; }

void Runner::submit(Job job) {
  if (pool_) {
    pool_->submit(std::move(job));
    return;
  }
  if (job.test_fault != TestFault::none)
    throw std::invalid_argument("test faults are only staged by worker processes (job " + std::to_string(job.id) + ")");
  queue_.push_back(std::move(job));
}

std::optional<Result> Runner::next() {
  if (pool_) return pool_->next();
  if (queue_.empty()) return std::nullopt;
  const Job job = std::move(queue_.front());
  queue_.pop_front();
  if (!session_->usable()) session_->recover();
  return run_job(*session_, job);
}

void Runner::run(std::vector<Job> jobs, const std::function<void(Result&&)>& on_result) {
  for (Job& job : jobs) submit(std::move(job));
  while (auto r = next()) on_result(std::move(*r));
}

unsigned Runner::parallelism() const { return pool_ ? pool_->size() : 1u; }

std::size_t Runner::pending() const { return pool_ ? pool_->pending() : queue_.size(); }

const SimulatorInfo& Runner::simulator_info() const { return pool_ ? pool_->simulator_info() : session_->info(); }

}  // namespace memcosim::spice
