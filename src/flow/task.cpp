#include "flow/task.hpp"

#include <ostream>

#include "tasks/diffusion/task.hpp"
#include "tasks/field/task.hpp"
#include "tasks/prime/task.hpp"
#include "tasks/twin/task.hpp"
#include "util/error.hpp"

namespace memcosim::flow {

std::unique_ptr<Task> load_task(const config::Config& cfg, std::ostream& warn) {
  switch (cfg.task) {
    case config::Task::diffusion:
      return tasks::diffusion::load_diffusion_task(cfg, warn);
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
