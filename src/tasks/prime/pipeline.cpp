#include "tasks/prime/pipeline.hpp"

#include <filesystem>
#include <iomanip>
#include <ostream>

#include "tasks/prime/model.hpp"
#include "util/error.hpp"

namespace memcosim::tasks::prime {

nlohmann::json evaluation_json(const Evaluation& e) {
  return {{"images", e.images},
          {"accuracy", e.accuracy_full},
          {"accuracy_early_stop", e.accuracy_early},
          {"mean_steps_early_stop", e.mean_steps},
          {"steps_saved", e.steps_saved},
          {"synaptic_load_saved", e.load_saved},
          {"input_spikes_per_image", e.input_spikes},
          {"hidden_spikes_per_image", e.hidden_spikes},
          {"input_spikes_per_image_early_stop", e.input_spikes_run},
          {"hidden_spikes_per_image_early_stop", e.hidden_spikes_run}};
}

namespace {

void print_evaluation(std::ostream& log, const std::string& what, const Evaluation& e, int steps) {
  log << std::fixed << std::setprecision(2) << what << ": test accuracy " << 100 * e.accuracy_full << " % on "
      << e.images << " images after " << steps << " steps; with early stop " << 100 * e.accuracy_early << " % in "
      << e.mean_steps << " steps on average (" << 100 * e.steps_saved << " % of the steps and " << 100 * e.load_saved
      << " % of the synaptic operations saved); spikes per image: input " << e.input_spikes << ", hidden "
      << e.hidden_spikes << "\n";
  log.unsetf(std::ios::floatfield);
  log << std::setprecision(6);
}

}  // namespace

nlohmann::json train_from_config(const config::Config& cfg, const std::string& weights_out, std::ostream& log) {
  const auto& p = cfg.prime;
  const std::string out_path =
      weights_out.empty() ? cfg.resolve(cfg.model.file).string() : std::filesystem::absolute(weights_out).string();
  const Dataset train_set = load_split(cfg, true);
  const Dataset test_set = load_split(cfg, false);
  log << "Fashion-MNIST: " << train_set.pixels.cols() << " training, " << test_set.pixels.cols() << " test images, "
      << train_set.rows << " x " << train_set.cols << " pixels, "
      << (p.data.coding == config::SpikeCoding::rate ? "rate" : "latency") << " coding over " << p.data.steps
      << " steps\n";
  const SpikingNet start = random_network(p.network, train_set.pixels.rows(), 10, cfg.seed);
  const TrainOutcome pruned = train(cfg, start, train_set, TrainMode::topology, log);
  const Evaluation ep = evaluate(cfg, pruned.net, test_set);
  print_evaluation(log, "pruned random network", ep, p.data.steps);
  nlohmann::json result = {{"seed", cfg.seed},
                           {"inputs", start.inputs()},
                           {"hidden", start.hidden()},
                           {"steps", p.data.steps},
                           {"coding", p.data.coding == config::SpikeCoding::rate ? "rate" : "latency"},
                           {"downsample", p.data.downsample},
                           {"sparsity", p.network.sparsity},
                           {"pruned", evaluation_json(ep)},
                           {"pruned_train_seconds", pruned.seconds},
                           {"pruned_epochs", p.train.epochs}};
  if (p.train.weight_epochs > 0) {
    const TrainOutcome dense = train(cfg, start, train_set, TrainMode::weights, log);
    const Evaluation ew = evaluate(cfg, dense.net, test_set);
    print_evaluation(log, "weight-trained network (context)", ew, p.data.steps);
    result["weight_trained"] = evaluation_json(ew);
    result["weight_trained_seconds"] = dense.seconds;
    result["weight_trained_epochs"] = p.train.weight_epochs;
    log << std::fixed << std::setprecision(2)
        << "pruned - weight-trained accuracy: " << 100 * (ep.accuracy_full - ew.accuracy_full)
        << " percentage points\n";
    log.unsetf(std::ios::floatfield);
  }
  write_model(out_path, pruned.net, p.network.sparsity, result);
  log << "model written to " << out_path << "\n";
  return result;
}

}  // namespace memcosim::tasks::prime
