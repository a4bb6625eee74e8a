// The transistor level of a config: the model library read and checked, the
// corner picked, and the access transistor's I-V measured in ngspice for the
// 1T1R program-and-verify (circuit/transistor.hpp).
#pragma once

#include <memory>

#include "circuit/transistor.hpp"
#include "config/config.hpp"

namespace memcosim::spice {
class Runner;
}

namespace memcosim::flow {

// True if any block of the circuit is at transistor level.
bool uses_transistor_level(const config::Config& cfg);

// The environment for the transistor-level blocks of cfg. Reads
// circuit.transistor.models (InputError located at that key for a missing
// file or anything but model cards, with the library's own line), picks
// circuit.transistor.corner and, when the crossbar is at transistor level,
// measures the access transistor's drain current over 0..1.5 x
// verify_voltage at the word-line voltage, corner and temperature (a DC
// sweep in ngspice: through `runner` when given, otherwise in a worker
// process of its own). Results are cached per process for equal inputs.
std::shared_ptr<const circuit::TransistorEnvironment> transistor_environment(const config::Config& cfg,
                                                                             spice::Runner* runner = nullptr);

}  // namespace memcosim::flow
