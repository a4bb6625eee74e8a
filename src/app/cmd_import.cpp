// memcosim import MODEL.onnx -o WEIGHTS.yaml [--task diffusion|neural_ode] [--config CONFIG]
#include <iostream>

#include "app/cli.hpp"
#include "flow/import.hpp"

namespace memcosim::app {

void add_import_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "import",
      "Check a network exported to ONNX (torch.onnx.export), print what was recognised and write it as a "
      "memcosim weight file");
  auto model = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto task = std::make_shared<std::string>();
  auto args = std::make_shared<ConfigArgs>();
  cmd->add_option("model", *model, "ONNX file")->required()->check(NonEmptyPath);
  cmd->add_option("-o,--output", *output, "Weight file to write (memcosim's YAML format, as `train` writes)")
      ->required()
      ->check(NonEmptyPath);
  cmd->add_option("--task", *task,
                  "diffusion (a score network s(x, t): writes memcosim-score-network) or neural_ode (a twin's "
                  "vector field: writes memcosim-mlp); default: the config's task, else diffusion")
      ->check(CLI::IsMember({"diffusion", "neural_ode"}));
  cmd->add_option("--config", args->path,
                  "Config whose schedule (diffusion) is written with the weights (default: beta 0.001 .. 0.5)");
  cmd->add_option("--set", args->overrides, "Override a config key of --config (repeatable)")->type_name("KEY=VALUE");
  cmd->callback([=] {
    flow::ImportOptions options;
    options.model = *model;
    options.output = *output;
    if (!args->path.empty()) options.config.emplace(args->load());
    if (!task->empty()) options.task = *task == "neural_ode" ? nn::ImportTask::neural_ode : nn::ImportTask::diffusion;
    flow::import_model(options, std::cout);
  });
}

}  // namespace memcosim::app
