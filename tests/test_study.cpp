// What-if studies: study files and their expansion, located errors, the
// results database, and `memcosim sweep` end to end: resuming after kill -9,
// crashing and hanging jobs, and mpirun against -j 2.
//
// The databases are read back with the sqlite3 command-line shell, not with
// the code under test.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "study/outcome.hpp"
#include "study/progress.hpp"
#include "study/store.hpp"
#include "study/study.hpp"
#include "support.hpp"

extern char** environ;

using namespace memcosim::test;
namespace st = memcosim::study;

namespace {

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

// A study file in dir whose base config is the shipped ring config.
std::string study_text(const std::string& body) {
  return "config: " + source_path("configs/ring.yaml").string() + "\n" + body;
}

// Runs a shell command from the repository root; its exit status and output.
CliResult run_shell(const std::string& command) {
  TempDir tmp("sh");
  const std::string cmd = "cd '" + std::string(MEMCOSIM_SOURCE_DIR) + "' && " + command + " > '" +
                          (tmp / "out").string() + "' 2> '" + (tmp / "err").string() + "'";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(tmp / "out");
  r.err = read_text(tmp / "err");
  return r;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// sqlite3's answer to one query, rows separated by newlines, columns by '|'.
std::string sql(const fs::path& db, const std::string& query) {
  const auto r = run_shell("sqlite3 " + shell_quote(db.string()) + " " + shell_quote(query));
  INFO(query << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}
long sql_count(const fs::path& db, const std::string& query) { return std::stol(sql(db, query)); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// Processes whose command line mentions `needle` (job processes of a folder).
std::vector<int> processes_mentioning(const std::string& needle) {
  std::vector<int> pids;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(needle) != std::string::npos && std::stoi(name) != ::getpid()) pids.push_back(std::stoi(name));
  }
  return pids;
}

// Waits up to `seconds` for no process to mention needle.
bool all_gone(const std::string& needle, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (processes_mentioning(needle).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return processes_mentioning(needle).empty();
}

// `memcosim args...` started in the background (stdout+stderr to log).
pid_t spawn_cli(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> all = {MEMCOSIM_CLI};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, MEMCOSIM_CLI, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(rc == 0);
  return pid;
}

const std::string kTiny = "tests/data/study/tiny.yaml";

// Metrics that are results (not timings or paths) of the CSV `results --csv` prints, by job index.
std::map<long, std::map<std::string, std::string>> result_columns(const std::string& csv) {
  const auto rows = lines_of(csv);
  REQUIRE(!rows.empty());
  auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
      if (c == '"')
        quoted = !quoted;
      else if (c == ',' && !quoted) {
        cells.push_back(cell);
        cell.clear();
      } else
        cell += c;
    }
    cells.push_back(cell);
    return cells;
  };
  const auto header = split(rows[0]);
  std::map<long, std::map<std::string, std::string>> out;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto cells = split(rows[i]);
    REQUIRE(cells.size() == header.size());
    const long index = std::stol(cells[0]);
    for (std::size_t k = 0; k < header.size(); ++k) {
      const std::string& h = header[k];
      if (h.rfind("timing.", 0) == 0 || h == "wall_seconds" || h == "cpu_seconds" || h == "worker" ||
          h == "started_at" || h == "finished_at" || h == "output_dir" || h == "log_file" || h == "config")
        continue;
      out[index][h] = cells[k];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("study: grid x zip x corners x draws expand in order, with the values as written", "[study]") {
  TempDir dir("study_expand");
  write_file(dir / "s.yaml", study_text(R"(
name: expand
set: {simulation.n: 4}
grid:
  circuit.opamp.gbw: [1meg, 10meg]
  circuit.opamp.a0: [1k, 10k, 100k]
zip:
  circuit.integrator.r: [100k, 50k]
  circuit.integrator.c: [10n, 20n]
corners:
  supply:
    nominal: {}
    low: {circuit.supply.vdd: 0.81, circuit.supply.vss: -0.81}
)"));
  std::ostringstream warn;
  const st::Study s = st::load_study((dir / "s.yaml").string(), warn, false);
  REQUIRE(s.jobs.size() == 2 * 3 * 2 * 2);
  CHECK(s.parameter_names == std::vector<std::string>{"circuit.opamp.gbw", "circuit.opamp.a0", "circuit.integrator.r",
                                                      "circuit.integrator.c", "supply"});
  // By hand: the first key varies slowest, the corners fastest.
  std::vector<std::string> expected;
  for (const char* gbw : {"1meg", "10meg"})
    for (const char* a0 : {"1k", "10k", "100k"})
      for (int z = 0; z < 2; ++z)
        for (const char* corner : {"nominal", "low"})
          expected.push_back(std::string("gbw=") + gbw + " a0=" + a0 + " r=" + (z ? "50k" : "100k") +
                             " c=" + (z ? "20n" : "10n") + " supply=" + corner);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(s.jobs[i].index == static_cast<long>(i));
    CHECK(s.jobs[i].label() == expected[i]);
  }
  // Overrides: set first, then the factors; a corner's own keys.
  const auto args = s.jobs[3].override_args();
  CHECK(args == std::vector<std::string>{"simulation.n=4", "circuit.opamp.gbw=1meg", "circuit.opamp.a0=1k",
                                         "circuit.integrator.r=50k", "circuit.integrator.c=20n",
                                         "circuit.supply.vdd=0.81", "circuit.supply.vss=-0.81"});
  CHECK(s.jobs[3].parameters[0].number == Approx(1e6));
  CHECK_FALSE(s.jobs[3].parameters[4].number.has_value());
  // Defaults: name, timeout, plot axes = the first two parameters.
  CHECK(s.timeout == 3600);
  CHECK(s.plot.x == "circuit.opamp.gbw");
  CHECK(s.plot.series == "circuit.opamp.a0");
}

TEST_CASE("study: Monte Carlo draws follow their distributions and do not move when draws are added", "[study]") {
  TempDir dir("study_mc");
  auto study = [&](int draws) {
    write_file(dir / "mc.yaml", study_text("monte_carlo:\n  draws: " + std::to_string(draws) + R"(
  seed: 7
  vary:
    circuit.opamp.offset: {normal: [1m, 2m]}
    circuit.crossbar.programming_error: {uniform: [0.01, 0.03]}
    circuit.integrator.c: {lognormal: [10n, 0.1]}
    circuit.opamp.a0: {choice: [1k, 10k, 100k]}
    seed: {sequence: 100}
)"));
    std::ostringstream warn;
    return st::load_study((dir / "mc.yaml").string(), warn, false);
  };
  const st::Study big = study(2000);
  REQUIRE(big.jobs.size() == 2000);
  auto values = [&](std::size_t p) {
    std::vector<double> v;
    for (const auto& j : big.jobs) v.push_back(*j.parameters[p].number);
    return v;
  };
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
  };
  auto sd = [&](const std::vector<double>& v) {
    const double m = mean(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return std::sqrt(s / static_cast<double>(v.size() - 1));
  };
  // Parameters: draw, offset, programming_error, c, a0, seed.
  const auto offset = values(1), error = values(2), c = values(3), a0 = values(4), seed = values(5);
  // Normal(1m, 2m): the mean within 4 standard errors, the sd within 10 %.
  CHECK(std::abs(mean(offset) - 1e-3) < 4 * 2e-3 / std::sqrt(2000.0));
  CHECK(sd(offset) == Approx(2e-3).epsilon(0.1));
  // Uniform(0.01, 0.03): inside, mean 0.02, sd (b - a) / sqrt(12).
  CHECK(*std::min_element(error.begin(), error.end()) >= 0.01);
  CHECK(*std::max_element(error.begin(), error.end()) < 0.03);
  CHECK(std::abs(mean(error) - 0.02) < 4 * 0.02 / std::sqrt(12.0 * 2000.0));
  CHECK(sd(error) == Approx(0.02 / std::sqrt(12.0)).epsilon(0.1));
  // Lognormal(median 10n, sigma 0.1): half of the draws below the median.
  const auto below = std::count_if(c.begin(), c.end(), [](double x) { return x < 10e-9; });
  CHECK(std::abs(static_cast<double>(below) - 1000.0) < 4 * std::sqrt(500.0));
  std::vector<double> logs;
  for (double x : c) logs.push_back(std::log(x));
  CHECK(sd(logs) == Approx(0.1).epsilon(0.1));
  // Choice: only the listed values, each about a third of the time.
  std::map<double, int> counts;
  for (double x : a0) ++counts[x];
  CHECK(counts.size() == 3);
  for (double v : {1e3, 1e4, 1e5}) CHECK(std::abs(counts[v] - 666.7) < 4 * std::sqrt(2000.0 * (1.0 / 3) * (2.0 / 3)));
  // Sequence: 100, 101, ...
  for (std::size_t d = 0; d < seed.size(); ++d) REQUIRE(seed[d] == 100.0 + static_cast<double>(d));
  // Fewer draws: the same first ones (a study can grow without rerunning).
  const st::Study small = study(5);
  for (std::size_t d = 0; d < 5; ++d) CHECK(small.jobs[d].override_args() == big.jobs[d].override_args());
}

TEST_CASE("study: mistakes in a study file are reported at their line, every one before anything runs", "[study]") {
  const auto r = run_cli("sweep tests/data/study/bad.yaml -o /nonexistent/never");
  INFO(r.err);
  CHECK(r.exit_code == 2);
  // A value of a grid that its config rejects: at the value, with its job.
  CHECK_THAT(r.err, Catch::Contains("bad.yaml:7:29: circuit.opamp.gbw: must be > 0 (got -1) (in 2 jobs, e.g. job 2: "
                                    "gbw=-1 programing_error=0)"));
  // An unknown config key: at the key, with the config's suggestion.
  CHECK_THAT(r.err,
             Catch::Contains("bad.yaml:8:3: circuit.crossbar.programing_error: unknown key 'programing_error'; did "
                             "you mean 'circuit.crossbar.programming_error'? (in every job)"));
  // A study key.
  CHECK_THAT(r.err, Catch::Contains("bad.yaml:10:6: plot.x: 'circuit.opamp.gwb' is not a parameter of this study; did "
                                    "you mean 'circuit.opamp.gbw'?"));
  CHECK_THAT(r.err, Catch::Contains("3 errors in the input; nothing was run"));

  const auto t = run_cli("sweep tests/data/study/typo.yaml --dry-run");
  INFO(t.err);
  CHECK(t.exit_code == 2);
  CHECK_THAT(t.err, Catch::Contains("typo.yaml:3:1: gird: unknown key 'gird'; did you mean 'grid'?"));
  CHECK_THAT(t.err,
             Catch::Contains("typo.yaml:8:28: monte_carlo.vary.circuit.opamp.offset.gaussian: unknown key 'gaussian'"));
  CHECK_THAT(t.err, Catch::Contains("2 errors in the input"));

  // Two jobs with one config.
  TempDir dir("study_dup");
  write_file(dir / "dup.yaml", study_text("grid:\n  circuit.opamp.gbw: [1meg, 1e6]\n"));
  const auto d = run_cli("sweep " + (dir / "dup.yaml").string() + " --dry-run");
  CHECK(d.exit_code == 2);
  CHECK_THAT(d.err, Catch::Contains("dup.yaml:3:29: job 1 (gbw=1e6) resolves to the same config as job 0 (gbw=1meg)"));
}

TEST_CASE("study: the shipped GBW x programming-error study is valid and has at least 16 jobs", "[study]") {
  const auto r = run_cli("sweep configs/study_gbw_noise.yaml --dry-run");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto jobs = std::count(r.out.begin(), r.out.end(), '\n') - 1;
  CHECK(jobs >= 16);
  CHECK_THAT(r.out, Catch::Contains("gbw=") && Catch::Contains("programming_error="));
}

TEST_CASE("study: summaries flatten to dotted keys", "[study]") {
  const auto j =
      nlohmann::json::parse(R"({"a": {"b": 1, "c": [2, 3], "d": {"e": "x"}}, "f": true, "g": [1, 2, 3, 4]})");
  const auto f = st::flatten(j, 3);
  CHECK(f == nlohmann::json::parse(R"({"a.b": 1, "a.c[0]": 2, "a.c[1]": 3, "a.d.e": "x", "f": true, "g.length": 4})"));
  CHECK(st::Progress::duration(5) == "5s");
  CHECK(st::Progress::duration(185) == "3m05s");
  CHECK(st::Progress::duration(3725) == "1h02m");
  CHECK(st::Progress::duration(-1) == "?");
}

TEST_CASE("study: the database keeps one row per job, resets interrupted jobs, refuses another study", "[study]") {
  TempDir dir("study_store");
  write_file(dir / "s.yaml", study_text("name: store\ngrid:\n  circuit.opamp.gbw: [1meg, 2meg, 3meg]\n"));
  std::ostringstream warn;
  const st::Study s = st::load_study((dir / "s.yaml").string(), warn);
  const fs::path db = dir / "study.db";
  {
    st::Store store(db, st::Store::Mode::read_write);
    const auto c = store.sync(s, false);
    CHECK(c.jobs == 3);
    CHECK(c.pending == 3);
    store.mark_running(s.jobs[0].config_hash, "here", "d0", "d0/job.log");
    st::JobOutcome o;
    o.index = 0;
    o.config_hash = s.jobs[0].config_hash;
    o.status = "ok";
    o.wall_seconds = 1.5;
    o.metrics = {{"m.x", 0.25}};
    store.finish(o);
    store.mark_running(s.jobs[1].config_hash, "here", "d1", "d1/job.log");
    // The driver dies here.
  }
  CHECK(sql(db, "SELECT job_index, status, attempts FROM jobs ORDER BY job_index") ==
        "0|ok|1\n1|running|1\n2|pending|0\n");
  CHECK(sql(db, "SELECT json_extract(metrics, '$.\"m.x\"') FROM jobs WHERE job_index = 0") == "0.25\n");
  {
    st::Store store(db, st::Store::Mode::read_write);
    const auto c = store.sync(s, false);  // the same study again
    CHECK(c.done == 1);
    CHECK(c.pending == 2);
    CHECK(c.interrupted == 1);
    CHECK(store.pending_indices() == std::vector<long>{1, 2});
  }
  CHECK(sql_count(db, "SELECT count(*) FROM jobs") == 3);
  CHECK(sql_count(db, "SELECT count(DISTINCT config_hash) FROM jobs") == 3);
  // Another study may not write into this database.
  st::Study other = s;
  other.name = "other";
  st::Store store(db, st::Store::Mode::read_write);
  CHECK_THROWS_WITH(store.sync(other, false), Catch::Contains("holds the results of study 'store', not 'other'"));
}

TEST_CASE(
    "sweep: kill -9 of the driver halfway - the rerun runs only the missing jobs, each job is in the database once",
    "[study][sweep]") {
  TempDir dir("sweep_kill");
  const fs::path out = dir / "out";
  const fs::path db = out / "study.db";
  const pid_t driver = spawn_cli(
      {"sweep", source_path(kTiny).string(), "-j", "2", "-o", out.string(), "--progress", "lines"}, dir / "first.log");
  // Kill it once a third of the 12 jobs are recorded.
  long done = 0;
  for (int i = 0; i < 6000 && done < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (fs::exists(db)) {
      const auto r = run_shell("sqlite3 '" + db.string() + "' \"SELECT count(*) FROM jobs WHERE status = 'ok'\"");
      if (r.exit_code == 0 && !r.out.empty()) done = std::stol(r.out);
    }
  }
  ::kill(driver, SIGKILL);
  int status = 0;
  ::waitpid(driver, &status, 0);
  INFO(read_text(dir / "first.log"));
  REQUIRE(WIFSIGNALED(status));
  // Its job processes die with it.
  CHECK(all_gone((out / "jobs").string(), 10));

  const auto before =
      sql(db, "SELECT config_hash, finished_at, attempts FROM jobs WHERE status = 'ok' ORDER BY config_hash");
  const long finished = static_cast<long>(lines_of(before).size());
  REQUIRE(finished >= 4);
  REQUIRE(finished < 12);
  const long running = sql_count(db, "SELECT count(*) FROM jobs WHERE status = 'running'");
  CHECK(running >= 1);
  CHECK(running <= 2);

  const auto again = run_cli("sweep " + kTiny + " -j 2 -o " + out.string() + " --progress lines");
  INFO(again.out << again.err);
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.out,
             Catch::Contains(std::to_string(finished) + " done earlier (skipped), " + std::to_string(12 - finished) +
                             " to run (" + std::to_string(running) + " of them interrupted last time)"));
  // One progress line per job run, and only the missing ones.
  long ran = 0;
  for (const auto& line : lines_of(again.out))
    ran += line.rfind("[", 0) == 0 && line.find(" job ") != std::string::npos;
  CHECK(ran == 12 - finished);

  CHECK(sql_count(db, "SELECT count(*) FROM jobs") == 12);
  CHECK(sql_count(db, "SELECT count(DISTINCT config_hash) FROM jobs") == 12);
  CHECK(sql_count(db, "SELECT count(*) FROM jobs WHERE status = 'ok'") == 12);
  CHECK(sql(db, "SELECT group_concat(job_index) FROM (SELECT job_index FROM jobs ORDER BY job_index)") ==
        "0,1,2,3,4,5,6,7,8,9,10,11\n");
  // Jobs finished before the kill were not run again.
  for (const auto& row : lines_of(before)) {
    const std::string hash = row.substr(0, row.find('|'));
    CHECK(sql(db, "SELECT config_hash, finished_at, attempts FROM jobs WHERE config_hash = '" + hash + "'") ==
          row + "\n");
  }
  // Interrupted jobs were started twice, the others once.
  CHECK(sql_count(db, "SELECT count(*) FROM jobs WHERE attempts = 2") == running);
  CHECK(sql_count(db, "SELECT count(*) FROM jobs WHERE attempts = 1") == 12 - running);

  // The results: table, CSV, plot.
  const auto table = run_cli("results " + db.string() + " --table");
  CHECK(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("tiny: 12 ok"));
  const auto csv = run_cli("results " + db.string() + " --csv");
  CHECK(lines_of(csv.out).size() == 13);
  CHECK(fs::file_size(out / "sweep.png") > 1000);
}

TEST_CASE("sweep: a job that crashes and one that hangs are recorded as failed - every other job completes",
          "[study][sweep]") {
  TempDir dir("sweep_faults");
  const fs::path out = dir / "out";
  const fs::path db = out / "study.db";
  const auto r = run_shell("MEMCOSIM_TEST_JOB_FAULTS=1:segfault,4:hang '" + std::string(MEMCOSIM_CLI) + "' sweep " +
                           kTiny + " -j 2 --timeout 8 -o " + out.string() + " --progress lines");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("2 of 12 jobs failed"));
  CHECK(sql(db, "SELECT job_index, status FROM jobs WHERE status != 'ok' ORDER BY job_index") ==
        "1|failed\n4|failed\n");
  CHECK(sql_count(db, "SELECT count(*) FROM jobs WHERE status = 'ok'") == 10);
  const std::string crash = sql(db, "SELECT message FROM jobs WHERE job_index = 1");
  CHECK_THAT(crash, Catch::StartsWith("crashed: signal 11 (SIGSEGV"));
  const std::string hang = sql(db, "SELECT message FROM jobs WHERE job_index = 4");
  CHECK_THAT(hang, Catch::StartsWith("timeout: no result after 8 s; killed"));
  CHECK(std::stod(sql(db, "SELECT wall_seconds FROM jobs WHERE job_index = 4")) >= 8.0);
  // Each with its log.
  for (int i : {1, 4}) {
    std::string log = sql(db, "SELECT log_file FROM jobs WHERE job_index = " + std::to_string(i));
    log.pop_back();  // the newline
    CHECK_THAT(read_text(log), Catch::Contains("MEMCOSIM_TEST_JOB_FAULTS: staging"));
    CHECK_THAT(sql(db, "SELECT log_tail FROM jobs WHERE job_index = " + std::to_string(i)),
               Catch::Contains("MEMCOSIM_TEST_JOB_FAULTS: staging"));
  }
  CHECK(all_gone((out / "jobs").string(), 5));
  const auto table = run_cli("results " + db.string());
  CHECK_THAT(table.out, Catch::Contains("tiny: 10 ok 2 failed"));
  CHECK_THAT(table.out, Catch::Contains("job 1 failed: crashed: signal 11"));

  // Without the faults and with --retry-failed, only those two run again.
  const auto retry = run_cli("sweep " + kTiny + " -j 2 -o " + out.string() + " --retry-failed --progress lines");
  INFO(retry.out << retry.err);
  CHECK(retry.exit_code == 0);
  CHECK_THAT(retry.out, Catch::Contains("10 done earlier (skipped), 2 to run"));
  CHECK(sql_count(db, "SELECT count(*) FROM jobs WHERE status = 'ok'") == 12);

  // A job some of whose transients fail still has its metrics: partial.
  write_file(dir / "two.yaml", "name: two\nconfig: " + source_path("configs/ring.yaml").string() +
                                   "\nset: {circuit.level: ideal, simulation.n: 3, simulation.min_points: 50, "
                                   "circuit.dac.points: 20, metrics.target_samples: 500}\n"
                                   "grid: {circuit.integrator.c: [8n, 10n]}\n");
  const auto p = run_shell("MEMCOSIM_TEST_FAULTS=1:segfault '" + std::string(MEMCOSIM_CLI) + "' sweep " +
                           (dir / "two.yaml").string() + " -j 2 -o " + (dir / "two").string() + " --progress lines");
  INFO(p.out << p.err);
  CHECK(p.exit_code == 0);
  const fs::path db2 = dir / "two/study.db";
  CHECK(sql(db2, "SELECT status, message FROM jobs ORDER BY job_index") ==
        "partial|1 of 3 trajectories failed (first: trajectory 1 crashed)\n"
        "partial|1 of 3 trajectories failed (first: trajectory 1 crashed)\n");
  CHECK(sql(db2, "SELECT json_extract(metrics, '$.\"trajectories.ok\"') FROM jobs") == "2\n2\n");
}

#ifdef MEMCOSIM_MPIEXEC
TEST_CASE("sweep: mpirun -np 2 gives the metrics of -j 2 for the same seeds, and both ranks run jobs",
          "[study][sweep][mpi]") {
  TempDir dir("sweep_mpi");
  // Six jobs of the tiny study are enough to see both ranks work.
  write_file(dir / "six.yaml", "name: six\nconfig: " + source_path("configs/ring.yaml").string() + R"(
set:
  circuit.level: ideal
  simulation.n: 3
  simulation.min_points: 50
  simulation.observe: 50
  simulation.plot_trajectories: 1
  circuit.dac.points: 20
  metrics.target_samples: 500
grid:
  circuit.crossbar.programming_error: [0.02, 0.1]
  circuit.integrator.c: [8n, 10n, 12n]
)");
  const std::string study = (dir / "six.yaml").string();
  // CI runs as root; OpenMPI refuses that unless told. Single-copy (CMA)
  // transfers are not allowed in every container; messages are small.
  const std::string mpirun =
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
      "OMPI_MCA_btl_vader_single_copy_mechanism=none '" MEMCOSIM_MPIEXEC "' -np 2 --oversubscribe '" +
      std::string(MEMCOSIM_CLI) + "'";
  const auto m = run_shell(mpirun + " sweep " + study + " -o " + (dir / "mpi").string() + " --progress lines");
  INFO(m.out << m.err);
  REQUIRE(m.exit_code == 0);
  CHECK_THAT(m.out, Catch::Contains("1 job at a time on each of 2 MPI ranks"));
  const auto j = run_cli("sweep " + study + " -j 2 -o " + (dir / "local").string() + " --progress lines");
  INFO(j.out << j.err);
  REQUIRE(j.exit_code == 0);

  const fs::path mdb = dir / "mpi/study.db";
  CHECK(sql_count(mdb, "SELECT count(*) FROM jobs WHERE status = 'ok'") == 6);
  CHECK(sql_count(mdb, "SELECT count(*) FROM jobs WHERE worker LIKE '% rank 0 pid %'") >= 1);
  CHECK(sql_count(mdb, "SELECT count(*) FROM jobs WHERE worker LIKE '% rank 1 pid %'") >= 1);

  const auto a = result_columns(run_cli("results " + mdb.string() + " --csv").out);
  const auto b = result_columns(run_cli("results " + (dir / "local/study.db").string() + " --csv").out);
  REQUIRE(a.size() == 6);
  REQUIRE(b.size() == 6);
  long compared = 0;
  for (const auto& [index, cols] : a) {
    const auto& other = b.at(index);
    REQUIRE(cols.size() == other.size());
    for (const auto& [key, value] : cols) {
      INFO("job " << index << " " << key);
      REQUIRE(other.count(key));
      char* end = nullptr;
      const double x = std::strtod(value.c_str(), &end);
      if (!value.empty() && end && *end == '\0') {
        const double y = std::stod(other.at(key));
        CHECK(std::abs(x - y) <= 1e-12 * std::max(std::abs(x), std::abs(y)) + 1e-300);
        ++compared;
      } else {
        CHECK(value == other.at(key));
      }
    }
  }
  // The error, KL and L2 columns among them.
  CHECK(a.at(0).count("error_vs_reference.final.median"));
  CHECK(a.at(0).count("metrics.circuit.kl.value"));
  CHECK(compared > 6 * 50);
}
#endif
