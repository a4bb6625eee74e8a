// `memcosim import`: an ONNX network (nn/onnx_import.hpp) written as the
// weight file of the task it is for, with a report of what was recognised.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "nn/onnx_import.hpp"

namespace memcosim::flow {

struct ImportOptions {
  std::string model;   // .onnx
  std::string output;  // weight file to write
  // The task; unset: the config's (twin -> neural_ode), else diffusion.
  std::optional<nn::ImportTask> task;
  // Supplies the schedule written with a score network (and the task).
  std::optional<config::Config> config;
};

// Imports, writes the weight file and prints what was recognised to `out`.
// InputError (exit 2) for a file that cannot be imported; nothing is
// written then.
void import_model(const ImportOptions& options, std::ostream& out);

// The score network of cfg.model.file when it names an .onnx file (the
// config's schedule is the network's): nn::import_onnx with the errors
// located at model.file.
nn::LoadedModel load_onnx_score(const config::Config& cfg);
nn::LoadedMlp load_onnx_mlp(const config::Config& cfg);

}  // namespace memcosim::flow
