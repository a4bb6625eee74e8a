// Steps every task's command flows share (train, run, netlist, stability):
// the training options, results folders and the resolved config. What one
// task alone needs lives in its folder (the diffusion task's options, data
// and model loading: tasks/diffusion/setup.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "nn/train.hpp"

namespace memcosim::flow {

nn::TrainOptions train_options(const config::Config& cfg);

// Creates the folder (and parents); throws Error naming it if impossible,
// InputError for an empty path.
std::filesystem::path create_folder(const std::string& dir);
// A results folder for one run: create_folder, then the files an earlier
// run wrote there (result_file_names) are removed, so that the folder's
// result set always comes from one run. Other files are left alone.
std::filesystem::path prepare_output_dir(const std::string& dir);
const std::vector<std::string>& result_file_names();

// config.resolved.yaml: the config as run, defaults filled in.
void write_resolved_config(const std::filesystem::path& dir, const config::Config& cfg);

}  // namespace memcosim::flow
