// The neural-field CT task as a task of every command (flow/task.hpp): the
// circuit of the field (circuit.hpp) and `memcosim run` (run.cpp): the image
// inferred through SPICE against the HAQ software field on the same pixels.
#pragma once

#include <iosfwd>
#include <memory>

#include "config/config.hpp"
#include "flow/task.hpp"
#include "tasks/field/circuit.hpp"
#include "tasks/field/model.hpp"

namespace memcosim::tasks::field {

// The field's circuit for a config: the HAQ-programmed MLP, k_hidden from
// the HAQ field on the image's pixels.
FieldCircuit field_circuit(const config::Config& cfg, const Field& field);

std::unique_ptr<flow::Task> load_field_task(const config::Config& cfg, std::ostream& warn);

flow::RunOutcome run_field(const config::Config& cfg, const Field& field, const flow::RunOptions& options,
                           std::ostream& log);

}  // namespace memcosim::tasks::field
