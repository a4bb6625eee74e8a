// memcosim sim NETLIST [-o DIR] [--raw] [--timeout S]: any SPICE netlist,
// run in-process through libngspice, every vector of every plot to CSV.
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli.hpp"
#include "spice/csv.hpp"
#include "spice/session.hpp"

namespace memcosim::app {

void add_sim_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("sim", "Run any SPICE netlist in-process; all vectors to CSV (and a raw file)");
  auto netlist = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>("out/sim");
  auto raw = std::make_shared<bool>(false);
  auto ascii = std::make_shared<bool>(false);
  auto timeout = std::make_shared<double>(600);
  cmd->add_option("netlist", *netlist, "SPICE netlist (its .tran/.ac/.op/.dc analyses are run)")->required();
  cmd->add_option("-o,--output", *out, "Results folder (default: out/sim)");
  cmd->add_flag("--raw", *raw, "Also write ngspice's raw file (binary)");
  cmd->add_flag("--ascii", *ascii, "Write the raw file as ASCII");
  cmd->add_option("--timeout", *timeout, "Seconds before the analysis is halted")->check(CLI::PositiveNumber);
  cmd->callback([=] {
    std::ifstream in(*netlist);
    if (!in) throw InputError(Diagnostic{{*netlist}, "", "cannot open netlist"});
    std::stringstream text;
    text << in.rdbuf();
    std::filesystem::create_directories(*out);
    spice::NgspiceSession session;
    try {
      session.load(text.str());
    } catch (const spice::SpiceError& e) {
      // A netlist the simulator rejects is bad input: name the file.
      if (e.kind() == spice::SpiceErrorKind::parse)
        throw InputError(Diagnostic{{*netlist, e.netlist_line()}, e.element(), e.what()});
      throw;
    }
    session.run(*timeout);
    const auto files = spice::write_plots_csv(session, *out);
    for (const auto& f : files) std::cout << "wrote " << f.string() << "\n";
    if (*raw || *ascii) {
      const auto path = std::filesystem::absolute(std::filesystem::path(*out) / "sim.raw");
      session.write_raw(path.string(), *ascii ? spice::RawFormat::ascii : spice::RawFormat::binary);
      std::cout << "wrote " << path.string() << "\n";
    }
  });
}

}  // namespace memcosim::app
