// Score-based diffusion (DESIGN.md §2-3) as a task of every command
// (flow/task.hpp): the solver circuit of the score network and the sampling
// schedule (circuit.hpp, built from a config by pipeline.hpp), `run`
// against the circuit-equivalent reference and the software sampler
// (run.hpp), and the settled circuit that reference can use (settled.hpp).
#pragma once

#include <iosfwd>
#include <memory>

#include "config/config.hpp"
#include "flow/task.hpp"

namespace memcosim::tasks::diffusion {

// Loads the model (flow::load_model: errors located at model.file).
std::unique_ptr<flow::Task> load_diffusion_task(const config::Config& cfg, std::ostream& warn);

}  // namespace memcosim::tasks::diffusion
