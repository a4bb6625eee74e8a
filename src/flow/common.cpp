#include "flow/common.hpp"

#include <system_error>

#include "util/error.hpp"
#include "util/files.hpp"
#include "util/random.hpp"

namespace memcosim::flow {

nn::TrainOptions train_options(const config::Config& cfg) {
  const auto& t = cfg.training;
  nn::TrainOptions o;
  o.epochs = t.epochs;
  o.batch_size = t.batch_size;
  o.learning_rate = t.learning_rate;
  o.lr_schedule = t.lr_schedule == config::LrSchedule::cosine ? nn::TrainOptions::LrSchedule::cosine
                                                              : nn::TrainOptions::LrSchedule::constant;
  o.learning_rate_final = t.learning_rate_final;
  o.adam_beta1 = t.adam.beta1;
  o.adam_beta2 = t.adam.beta2;
  o.adam_eps = t.adam.eps;
  o.weight_decay = t.weight_decay;
  o.grad_clip = t.grad_clip;
  o.ema_decay = t.ema_decay;
  o.t_min = t.t_min;
  o.weight_noise = {t.weight_noise.enabled, t.weight_noise.sigma, t.weight_noise.clip};
  o.activation_threshold = t.activation_penalty.threshold;
  o.activation_penalty = t.activation_penalty.weight;
  o.class_dropout = t.class_dropout;
  o.schedule = {cfg.schedule.beta_min, cfg.schedule.beta_max};
  o.seed = derive_seed(cfg.seed, "training");
  return o;
}

std::filesystem::path create_folder(const std::string& dir) {
  if (dir.empty()) throw InputError(Diagnostic{{}, "", "the output folder is an empty path"});
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw Error("cannot create output folder " + dir + ": " + ec.message());
  return std::filesystem::path(dir);
}

const std::vector<std::string>& result_file_names() {
  static const std::vector<std::string> names = {
      "summary.json",         "samples.csv",      "trajectories.csv",  "netlist.cir",
      "config.resolved.yaml", "metrics.json",     "stability.json",    "samples.png",
      "trajectories.png",     "classes.png",      "samples.gp",        "trajectories.gp",
      "classes.gp",           "plot_circuit.dat", "plot_software.dat", "plot_trajectories.dat",
      "gnuplot.log",          "hysteresis.png",   "hysteresis.gp",     "images.csv",
      "images.png",           "images.gp",        "plot_images.dat",   "circuit.csv",
      "circuit_rows.csv",     "phantom.csv",      "fbp.csv",           "field.csv",
      "field_haq.csv",        "field_ptq.csv"};
  return names;
}

std::filesystem::path prepare_output_dir(const std::string& dir) {
  std::filesystem::path p = create_folder(dir);
  // The folder's result set belongs to this run: what an earlier run wrote
  // under the same names goes first (nothing else in the folder is touched).
  for (const std::string& name : result_file_names()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(p / name, ec) || std::filesystem::is_symlink(p / name, ec))
      if (!std::filesystem::remove(p / name, ec) && ec)
        throw Error("cannot remove the earlier run's " + (p / name).string() + ": " + ec.message());
  }
  return p;
}

void write_resolved_config(const std::filesystem::path& dir, const config::Config& cfg) {
  write_file(dir / "config.resolved.yaml", "# " + cfg.source + " as run (defaults filled in)\n" + config::to_yaml(cfg),
             "resolved config");
}

}  // namespace memcosim::flow
