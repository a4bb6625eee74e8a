// memcosim_bench: see bench.hpp. scripts/bench.sh builds and runs it.
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <CLI/CLI.hpp>

#include "bench.hpp"

using namespace memcosim::bench;

namespace {

struct Comparison {
  const char* id;
  const char* what;
  void (*run)(const Settings&, Report&);
  // Expected wall time in seconds on 2 quiet cores at the default counts,
  // full and --quick (the driver prints the sum at the start; other --runs,
  // --sizes or --widths change it). Full: the default counts times the unit
  // costs measured on the 2-core development machine in November 2026 (the
  // ring's transients: ideal 0.1 s, behavioural 1 s, transistor 3 s, reverse
  // SDE 10 s; the crossbar factorisations of bench/solver.cpp; the
  // scaling widths of bench/scaling.cpp), rounded up. --quick: measured
  // (54 s in all at load average 3).
  double full_s, quick_s;
};

const std::vector<Comparison>& comparisons() {
  static const std::vector<Comparison> all = {
      {"spice", "in-process libngspice vs the ngspice program", bench_spice, 420, 10},
      {"overhead", "framework overhead of memcosim run", bench_overhead, 360, 9},
      {"solver", "KLU vs Sparse on crossbars", bench_solver, 540, 8},
      {"sampler", "reference sampler vs NumPy", bench_sampler, 60, 2},
      {"study", "study throughput -j 1 vs -j 2", bench_study, 300, 6},
      {"memory", "resident memory over 1,000 simulations", bench_memory, 210, 21},
      {"scaling", "wall time against the hidden width", bench_scaling, 450, 1},
  };
  return all;
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string load_average() {
  std::istringstream in(read_first_line("/proc/loadavg"));
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "?";
}

std::string ngspice_version() {
  FILE* p = ::popen("ngspice --version 2>/dev/null", "r");
  if (!p) return "?";
  char buf[256];
  std::string out = "?";
  while (std::fgets(buf, sizeof buf, p)) {
    std::string line = buf;
    if (const auto at = line.find("ngspice-"); at != std::string::npos) {
      out = line.substr(at, line.find(' ', at) - at);
      break;
    }
  }
  ::pclose(p);
  return out;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return buf;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "memcosim benchmarks: each comparison side by side in one process run (A B A B ...), "
      "a markdown table of medians (min - max) and ratios"};
  std::string only, out_dir = "out/bench", json_out, root = MEMCOSIM_SOURCE_DIR, memcosim = MEMCOSIM_CLI;
  Settings s;
  std::string widths, sizes, op_sizes;
  app.add_option("--only", only,
                 "Comparisons to run, comma-separated: spice,overhead,solver,sampler,study,memory,scaling");
  app.add_flag("--quick", s.quick, "Smoke test: the fewest runs and the smallest cases (figures not meaningful)");
  app.add_option("--runs", s.runs, "Runs per variant for every comparison (default: each comparison's own)")
      ->check(CLI::PositiveNumber);
  app.add_option("--runs-transistor", s.runs_transistor, "spice: runs per variant at transistor level (default 10)")
      ->check(CLI::PositiveNumber);
  app.add_option("--widths", widths, "scaling: hidden widths (default 14,32,64,128; 14,32,64 at transistor level)");
  app.add_option("--sizes", sizes, "solver: crossbar sizes simulated in a transient (default 16,32,64)");
  app.add_option("--op-sizes", op_sizes,
                 "solver: crossbar sizes of which only the operating point is solved (default 32,64,128)");
  app.add_option("--op-timeout", s.op_timeout, "solver: seconds an operating point may take (default 240)");
  app.add_option("--scaling-timeout", s.scaling_timeout, "scaling: seconds one transient may take (default 900)");
  app.add_option("-o,--output", out_dir, "Folder of bench.md, bench.json and the scratch files (default out/bench)");
  app.add_option("--root", root, "Source tree (configs/, models/, scripts/)");
  app.add_option("--memcosim", memcosim, "The memcosim executable");
  app.add_option("--python", s.python, "Python with numpy and yaml (default /usr/bin/python3)");
  app.add_option("--json", json_out, "(internal) run one comparison and write its report as JSON here");
  bool merge = false;
  app.add_flag("--merge", merge,
               "Also put in the table the comparisons not run now, from an earlier run's OUTPUT/work/<id>.json "
               "(each keeps its own load figures)");
  CLI11_PARSE(app, argc, argv);

  s.root = fs::absolute(root);
  s.memcosim = fs::absolute(memcosim);
  s.log = &std::cerr;
  for (const auto& w : split(widths)) s.widths.push_back(std::stoi(w));
  for (const auto& z : split(sizes)) s.sizes.push_back(std::stoi(z));
  for (const auto& z : split(op_sizes)) s.op_sizes.push_back(std::stoi(z));
  const fs::path out = fs::absolute(out_dir);
  fs::create_directories(out);

  std::vector<const Comparison*> selected;
  const std::vector<std::string> wanted = split(only);
  for (const auto& c : comparisons())
    if (wanted.empty() || std::find(wanted.begin(), wanted.end(), c.id) != wanted.end()) selected.push_back(&c);
  for (const auto& id : wanted) {
    bool known = false;
    for (const auto& c : comparisons()) known = known || id == c.id;
    if (!known) {
      std::cerr << "memcosim_bench: unknown comparison '" << id
                << "' (spice, overhead, solver, sampler, study, memory, scaling)\n";
      return 2;
    }
  }

  // A child: one comparison, its report as JSON.
  if (!json_out.empty()) {
    if (selected.size() != 1) {
      std::cerr << "memcosim_bench: --json needs exactly one comparison in --only\n";
      return 2;
    }
    s.work = out / "work" / selected[0]->id;
    fs::create_directories(s.work);
    Report r;
    const std::string before = load_average(), started = utc_now();
    const auto t0 = Clock::now();
    try {
      selected[0]->run(s, r);
    } catch (const std::exception& e) {
      std::cerr << "memcosim_bench " << selected[0]->id << ": " << e.what() << "\n";
      return 1;
    }
    nlohmann::json j = r.to_json();
    j["run"] = {{"load_before", before},
                {"load_after", load_average()},
                {"started", started},
                {"seconds", std::chrono::duration<double>(Clock::now() - t0).count()}};
    std::ofstream(json_out) << j.dump(1) << "\n";
    return 0;
  }

  // The driver: each comparison in a child process of its own.
  {
    double total = 0;
    for (const Comparison* c : selected) total += s.quick ? c->quick_s : c->full_s;
    const bool custom = s.runs > 0 || s.runs_transistor > 0 || !widths.empty() || !sizes.empty() || !op_sizes.empty();
    std::cerr << "memcosim_bench: " << selected.size() << " comparison(s), estimated duration "
              << (total < 120 ? fmt("%.0f s", total) : fmt("%.0f min", total / 60)) << " on 2 quiet cores"
              << (custom ? " at the default counts (--runs/--sizes/--op-sizes/--widths change it)" : "")
              << "; more under load\n"
              << std::flush;
  }
  Report all;
  std::vector<std::vector<std::string>> loads;
  auto load_row = [&](const Comparison& c, const nlohmann::json& j, const std::string& note) {
    const auto& r = j.at("run");
    loads.push_back({c.id, r.value("started", std::string("?")) + note, r.value("load_before", std::string("?")),
                     r.value("load_after", std::string("?")), fmt_time(r.value("seconds", 0.0))});
  };
  for (const auto& c : comparisons()) {
    const bool now = std::find(selected.begin(), selected.end(), &c) != selected.end();
    const fs::path json = out / ("work/" + std::string(c.id) + ".json");
    if (now || !merge || !fs::exists(json)) continue;
    std::ifstream in(json);
    const auto j = nlohmann::json::parse(in);
    all.append(Report::from_json(j));
    if (j.contains("run")) load_row(c, j, " (earlier run)");
  }
  for (const Comparison* c : selected) {
    std::cerr << "== " << c->id << ": " << c->what << " (load average " << load_average() << ")\n" << std::flush;
    const std::string before = load_average();
    const fs::path json = out / ("work/" + std::string(c->id) + ".json");
    fs::create_directories(json.parent_path());
    fs::remove(json);
    std::vector<std::string> args = {fs::read_symlink("/proc/self/exe").string(),
                                     "--only",
                                     c->id,
                                     "--json",
                                     json.string(),
                                     "-o",
                                     out.string(),
                                     "--root",
                                     s.root.string(),
                                     "--memcosim",
                                     s.memcosim.string(),
                                     "--python",
                                     s.python.string()};
    if (s.quick) args.push_back("--quick");
    if (s.runs > 0) args.insert(args.end(), {"--runs", std::to_string(s.runs)});
    if (s.runs_transistor > 0) args.insert(args.end(), {"--runs-transistor", std::to_string(s.runs_transistor)});
    if (!widths.empty()) args.insert(args.end(), {"--widths", widths});
    if (!sizes.empty()) args.insert(args.end(), {"--sizes", sizes});
    if (!op_sizes.empty()) args.insert(args.end(), {"--op-sizes", op_sizes});
    if (s.op_timeout > 0) args.insert(args.end(), {"--op-timeout", std::to_string(s.op_timeout)});
    if (s.scaling_timeout > 0) args.insert(args.end(), {"--scaling-timeout", std::to_string(s.scaling_timeout)});
    ProcessOptions po;
    po.output = out / ("work/" + std::string(c->id) + ".log");
    const ProcessResult pr = run_process(args, po);
    if (pr.ok() && fs::exists(json)) {
      std::ifstream in(json);
      const auto j = nlohmann::json::parse(in);
      all.append(Report::from_json(j));
      load_row(*c, j, "");
      std::cerr << tail_of_file(po.output, 600) << "   done in " << fmt_time(pr.wall) << "\n";
    } else {
      const std::string tail = tail_of_file(po.output, 1500);
      std::cerr << "   FAILED (" << pr.describe() << "):\n" << tail << "\n";
      all.summary.push_back(
          {c->id, "-", "FAILED: " + pr.describe() + " (log: " + po.output.string() + ")", "", "NOT met"});
      loads.push_back({c->id, utc_now(), before, load_average(), fmt_time(pr.wall)});
    }
  }

  // In the order of the comparisons, whichever run they came from.
  std::stable_sort(all.summary.begin(), all.summary.end(),
                   [](const SummaryRow& a, const SummaryRow& b) { return a.comparison < b.comparison; });
  std::stable_sort(all.sections.begin(), all.sections.end(),
                   [](const Section& a, const Section& b) { return a.title < b.title; });
  std::ostringstream md;
  md << "# memcosim benchmarks\n\n";
  md << "Measured " << utc_now() << " on " << ::sysconf(_SC_NPROCESSORS_ONLN) << " cores (" << cpu_model() << "), "
     << ngspice_version() << (s.quick ? "; **--quick: smoke-test counts, the figures mean nothing**" : "") << ".\n";
  md << "Command: `scripts/bench.sh";
  for (int i = 1; i < argc; ++i) md << " " << argv[i];
  md << "`. Each comparison ran in one process, its variants alternating (A B A B ...); medians with (min – max).\n\n";
  md << "## Summary\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : all.summary) rows.push_back({r.comparison, r.case_name, r.result, r.goal, r.verdict});
  md << markdown_table({"comparison", "case", "measured", "goal", "verdict"}, rows) << "\n";
  md << "Load average (1, 5, 15 min) before and after each comparison:\n\n"
     << markdown_table({"comparison", "started", "load before", "load after", "took"}, loads) << "\n";
  for (const auto& sec : all.sections) {
    md << "## " << sec.title << "\n\n";
    for (const auto& n : sec.notes) md << n << "\n\n";
    if (!sec.header.empty()) md << markdown_table(sec.header, sec.rows) << "\n";
    for (const auto& n : sec.after) md << n << "\n\n";
  }
  std::ofstream(out / "bench.md") << md.str();
  std::ofstream(out / "bench.json") << all.to_json().dump(1) << "\n";
  std::cout << md.str();
  std::cerr << "wrote " << (out / "bench.md").string() << "\n";
  bool failed = false;
  for (const auto& r : all.summary) failed = failed || r.result.rfind("FAILED", 0) == 0;
  return failed ? 1 : 0;
}
