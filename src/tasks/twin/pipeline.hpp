// `memcosim train` for a twin config: ground truth, training, weight file,
// software evaluation.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "config/config.hpp"
#include "nn/mlp_weights.hpp"
#include "tasks/twin/evaluate.hpp"
#include "tasks/twin/train.hpp"

namespace memcosim::tasks::twin {

// The training records of a config (ground truth with Boost.Odeint, seeded
// by derive_seed(seed, "twin-train-drives") for HP drives and initial
// states, derive_seed(seed, "twin-train-starts") for Lorenz96 starts; none
// of them is a test drive or a test start).
Records generate_records(const config::Config& cfg);
// records.csv: record, t, x_1..x_dim[, u] (one row per sample).
void write_records_csv(const std::filesystem::path& file, const Records& records);
// evaluation.csv: case, label, t, u, x_true.., x_twin.., y_true.., y_twin.. (one row per case and time).
void write_evaluation_csv(const std::filesystem::path& file, const SoftwareEvaluation& eval);

// The options of both stages from twin.stages and training.*.
TwinTrainOptions train_options(const config::Config& cfg);
// The twin's network shape: [x; u] -> dx/dt with twin.hidden.
nn::MlpShape network_shape(const config::Config& cfg);
// What the weight file records about the system and the training.
nn::MlpProvenance provenance(const config::Config& cfg, const TwinTrainResult& result);

struct TwinTrainReport {
  TwinTrainResult result;
  SoftwareEvaluation evaluation;
  std::filesystem::path weights, results;
};

// Generates the records (records.csv in results_dir; empty: out/<name>-train),
// trains, writes the weight file (weights_out; empty: model.file), evaluates
// the software twin on the test cases (evaluation.csv) and prints the
// evaluation to log. Loss lines every log_every epochs / steps (0: none).
TwinTrainReport train_from_config(const config::Config& cfg, const std::string& weights_out,
                                  const std::string& results_dir, std::ostream& log, int log_every);

}  // namespace memcosim::tasks::twin
