#include "tasks/diffusion/task.hpp"

#include <ostream>
#include <utility>

#include "tasks/diffusion/pipeline.hpp"
#include "tasks/diffusion/run.hpp"
#include "tasks/diffusion/setup.hpp"

namespace memcosim::tasks::diffusion {

namespace {

// Score-based diffusion (DESIGN.md §2-3): the solver circuit of the score
// network and the sampling schedule.
class DiffusionTask final : public flow::Task {
 public:
  DiffusionTask(const config::Config& cfg, std::ostream& warn) : model_(load_model(cfg, warn)) {}

  std::string name() const override { return "diffusion"; }

  circuit::Circuit circuit(const config::Config& cfg, bool use_klu, std::uint64_t sample) const override {
    SolverCircuit sc;
    (void)solver_netlist(cfg, model_, sample, use_klu, &sc);
    return std::move(sc.circuit);
  }

  flow::RunOutcome run(const config::Config& cfg, const flow::RunOptions& options, std::ostream& log) const override {
    flow::RunOutcome out;
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

 private:
  nn::LoadedModel model_;
};

}  // namespace

std::unique_ptr<flow::Task> load_diffusion_task(const config::Config& cfg, std::ostream& warn) {
  return std::make_unique<DiffusionTask>(cfg, warn);
}

}  // namespace memcosim::tasks::diffusion
