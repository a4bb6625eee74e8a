#include "regress/regress.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "config/config.hpp"
#include "flow/common.hpp"
#include "flow/task.hpp"
#include "spice/deck.hpp"
#include "spice/emitter.hpp"
#include "spice/runner.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"
#include "util/yaml_diag.hpp"

namespace memcosim::regress {

namespace fs = std::filesystem;

long CaseReport::failed_probes() const {
  long n = 0;
  for (const auto& p : probes) n += !p.passed;
  return n;
}

bool SuiteReport::passed() const {
  for (const auto& c : cases)
    if (!c.passed()) return false;
  return true;
}

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  write_file(p, text, "golden file");
}

config::Config case_config(const Case& c) {
  return config::load_config(c.path_of(c.generated_from.config).string(), c.generated_from.set);
}

// The emitter's netlist for the case's config (the golden netlist's source).
std::string generated_netlist(const Case& c) {
  const config::Config cfg = case_config(c);
  std::ostringstream warnings;
  const auto task = flow::load_task(cfg, warnings);
  return spice::emit(task->circuit(cfg, false, static_cast<std::uint64_t>(c.generated_from.sample)));
}

}  // namespace

std::vector<Case> load_cases(const fs::path& dir_or_file) {
  std::vector<Case> cases;
  std::vector<Diagnostic> problems;
  for (const auto& f : case_files(dir_or_file)) {
    try {
      Case c = load_case(f);
      if (!c.generated_from.config.empty()) {
        const config::Config cfg = case_config(c);
        std::ostringstream warnings;
        (void)flow::load_task(cfg, warnings);
      }
      cases.push_back(std::move(c));
    } catch (const InputError& e) {
      problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
    }
  }
  yamldiag::throw_if_any(std::move(problems));
  return cases;
}

SuiteReport run_regression(const std::vector<Case>& cases, const RegressOptions& options, std::ostream& log) {
  const auto suite_start = std::chrono::steady_clock::now();
  SuiteReport report;
  report.cases.resize(cases.size());
  std::vector<std::string> netlists(cases.size());

  // 1. Golden netlists, and the text each case simulates.
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    CaseReport& r = report.cases[i];
    r.name = c.name;
    r.description = c.description;
    const fs::path netlist_file = c.path_of(c.netlist);
    try {
      if (!c.generated_from.config.empty()) {
        r.netlist_checked = true;
        const std::string generated = generated_netlist(c);
        if (options.update) {
          if (!fs::exists(netlist_file) || read_text(netlist_file) != generated) write_text(netlist_file, generated);
        } else {
          const std::string golden = fs::exists(netlist_file) ? read_text(netlist_file) : std::string();
          r.netlist = diff_netlists(split_lines(golden), split_lines(generated), netlist_file.string(),
                                    "memcosim netlist " + c.generated_from.config + " (now)");
          if (!r.netlist.same) write_text(options.out_dir / c.name / "netlist.diff", r.netlist.unified);
        }
      }
      netlists[i] = spice::read_deck(netlist_file).text();  // the user-netlist policy (spice/deck.hpp)
    } catch (const Error& e) {
      r.error = e.what();
    }
  }

  // 2. Simulations, in worker processes: a crash or hang fails its case only.
  spice::RunnerOptions ro;
  ro.mode = options.in_process ? spice::ExecutionMode::in_process : spice::ExecutionMode::worker_processes;
  ro.pool.workers = options.workers;
  spice::Runner runner(ro);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (!report.cases[i].error.empty()) continue;
    spice::Job job;
    job.id = i;
    job.netlist = netlists[i];
    for (const auto& p : cases[i].probes)
      if (std::find(job.vectors.begin(), job.vectors.end(), p.vector) == job.vectors.end())
        job.vectors.push_back(p.vector);
    job.analysis = cases[i].analysis;
    job.timeout_s = cases[i].timeout;
    runner.submit(std::move(job));
  }
  while (auto result = runner.next()) {
    const Case& c = cases[result->id];
    CaseReport& r = report.cases[result->id];
    r.seconds = result->wall_seconds;
    if (!result->ok()) {
      r.error = "simulation " + std::string(spice::to_string(result->status)) + ": " + result->message;
      continue;
    }
    try {
      const Golden fresh = extract(c, result->plot);
      const std::vector<std::string> header = {
          "memcosim golden waveforms (format: tests/regression/README.md)", "case " + c.name + ": " + c.description,
          "netlist " + c.netlist + ", analysis '" + c.analysis + "'; simulator " + runner.simulator_info().version};
      write_text(options.out_dir / c.name / "actual.golden", format_golden(fresh, header));
      if (options.update) {
        write_text(c.golden_path(), format_golden(fresh, header));
        r.updated = true;
      }
      const Golden golden = options.update ? fresh : read_golden(c.golden_path());
      r.probes = compare(c, golden, result->plot);
    } catch (const Error& e) {
      r.error = e.what();
    }
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    CaseReport& r = report.cases[i];
    if (r.error.empty()) continue;
    r.probes.clear();
    for (const auto& p : cases[i].probes) r.probes.push_back({p.name, false, r.error});
  }

  // 3. Summary.
  long probes = 0, failed = 0;
  for (const auto& r : report.cases) {
    probes += static_cast<long>(r.probes.size());
    failed += r.failed_probes();
    log << (r.passed() ? "PASS " : "FAIL ") << r.name << ": "
        << (r.probes.size() - static_cast<std::size_t>(r.failed_probes())) << "/" << r.probes.size() << " probes";
    if (r.netlist_checked)
      log << (options.update   ? ", golden netlist written"
              : r.netlist.same ? ", netlist unchanged"
                               : ", NETLIST CHANGED");
    if (r.updated) log << ", golden updated";
    log << " (" << fixed3_number(r.seconds) << " s)\n";
    if (!r.error.empty()) log << "  error: " << r.error << "\n";
    if (r.netlist_failed()) {
      log << "  golden netlist differs (+" << r.netlist.added << " -" << r.netlist.removed << " lines) in blocks:";
      for (const auto& b : r.netlist.blocks) log << " [" << b << "]";
      log << "\n" << r.netlist.unified;
    }
    if (r.error.empty())
      for (const auto& p : r.probes)
        if (!p.passed) log << "  probe " << p.probe << ": " << p.message << "\n";
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - suite_start).count();
  log << (report.passed() ? "regress: all " : "regress: FAILED, ") << report.cases.size() << " cases, " << probes
      << " probes, " << failed << " failing (" << fixed3_number(report.seconds) << " s)\n";
  write_text(options.out_dir / "junit.xml", junit_xml(report));
  log << "regress: JUnit XML in " << (options.out_dir / "junit.xml").string() << "\n";
  return report;
}

namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
      case '\t':
        out += static_cast<char>(ch);
        break;
      default:
        out += ch < 0x20 ? ' ' : static_cast<char>(ch);  // not allowed in XML 1.0
    }
  }
  return out;
}

std::string timestamp_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

std::string hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0) return "localhost";
  return buf;
}

}  // namespace

std::string junit_xml(const SuiteReport& report) {
  const std::string stamp = timestamp_now(), host = hostname();
  long tests = 0, failures = 0, errors = 0;
  std::ostringstream suites;
  int id = 0;
  for (const auto& r : report.cases) {
    long t = 0, f = 0, e = 0;
    std::ostringstream cases;
    const double per_probe = r.probes.empty() ? 0.0 : r.seconds / static_cast<double>(r.probes.size());
    if (r.netlist_checked) {
      ++t;
      cases << "    <testcase name=\"golden_netlist\" classname=\"" << xml_escape(r.name) << "\" time=\"0\"";
      if (r.netlist.same) {
        cases << "/>\n";
      } else {
        ++f;
        std::string blocks;
        for (const auto& b : r.netlist.blocks) blocks += (blocks.empty() ? "" : ", ") + b;
        cases << ">\n      <failure type=\"netlist\" message=\"" << xml_escape("golden netlist differs in: " + blocks)
              << "\">" << xml_escape(r.netlist.unified) << "</failure>\n    </testcase>\n";
      }
    }
    for (const auto& p : r.probes) {
      ++t;
      cases << "    <testcase name=\"" << xml_escape(p.probe) << "\" classname=\"" << xml_escape(r.name) << "\" time=\""
            << fixed3_number(per_probe) << "\"";
      if (p.passed) {
        cases << "/>\n";
      } else if (!r.error.empty()) {
        ++e;
        cases << ">\n      <error type=\"simulation\" message=\"" << xml_escape(p.message) << "\">"
              << xml_escape(p.message) << "</error>\n    </testcase>\n";
      } else {
        ++f;
        cases << ">\n      <failure type=\"band\" message=\"" << xml_escape(p.message) << "\">" << xml_escape(p.message)
              << "</failure>\n    </testcase>\n";
      }
    }
    suites << "  <testsuite name=\"" << xml_escape(r.name) << "\" tests=\"" << t << "\" failures=\"" << f
           << "\" errors=\"" << e << "\" skipped=\"0\" time=\"" << fixed3_number(r.seconds) << "\" timestamp=\""
           << stamp << "\" hostname=\"" << xml_escape(host) << "\" id=\"" << id++
           << "\" package=\"memcosim.regress\">\n"
           << "    <properties>\n      <property name=\"description\" value=\"" << xml_escape(r.description)
           << "\"/>\n    </properties>\n"
           << cases.str() << "    <system-out/>\n    <system-err/>\n  </testsuite>\n";
    tests += t;
    failures += f;
    errors += e;
  }
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"memcosim regress\" tests=\"" << tests << "\" failures=\"" << failures << "\" errors=\""
      << errors << "\" time=\"" << fixed3_number(report.seconds) << "\">\n"
      << suites.str() << "</testsuites>\n";
  return out.str();
}

}  // namespace memcosim::regress
