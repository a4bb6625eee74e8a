// memcosim train CONFIG [-o weights.yaml]
#include <iostream>

#include "app/cli.hpp"
#include "tasks/diffusion/train.hpp"
#include "tasks/field/pipeline.hpp"
#include "tasks/prime/pipeline.hpp"
#include "tasks/twin/pipeline.hpp"

namespace memcosim::app {

void add_train_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("train",
                                 "Train the model of the config's task (score network, digital twin, PRIME spiking "
                                 "network or neural field) and write its weight file");
  auto args = std::make_shared<ConfigArgs>();
  auto output = std::make_shared<std::string>();
  auto every = std::make_shared<int>(500);
  auto results = std::make_shared<std::string>();
  add_config_args(*cmd, *args);
  cmd->add_option("-o,--output", *output, "Weight file to write (default: the config's model.file)")
      ->check(NonEmptyPath);
  cmd->add_option(
         "--results", *results,
         "task twin: folder for the ground truth (records.csv) and the software evaluation; task field: the images "
         "and their scores (default: "
         "out/<name>-train)")
      ->check(NonEmptyPath);
  cmd->add_option("--log-every", *every, "Print the loss every N epochs (0: never)")->check(CLI::NonNegativeNumber);
  cmd->callback([=] {
    const config::Config cfg = args->load();
    if (cfg.task == config::Task::field)
      tasks::field::train_from_config(cfg, *output, *results, std::cout, *every);
    else if (cfg.task == config::Task::twin)
      tasks::twin::train_from_config(cfg, *output, *results, std::cout, *every);
    else if (cfg.task == config::Task::prime)
      (void)tasks::prime::train_from_config(cfg, *output, std::cout);
    else
      tasks::diffusion::train_from_config(cfg, *output, std::cout, *every);
  });
}

}  // namespace memcosim::app
