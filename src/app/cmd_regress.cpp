// memcosim regress DIR|CASE [--update] [-o OUT] [--junit FILE]
#include <iostream>

#include "app/cli.hpp"
#include "regress/regress.hpp"
#include "util/error.hpp"

namespace memcosim::app {

void add_regress_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "regress", "Run regression cases: golden netlists and golden waveforms with tolerance bands, JUnit XML");
  auto target = std::make_shared<std::string>();
  auto opts = std::make_shared<regress::RegressOptions>();
  auto out = std::make_shared<std::string>("out/regress");
  auto in_process = std::make_shared<bool>(false);
  cmd->add_option("cases", *target, "Folder of case files (*.yaml), or one case file")->required();
  cmd->add_flag("--update", opts->update,
                "Rewrite the golden netlists and golden waveforms from this build (review the diff before committing)");
  cmd->add_option("-o,--output", *out, "Results folder: junit.xml, each case's new waveforms and netlist diffs")
      ->capture_default_str()
      ->check(NonEmptyPath);
  cmd->add_option("-j,--workers", opts->workers, "Worker processes (0: one per core)")->capture_default_str();
  cmd->add_flag("--in-process", *in_process, "Simulate in this process (debugging; a simulator crash ends the run)");
  cmd->callback([=] {
    regress::RegressOptions o = *opts;
    o.out_dir = *out;
    o.in_process = *in_process;
    const auto cases = regress::load_cases(*target);
    const auto report = regress::run_regression(cases, o, std::cout);
    if (!report.passed())
      throw Error("regression failed (details above; JUnit XML in " + (o.out_dir / "junit.xml").string() + ")");
  });
}

}  // namespace memcosim::app
