// memcosim: SPICE-level co-simulation of analogue in-memory computing.
//
// Exit status: 0 success; 1 a run failed (simulator, numerics, I/O);
// 2 bad input (config, weights, netlist, command line).
#include <clocale>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "app/cli.hpp"
#include "spice/session.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace memcosim::app {

void add_config_args(CLI::App& cmd, ConfigArgs& args) {
  cmd.add_option("config", args.path, "YAML config file")->required();
  cmd.add_option("--set", args.overrides,
                 "Override a config key, e.g. --set sampling.n=100 (value in YAML syntax; repeatable)")
      ->type_name("KEY=VALUE");
}

namespace {
// The number in text, or nullopt when it is not one number.
std::optional<double> number_of(const std::string& text) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used != text.size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}
}  // namespace

const CLI::Validator FinitePositive(
    [](std::string& s) -> std::string {
      const auto v = number_of(s);
      if (!v || !std::isfinite(*v) || *v <= 0) return "must be a finite number > 0 (got '" + s + "')";
      return {};
    },
    "FINITE>0");
const CLI::Validator FiniteNonNegative(
    [](std::string& s) -> std::string {
      const auto v = number_of(s);
      if (!v || !std::isfinite(*v) || *v < 0) return "must be a finite number >= 0 (got '" + s + "')";
      return {};
    },
    "FINITE>=0");
const CLI::Validator NonEmptyPath(
    [](std::string& s) -> std::string { return s.empty() ? "must not be empty" : std::string(); }, "PATH");

CLI::Validator count_range(long max) {
  return CLI::Validator(
      [max](std::string& s) -> std::string {
        const auto v = number_of(s);
        if (!v || *v != std::floor(*v) || *v < 1 || *v > static_cast<double>(max))
          return "must be a whole number from 1 to " + std::to_string(max) + " (got '" + s + "')";
        return {};
      },
      "1.." + std::to_string(max));
}

// --version: this program's version, the ngspice library the dynamic loader
// found (started once to ask it), and the data folder in use.
std::string version_text() {
  std::string text = "memcosim " MEMCOSIM_VERSION "\n";
  try {
    spice::SessionOptions options;
    options.user_spiceinit = spice::UserInitPolicy::allow;
    const spice::NgspiceSession session(options);
    const spice::SimulatorInfo& info = session.info();
    text += "ngspice " + (info.version.empty() ? std::string("?") : info.version) +
            (info.has_klu ? " with KLU" : " without KLU") +
            (info.library.empty() ? std::string() : " (" + info.library + ")") + "\n";
  } catch (const std::exception& e) {
    text += std::string("ngspice: cannot start: ") + e.what() + "\n";
  }
  const auto data = data_dir();
  text += "data " +
          (data.empty() ? std::string("not found (no configs/ and models/ next to this program)") : data.string());
  return text;
}

// The command line: set up the commands, parse, run the chosen one, and map
// its outcome to the exit status (0 done, 1 failed, 2 bad input).
int run_cli(int argc, char** argv) {
  CLI::App app{"memcosim " MEMCOSIM_VERSION
               " - SPICE-level co-simulation of RRAM in-memory computing for score-based diffusion"};
  app.require_subcommand(1);
  app.set_version_flag("--version", memcosim::app::version_text,
                       "Print the version, the ngspice library found at run time and the data folder, and exit");
  memcosim::app::add_check_command(app);
  memcosim::app::add_train_command(app);
  memcosim::app::add_import_command(app);
  memcosim::app::add_sample_command(app);
  memcosim::app::add_run_command(app);
  memcosim::app::add_netlist_command(app);
  memcosim::app::add_sim_command(app);
  memcosim::app::add_regress_command(app);
  memcosim::app::add_stability_command(app);
  memcosim::app::add_sweep_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const memcosim::InputError& e) {
    std::cerr << e.what() << "\n";
    std::cerr << "memcosim: " << e.diagnostics().size() << " error" << (e.diagnostics().size() == 1 ? "" : "s")
              << " in the input; nothing was run\n";
    return 2;
  } catch (const memcosim::Error& e) {
    std::cerr << "memcosim: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "memcosim: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace memcosim::app

int main(int argc, char** argv) {
  // Numbers are parsed and printed in the C locale whatever the user's is.
  std::setlocale(LC_ALL, "C");
  try {
    return memcosim::app::run_cli(argc, argv);
  } catch (...) {  // setting the commands up failed (out of memory); nothing was run
    std::fputs("memcosim: internal error while setting up the command line\n", stderr);
    return 1;
  }
}
