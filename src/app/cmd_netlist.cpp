// memcosim netlist CONFIG [-o FILE] [--sample I]
#include <fstream>
#include <iostream>

#include "app/cli.hpp"
#include "flow/common.hpp"

namespace memcosim::app {

void add_netlist_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("netlist", "Write the solver circuit's netlist (runs unchanged in ngspice)");
  auto args = std::make_shared<ConfigArgs>();
  auto out = std::make_shared<std::string>();
  auto sample = std::make_shared<long>(0);
  auto klu = std::make_shared<bool>(false);
  add_config_args(*cmd, *args);
  cmd->add_option("-o,--output", *out, "File to write (default: standard output)")->check(NonEmptyPath);
  cmd->add_option("--sample", *sample, "Which trajectory's start x_T the .ic lines hold (default 0)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--klu", *klu, "Write .options klu (for ngspice >= 42 built with KLU)");
  cmd->callback([=] {
    const config::Config cfg = args->load();
    const auto model = flow::load_model(cfg, std::cerr);
    circuit::SolverCircuit sc;
    const std::string text = flow::solver_netlist(cfg, model, static_cast<std::uint64_t>(*sample),
                                                  *klu || cfg.simulation.solver == config::LinearSolver::klu, &sc);
    if (out->empty()) {
      std::cout << text;
    } else {
      std::ofstream f(*out);
      f << text;
      if (!f) throw Error("cannot write " + *out);
      std::cerr << "wrote " << *out << " (" << sc.circuit.element_count() << " elements, sample " << *sample << ")\n";
    }
  });
}

}  // namespace memcosim::app
