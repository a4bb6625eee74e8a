// memcosim check CONFIG: validate a config and print it normalised, every key
// present with defaults filled in. `memcosim check --reference` prints the
// key reference that configs/README.md carries.
#include <iostream>

#include "app/cli.hpp"

namespace memcosim::app {

void add_check_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "Validate a config and print it normalised with defaults filled in");
  auto args = std::make_shared<ConfigArgs>();
  auto comments = std::make_shared<bool>(false);
  auto reference = std::make_shared<bool>(false);
  cmd->add_option("config", args->path, "YAML config file");
  cmd->add_option("--set", args->overrides, "Override a config key (repeatable)")->type_name("KEY=VALUE");
  cmd->add_flag("--comments", *comments, "Precede every key with its documentation");
  cmd->add_flag("--reference", *reference, "Print the markdown reference of every config key and exit");
  cmd->callback([=] {
    if (*reference) {
      std::cout << config::reference_markdown();
      return;
    }
    if (args->path.empty()) throw CLI::RequiredError("config");
    const config::Config cfg = args->load();
    std::cout << "# " << cfg.source << ": valid; normalised with defaults filled in\n"
              << config::to_yaml(cfg, *comments);
  });
}

}  // namespace memcosim::app
