// `memcosim train` for a prime config: the pruned-random network (topology
// training), the weight-trained network of the same size (context), both
// evaluated on the test split with and without early stop; the model file.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "tasks/prime/train.hpp"

namespace memcosim::tasks::prime {

nlohmann::json evaluation_json(const Evaluation& e);

// Trains both networks, prints their evaluations to log and writes the
// model file (weights_out; empty: model.file). Returns what it measured.
nlohmann::json train_from_config(const config::Config& cfg, const std::string& weights_out, std::ostream& log);

}  // namespace memcosim::tasks::prime
