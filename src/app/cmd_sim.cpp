// memcosim sim NETLIST [-o DIR] [--raw|--ascii] [--timeout S] [--in-process]:
// any SPICE netlist through libngspice, every vector of every plot to CSV.
// By default the simulator runs in a worker process, so that even a crash
// inside ngspice ends in a clear message and a non-zero exit status.
//
// The netlist is read with spice::read_deck: includes resolved against the
// including file's folder, and the user-netlist policy (no control commands
// unless asked for) checked on the expanded deck.
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>

#include "app/cli.hpp"
#include "spice/csv.hpp"
#include "spice/deck.hpp"
#include "spice/rawfile.hpp"
#include "spice/runner.hpp"
#include "util/csv.hpp"

namespace memcosim::app {

namespace {

struct SimArgs {
  std::string netlist;
  std::string out = "out/sim";
  bool raw = false, ascii = false, in_process = false, control = false;
  std::string spiceinit = "refuse";
  double timeout = 600;
};

// The last lines the simulator printed, for a crash or exit without words.
std::string tail(const std::vector<std::string>& log, std::size_t n) {
  std::string s;
  for (std::size_t i = log.size() > n ? log.size() - n : 0; i < log.size(); ++i) s += "\n  ngspice: " + log[i];
  return s;
}

// The simulator names lines of the expanded deck ("line 12"); say which
// file and line of the user's that is.
SourceLocation located(const spice::Deck& deck, const std::string& message) {
  static const std::regex line_re(R"(: line ([0-9]+) ")");
  std::smatch m;
  if (std::regex_search(message, m, line_re)) {
    SourceLocation w = deck.where(std::stoi(m[1].str()));
    if (!w.file.empty()) return w;
  }
  return SourceLocation{deck.files.front()};
}

void throw_failure(const spice::Deck& deck, const spice::Result& r) {
  const std::string status(spice::to_string(r.status));
  const std::string& file = deck.files.front();
  switch (r.status) {
    case spice::JobStatus::parse_error:  // a netlist the simulator rejects is bad input
      throw InputError(Diagnostic{located(deck, r.message), "", r.message});
    case spice::JobStatus::crashed:
    case spice::JobStatus::exited:
      throw SimulationError(file + ": the simulator " + status + " (" + r.message +
                            "); its last output:" + tail(r.log, 8));
    default:
      throw SimulationError(file + ": " + status + ": " + r.message);
  }
}

// The .meas/.measure cards of the deck: (analysis, name) in deck order.
std::vector<std::pair<std::string, std::string>> measure_cards(const spice::Deck& deck) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& l : deck.lines) {
    std::istringstream words(l.text);
    std::string card, analysis, name;
    if (!(words >> card >> analysis >> name)) continue;
    for (char& c : card) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (card != ".meas" && card != ".measure") continue;
    for (std::string* w : {&analysis, &name})
      for (char& c : *w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.emplace_back(analysis, name);
  }
  return out;
}

// .meas results, as ngspice prints them after each analysis
// ("Measurements for Transient Analysis", then "name = value ..."; six
// significant digits, the ngspice program's own precision). Printed and
// written to DIR/measurements.csv; a measurement ngspice could not make is
// reported as failed (its warning is in DIR/ngspice.log).
void report_measurements(const spice::Deck& deck, const std::vector<std::string>& log,
                         const std::filesystem::path& out) {
  const auto cards = measure_cards(deck);
  if (cards.empty()) return;
  static const std::regex result_re(R"(^\s*([^\s=]+)\s*=\s*([-+0-9.eE]+)(\s.*)?$)");
  std::map<std::string, std::pair<std::string, std::string>> found;  // name -> (analysis title, value)
  std::string analysis;
  for (const std::string& line : log) {
    if (line.rfind("Measurements for ", 0) == 0) {
      analysis = line.substr(17);
      continue;
    }
    std::smatch m;
    if (!analysis.empty() && std::regex_match(line, m, result_re)) {
      std::string name = m[1].str();
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      found[name] = {analysis, m[2].str()};
    }
  }
  CsvWriter csv(out / "measurements.csv", {"name", "analysis", "value"});
  std::cout << "measurements:\n";
  for (const auto& [kind, name] : cards) {
    if (const auto it = found.find(name); it != found.end()) {
      std::cout << "  " << name << " = " << it->second.second << " (" << it->second.first << ")\n";
      csv.row(std::vector<std::string>{name, kind, it->second.second});
    } else {
      std::cout << "  " << name << " failed (see " << (out / "ngspice.log").string() << ")\n";
      csv.row(std::vector<std::string>{name, kind, "failed"});
    }
  }
  std::cout << "wrote " << (out / "measurements.csv").string() << "\n";
}

// The simulator's warnings, which would otherwise only be in its log.
void show_warnings(const std::vector<std::string>& log) {
  for (const std::string& line : log) {
    std::string l = line;
    for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l.find("warning") != std::string::npos || l.find("failed") != std::string::npos)
      std::cerr << "ngspice: " << line << "\n";
  }
}

void run_sim(const SimArgs& a) {
  const spice::Deck deck = spice::read_deck(a.netlist, {.allow_control = a.control});
  const std::filesystem::path out(a.out);
  spice::Job job;
  job.netlist = deck.text();
  job.all_plots = true;
  job.timeout_s = a.timeout;
  job.control_commands = a.control && deck.has_control();
  const bool job_control = job.control_commands;
  spice::RunnerOptions ro;
  ro.mode = a.in_process ? spice::ExecutionMode::in_process : spice::ExecutionMode::worker_processes;
  ro.pool.workers = 1;
  ro.pool.session.user_spiceinit =
      a.spiceinit == "allow" ? spice::UserInitPolicy::allow : spice::UserInitPolicy::refuse;
  std::filesystem::create_directories(out);
  spice::Runner runner(ro);
  runner.submit(std::move(job));
  const spice::Result r = *runner.next();
  {
    std::ofstream log_file(out / "ngspice.log");  // everything the simulator printed
    for (const std::string& line : r.log) log_file << line << "\n";
  }
  if (job_control) {  // what the user's control commands printed (print, echo, meas)
    for (const std::string& line : r.log) std::cout << "ngspice: " << line << "\n";
  } else {
    show_warnings(r.log);
  }
  if (!r.ok()) throw_failure(deck, r);
  for (const auto& f : spice::write_plots_csv(r.plots, out)) std::cout << "wrote " << f.string() << "\n";
  if (a.raw || a.ascii) {
    // Every analysis, as `ngspice -b -r FILE` writes them.
    spice::write_raw_file(r.plots, out / "sim.raw", a.ascii);
    std::cout << "wrote " << (out / "sim.raw").string() << "\n";
  }
  report_measurements(deck, r.log, out);
}

}  // namespace

void add_sim_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("sim", "Run any SPICE netlist through libngspice; all vectors to CSV (and a raw file)");
  auto a = std::make_shared<SimArgs>();
  cmd->add_option("netlist", a->netlist, "SPICE netlist (its .tran/.ac/.op/.dc analyses are run)")->required();
  cmd->add_option("-o,--output", a->out, "Results folder (default: out/sim)")->check(NonEmptyPath)->check(NonEmptyPath);
  cmd->add_flag("--raw", a->raw, "Also write every analysis to DIR/sim.raw, as `ngspice -b -r` does (binary)");
  cmd->add_flag("--ascii", a->ascii, "Write that raw file as ASCII");
  cmd->add_flag("--in-process", a->in_process, "Simulate in this process (no protection against simulator crashes)");
  cmd->add_option("--timeout", a->timeout, "Seconds before the analysis is halted")->check(FinitePositive);
  cmd->add_flag("--control", a->control,
                "Run the netlist's .control block (and its included files'): it can run programs and write files, "
                "so only for netlists you trust; in a worker process, killed after --timeout");
  cmd->add_option("--spiceinit", a->spiceinit,
                  "refuse (default): stop if ngspice would read ./.spiceinit or ~/.spiceinit, which can change "
                  "results; allow: let it")
      ->check(CLI::IsMember({"refuse", "allow"}));
  cmd->callback([a] {
    if (a->control && a->in_process)
      throw InputError(Diagnostic{{},
                                  "--control",
                                  "runs only in a worker process (not with --in-process): "
                                  "control commands are not bound by the analysis timeout"});
    run_sim(*a);
  });
}

}  // namespace memcosim::app
