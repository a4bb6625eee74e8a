// memcosim netlist CONFIG [-o FILE] [--sample I]
#include <fstream>
#include <iostream>

#include "app/cli.hpp"
#include "flow/common.hpp"
#include "flow/task.hpp"
#include "spice/emitter.hpp"
#include "util/files.hpp"

namespace memcosim::app {

void add_netlist_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("netlist", "Write the solver circuit's netlist (runs unchanged in ngspice)");
  auto args = std::make_shared<ConfigArgs>();
  auto out = std::make_shared<std::string>();
  auto sample = std::make_shared<long>(0);
  auto klu = std::make_shared<bool>(false);
  add_config_args(*cmd, *args);
  cmd->add_option("-o,--output", *out, "File to write (default: standard output)")->check(NonEmptyPath);
  cmd->add_option("--sample", *sample,
                  "Which trajectory's start x_T (diffusion) or which test case (twin) the netlist holds (default 0)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--klu", *klu, "Write .options klu (for ngspice >= 42 built with KLU)");
  cmd->callback([=] {
    const config::Config cfg = args->load();
    const auto task = flow::load_task(cfg, std::cerr);
    const circuit::Circuit c = task->circuit(cfg, *klu || cfg.simulation.solver == config::LinearSolver::klu,
                                             static_cast<std::uint64_t>(*sample));
    const std::string text = spice::emit(c);
    if (out->empty()) {
      std::cout << text;
    } else {
      write_file(*out, text, "netlist");
      std::cerr << "wrote " << *out << " (" << c.element_count() << " elements, sample " << *sample << ")\n";
    }
  });
}

}  // namespace memcosim::app
