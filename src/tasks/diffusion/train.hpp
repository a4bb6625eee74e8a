// `memcosim train`: denoising score matching on the configured data set,
// then the weight file.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "config/config.hpp"
#include "nn/train.hpp"

namespace memcosim::tasks::diffusion {

struct TrainReport {
  nn::TrainResult result;
  std::filesystem::path weights;  // where the model was written
};

// Trains from scratch with the config's seed and writes the weight file to
// `output` (empty: the config's model.file). Progress lines (every
// `log_every` epochs) go to log.
TrainReport train_from_config(const config::Config& cfg, const std::string& output, std::ostream& log, int log_every);

}  // namespace memcosim::tasks::diffusion
