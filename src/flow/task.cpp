#include "flow/task.hpp"

#include <ostream>

#include "flow/common.hpp"
#include "spice/emitter.hpp"
#include "tasks/field/task.hpp"
#include "tasks/prime/task.hpp"
#include "tasks/twin/task.hpp"
#include "util/error.hpp"

namespace memcosim::flow {

namespace {

// Score-based diffusion (DESIGN.md §2-3): the solver circuit of the score
// network and the sampling schedule.
class DiffusionTask final : public Task {
 public:
  DiffusionTask(const config::Config& cfg, std::ostream& warn) : model_(load_model(cfg, warn)) {}

  std::string name() const override { return "diffusion"; }

  circuit::Circuit circuit(const config::Config& cfg, bool use_klu, std::uint64_t sample) const override {
    circuit::SolverCircuit sc;
    (void)solver_netlist(cfg, model_, sample, use_klu, &sc);
    return std::move(sc.circuit);
  }

  RunOutcome run(const config::Config& cfg, const RunOptions& options, std::ostream& log) const override {
    RunOutcome out;
    if (cfg.sampling.all_classes) {
      const ClassesReport all = run_all_classes(cfg, model_, options, log);
      out.failures = all.failures;
      for (const auto& r : all.runs) out.transients += static_cast<long>(r.trajectories.size());
      out.summary = all.summary;
      return out;
    }
    const RunReport r = run_circuit(cfg, model_, options, log);
    out.failures = r.failures;
    out.transients = static_cast<long>(r.trajectories.size());
    out.summary = r.summary;
    return out;
  }

  const nn::LoadedModel& model() const { return model_; }

 private:
  nn::LoadedModel model_;
};

}  // namespace

std::unique_ptr<Task> load_task(const config::Config& cfg, std::ostream& warn) {
  switch (cfg.task) {
    case config::Task::diffusion:
      return std::make_unique<DiffusionTask>(cfg, warn);
    case config::Task::twin:
      return tasks::twin::load_twin_task(cfg, warn);
    case config::Task::prime:
      return tasks::prime::load_prime_task(cfg, warn);
    case config::Task::field:
      return tasks::field::load_field_task(cfg, warn);
  }
  throw std::logic_error("load_task: unknown task");
}

}  // namespace memcosim::flow
