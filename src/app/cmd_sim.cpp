// memcosim sim NETLIST [-o DIR] [--raw|--ascii] [--timeout S] [--in-process]:
// any SPICE netlist through libngspice, every vector of every plot to CSV.
// By default the simulator runs in a worker process, so that even a crash
// inside ngspice ends in a clear message and a non-zero exit status.
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli.hpp"
#include "spice/csv.hpp"
#include "spice/runner.hpp"

namespace memcosim::app {

namespace {
// The last lines the simulator printed, for a crash or exit without words.
std::string tail(const std::vector<std::string>& log, std::size_t n) {
  std::string s;
  for (std::size_t i = log.size() > n ? log.size() - n : 0; i < log.size(); ++i) s += "\n  ngspice: " + log[i];
  return s;
}
}  // namespace

void add_sim_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("sim", "Run any SPICE netlist through libngspice; all vectors to CSV (and a raw file)");
  auto netlist = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>("out/sim");
  auto raw = std::make_shared<bool>(false);
  auto ascii = std::make_shared<bool>(false);
  auto in_process = std::make_shared<bool>(false);
  auto timeout = std::make_shared<double>(600);
  cmd->add_option("netlist", *netlist, "SPICE netlist (its .tran/.ac/.op/.dc analyses are run)")->required();
  cmd->add_option("-o,--output", *out, "Results folder (default: out/sim)");
  cmd->add_flag("--raw", *raw, "Also write ngspice's raw file of the last analysis (binary)");
  cmd->add_flag("--ascii", *ascii, "Write that raw file as ASCII");
  cmd->add_flag("--in-process", *in_process, "Simulate in this process (no protection against simulator crashes)");
  cmd->add_option("--timeout", *timeout, "Seconds before the analysis is halted")->check(CLI::PositiveNumber);
  cmd->callback([=] {
    std::ifstream in(*netlist);
    if (!in) throw InputError(Diagnostic{{*netlist}, "", "cannot open netlist"});
    std::stringstream text;
    text << in.rdbuf();
    std::filesystem::create_directories(*out);

    spice::Job job;
    job.netlist = text.str();
    job.all_plots = true;
    job.timeout_s = *timeout;
    if (*raw || *ascii)
      job.post_commands = spice::raw_write_commands(std::filesystem::absolute(std::filesystem::path(*out) / "sim.raw").string(),
                                                    *ascii ? spice::RawFormat::ascii : spice::RawFormat::binary);
    spice::RunnerOptions ro;
    ro.mode = *in_process ? spice::ExecutionMode::in_process : spice::ExecutionMode::worker_processes;
    ro.pool.workers = 1;
    spice::Runner runner(ro);
    runner.submit(std::move(job));
    const spice::Result r = *runner.next();
    const std::string status(spice::to_string(r.status));
    switch (r.status) {
      case spice::JobStatus::ok: break;
      case spice::JobStatus::parse_error:  // a netlist the simulator rejects is bad input
        throw InputError(Diagnostic{{*netlist}, "", r.message});
      case spice::JobStatus::crashed:
      case spice::JobStatus::exited:
        throw SimulationError(*netlist + ": the simulator " + status + " (" + r.message +
                              "); its last output:" + tail(r.log, 8));
      default: throw SimulationError(*netlist + ": " + status + ": " + r.message);
    }
    for (const auto& f : spice::write_plots_csv(r.plots, *out)) std::cout << "wrote " << f.string() << "\n";
    if (*raw || *ascii) std::cout << "wrote " << (std::filesystem::path(*out) / "sim.raw").string() << "\n";
  });
}

}  // namespace memcosim::app
