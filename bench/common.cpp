// Measurement, child processes and the markdown report of memcosim_bench.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench.hpp"

extern char** environ;

namespace memcosim::bench {

Stats stats_of(std::vector<double> v) {
  Stats s;
  s.n = v.size();
  if (v.empty()) {
    s.median = s.min = s.max = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  const std::size_t m = v.size() / 2;
  s.median = v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
  return s;
}

namespace {
double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + 1e-6 * static_cast<double>(tv.tv_usec); }
double cpu_of(const rusage& ru) { return seconds(ru.ru_utime) + seconds(ru.ru_stime); }
}  // namespace

double process_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return cpu_of(ru);
}

Sample measure(const std::function<void()>& f) {
  const double c0 = process_cpu_seconds();
  const auto t0 = Clock::now();
  f();
  Sample s;
  s.wall = std::chrono::duration<double>(Clock::now() - t0).count();
  s.cpu = process_cpu_seconds() - c0;
  return s;
}

std::vector<Series> alternate(int runs, const std::vector<std::function<Sample()>>& variants, std::ostream* progress,
                              const std::string& label) {
  std::vector<Series> out(variants.size());
  for (int r = 0; r < runs; ++r) {
    for (std::size_t v = 0; v < variants.size(); ++v) out[v].add(variants[v]());
    if (progress && (r + 1 == runs || (r + 1) % std::max(1, runs / 5) == 0))
      *progress << "  " << label << ": " << (r + 1) << "/" << runs << " rounds\n" << std::flush;
  }
  return out;
}

std::string ProcessResult::describe() const {
  if (signal) return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "exit status " + std::to_string(exit_code);
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& o) {
  if (argv.empty()) throw std::invalid_argument("run_process: no command");
  std::vector<std::string> env_storage;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const std::string& add : o.env) replaced = replaced || add.substr(0, add.find('=')) == name;
    if (!replaced) env_storage.push_back(entry);
  }
  for (const std::string& add : o.env) env_storage.push_back(add);
  std::vector<char*> envp, args;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  const std::string out = o.output.empty() ? std::string("/dev/null") : o.output.string();
  const std::string cwd = o.cwd.string();
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  posix_spawnattr_setpgroup(&attr, 0);  // its own process group, so a timeout ends all of it
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);

  const auto t0 = Clock::now();
  pid_t pid = 0;
  const int rc = argv[0].find('/') == std::string::npos
                     ? ::posix_spawnp(&pid, argv[0].c_str(), &fa, &attr, args.data(), envp.data())
                     : ::posix_spawn(&pid, argv[0].c_str(), &fa, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));

  ProcessResult r;
  int status = 0;
  rusage ru{};
  bool killed = false;
  for (;;) {
    const pid_t w = ::wait4(pid, &status, o.timeout > 0 ? WNOHANG : 0, &ru);
    if (w == pid) break;
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) throw std::runtime_error("wait4 failed for " + argv[0] + ": " + std::strerror(errno));
    if (!killed && std::chrono::duration<double>(Clock::now() - t0).count() > o.timeout) {
      ::kill(-pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (killed) ::kill(-pid, SIGKILL);  // anything of its group still alive
  r.wall = std::chrono::duration<double>(Clock::now() - t0).count();
  r.cpu = cpu_of(ru);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

// ---- report -------------------------------------------------------------------------

nlohmann::json Report::to_json() const {
  nlohmann::json j;
  j["summary"] = nlohmann::json::array();
  for (const auto& s : summary)
    j["summary"].push_back({{"comparison", s.comparison},
                            {"case", s.case_name},
                            {"result", s.result},
                            {"goal", s.goal},
                            {"verdict", s.verdict}});
  j["sections"] = nlohmann::json::array();
  for (const auto& s : sections)
    j["sections"].push_back(
        {{"title", s.title}, {"notes", s.notes}, {"header", s.header}, {"rows", s.rows}, {"after", s.after}});
  return j;
}

Report Report::from_json(const nlohmann::json& j) {
  Report r;
  for (const auto& s : j.at("summary"))
    r.summary.push_back({s.at("comparison"), s.at("case"), s.at("result"), s.at("goal"), s.at("verdict")});
  for (const auto& s : j.at("sections")) {
    Section sec;
    sec.title = s.at("title");
    sec.notes = s.at("notes").get<std::vector<std::string>>();
    sec.header = s.at("header").get<std::vector<std::string>>();
    sec.rows = s.at("rows").get<std::vector<std::vector<std::string>>>();
    sec.after = s.at("after").get<std::vector<std::string>>();
    r.sections.push_back(std::move(sec));
  }
  return r;
}

void Report::append(const Report& other) {
  summary.insert(summary.end(), other.summary.begin(), other.summary.end());
  sections.insert(sections.end(), other.sections.begin(), other.sections.end());
}

std::string markdown_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  auto cell = [](std::string s) {
    for (std::size_t p = 0; (p = s.find('|', p)) != std::string::npos; p += 2) s.replace(p, 1, "\\|");
    return s;
  };
  std::ostringstream o;
  o << "|";
  for (const auto& h : header) o << " " << cell(h) << " |";
  o << "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) o << "---|";
  o << "\n";
  for (const auto& row : rows) {
    o << "|";
    for (std::size_t i = 0; i < header.size(); ++i) o << " " << (i < row.size() ? cell(row[i]) : std::string()) << " |";
    o << "\n";
  }
  return o.str();
}

// ---- formatting -------------------------------------------------------------------------

std::string fmt(const char* format, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, format);
  std::vsnprintf(buf, sizeof buf, format, ap);
  va_end(ap);
  return buf;
}

std::string fmt_time(double s) {
  if (!std::isfinite(s)) return "-";
  const double a = std::abs(s);
  if (a >= 100) return fmt("%.0f s", s);
  if (a >= 1) return fmt("%.3g s", s);
  if (a >= 1e-3) return fmt("%.3g ms", s * 1e3);
  return fmt("%.3g µs", s * 1e6);
}

std::string fmt_stats(const Stats& s) {
  if (s.n == 0) return "-";
  if (s.n == 1) return fmt_time(s.median);
  return fmt_time(s.median) + " (" + fmt_time(s.min) + " – " + fmt_time(s.max) + ")";
}

std::string fmt_ratio(double r) { return std::isfinite(r) ? fmt(r >= 10 ? "%.0fx" : "%.2fx", r) : "-"; }
std::string fmt_percent(double f) { return std::isfinite(f) ? fmt("%.2g %%", 100 * f) : "-"; }

// ---- shared helpers ------------------------------------------------------------------------

std::string tail_of_file(const fs::path& p, std::size_t max_chars) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max_chars ? "..." + s.substr(s.size() - max_chars) : s;
}

double json_number(const nlohmann::json& j, const std::string& dotted) {
  const nlohmann::json* at = &j;
  std::size_t pos = 0;
  while (pos <= dotted.size()) {
    const std::size_t dot = dotted.find('.', pos);
    const std::string key = dotted.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (!at->is_object() || !at->contains(key)) return std::numeric_limits<double>::quiet_NaN();
    at = &(*at)[key];
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return at->is_number() ? at->get<double>() : std::numeric_limits<double>::quiet_NaN();
}

RunOutcome run_memcosim(const Settings& s, const std::string& config, const std::vector<std::string>& overrides, long n,
                        const fs::path& out_dir, double timeout) {
  std::vector<std::string> argv = {s.memcosim.string(), "run", config, "-q", "-o", out_dir.string()};
  if (n > 0) {
    argv.push_back("-n");
    argv.push_back(std::to_string(n));
  }
  for (const auto& o : overrides) {
    argv.push_back("--set");
    argv.push_back(o);
  }
  fs::create_directories(out_dir);
  ProcessOptions po;
  po.cwd = s.root;
  po.output = out_dir / "run.log";
  po.timeout = timeout;
  fs::remove(out_dir / "summary.json");
  RunOutcome r;
  r.process = run_process(argv, po);
  const fs::path summary = out_dir / "summary.json";
  if (!fs::exists(summary))
    throw std::runtime_error("memcosim run " + config + " (" + r.process.describe() + ") wrote no summary.json:\n" +
                             tail_of_file(po.output));
  std::ifstream in(summary);
  r.summary = nlohmann::json::parse(in);
  return r;
}

}  // namespace memcosim::bench
