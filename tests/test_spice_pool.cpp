// Worker processes against the real libngspice: results, crash and hang
// recovery, memory over many jobs; and the behaviours that leave a process's
// ngspice unusable (controlled exit, a user .spiceinit), which are tested in
// fresh copies of this test binary (see expect_passes_in_child).
#include <catch2/catch.hpp>

#include "support.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>

#include "spice/job.hpp"
#include "spice/runner.hpp"
#include "spice/session.hpp"
#include "spice/worker_pool.hpp"

using namespace memcosim;
using namespace memcosim::spice;
namespace fs = std::filesystem;

namespace {

std::string netlist(const std::string& name) { return test::read_text(test::data_path("spice/" + name)); }

Job make_job(std::uint64_t id, const std::string& file, TestFault fault = TestFault::none, double timeout_s = 30) {
  Job j;
  j.id = id;
  j.netlist = netlist(file);
  j.test_fault = fault;
  j.timeout_s = timeout_s;
  return j;
}

// Worst deviation of V(out) from 1 - exp(-t/RC) (rc_lowpass.cir).
double rc_error(const Result& r) {
  const Vector& t = r.plot.at("time");
  const Vector& out = r.plot.at("out");
  double worst = 0;
  for (std::size_t i = 0; i < t.size(); ++i)
    worst = std::max(worst, std::abs(out.re[i] - (1 - std::exp(-t.re[i] / 1e-3))));
  return worst;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Some behaviours spoil ngspice for the rest of a process (a controlled exit
// without reset) or happen only when a process first starts ngspice (reading
// a .spiceinit). Such a test case runs itself again in a fresh copy of this
// test binary, marked by MEMCOSIM_SPICE_CHILD, and checks that copy's result.
bool in_child(const std::string& key) {
  const char* v = std::getenv("MEMCOSIM_SPICE_CHILD");
  return v && key == v;
}

// Re-runs the current test case in a fresh process started in `cwd` and
// checks that it passed there.
void expect_passes_in_child(const std::string& key, const fs::path& cwd) {
  const fs::path exe = fs::read_symlink("/proc/self/exe");
  const fs::path out = cwd / "child-output.txt";
  const std::string cmd = "cd '" + cwd.string() + "' && MEMCOSIM_SPICE_CHILD='" + key + "' '" + exe.string() +
                          "' --warn NoTests '" + Catch::getResultCapture().getCurrentTestName() + "' > '" +
                          out.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream in(out);
  std::ostringstream output;
  output << in.rdbuf();
  INFO(output.str());
  CHECK(status == 0);
  CHECK(contains(output.str(), "All tests passed"));
  CHECK(contains(output.str(), "in 1 test case"));  // the child really ran it
}

}  // namespace

TEST_CASE("WorkerPool: RC transient in a worker, identical to in-process", "[spice]") {
  Result in_worker;
  {
    PoolOptions options;
    options.workers = 1;
    WorkerPool pool(options);
    CHECK(pool.size() == 1);
    CHECK(pool.simulator_info().version_major >= 39);
    pool.submit(make_job(7, "rc_lowpass.cir"));
    auto r = pool.next();
    REQUIRE(r);
    in_worker = std::move(*r);
    CHECK_FALSE(pool.next());  // nothing left
  }
  INFO(in_worker.message);
  REQUIRE(in_worker.ok());
  CHECK(in_worker.id == 7);
  CHECK(in_worker.pid != ::getpid());
  CHECK(in_worker.rss_bytes > 1'000'000);
  CHECK(in_worker.wall_seconds > 0);
  CHECK(in_worker.plot.scale == "time");
  CHECK(rc_error(in_worker) < 5e-5);  // same bound as in-process (measured ~3e-6)
  CHECK(std::any_of(in_worker.log.begin(), in_worker.log.end(),
                    [](const std::string& l) { return contains(l, "No. of Data Rows"); }));

  RunnerOptions in_process;
  in_process.mode = ExecutionMode::in_process;
  Runner runner(in_process);
  runner.submit(make_job(7, "rc_lowpass.cir"));
  const auto local = runner.next();
  REQUIRE(local);
  REQUIRE(local->ok());
  CHECK(local->pid == ::getpid());
  // The same library doing the same arithmetic in another process.
  REQUIRE(local->plot.vectors.size() == in_worker.plot.vectors.size());
  for (std::size_t i = 0; i < local->plot.vectors.size(); ++i) {
    CHECK(local->plot.vectors[i].name == in_worker.plot.vectors[i].name);
    CHECK(local->plot.vectors[i].re == in_worker.plot.vectors[i].re);
  }
  // Test faults would take this process down: refused in-process.
  CHECK_THROWS_AS(runner.submit(make_job(8, "rc_lowpass.cir", TestFault::segfault)), std::invalid_argument);
}

TEST_CASE("WorkerPool: parse and simulation errors come back as statuses", "[spice]") {
  PoolOptions options;
  options.workers = 2;
  WorkerPool pool(options);
  std::map<std::uint64_t, Result> got;
  pool.run({make_job(1, "unknown_element.cir"), make_job(2, "tan_blowup.cir"), make_job(3, "bad_expression.cir"),
            make_job(4, "divider_op.cir")},
           [&](Result&& r) { got[r.id] = std::move(r); });
  REQUIRE(got.size() == 4);

  CHECK(got[1].status == JobStatus::parse_error);
  CHECK(contains(got[1].message, "line 5 \"Y1 out 0 5\""));
  CHECK(contains(got[1].message, "model name is not found"));

  CHECK(got[2].status == JobStatus::sim_error);
  CHECK(contains(got[2].message, "Timestep too small"));
  CHECK(contains(got[2].message, "trouble with node \"n\""));
  REQUIRE(got[2].plot.find("time"));  // the waveform up to the failure
  CHECK(got[2].plot.at("time").re.back() == Approx(M_PI / 2).epsilon(1e-3));

  // ngspice 46 makes a controlled exit on this syntax error (its worker is
  // replaced); ngspice 39 reports it as an ordinary error. Either way it is
  // the netlist's fault, and line 4 is named.
  CHECK(got[3].status == JobStatus::parse_error);
  CHECK(contains(got[3].message, "line 4 \"B1 out 0 V=V(in)*\""));
  if (contains(got[3].message, "controlled exit")) CHECK(pool.respawns() == 1);

  REQUIRE(got[4].ok());
  CHECK(got[4].plot.at("3").re.at(0) == Approx(292.0 / 115.0).epsilon(1e-9));
}

TEST_CASE("WorkerPool: crashes, exits and hangs are reported and the pool keeps going", "[spice]") {
  PoolOptions options;
  options.workers = 2;
  options.kill_grace_s = 1;
  WorkerPool pool(options);
  const bool ngspice39 = pool.simulator_info().version_major < 40;

  std::vector<Job> jobs;
  jobs.push_back(make_job(1, "rc_lowpass.cir"));
  jobs.push_back(make_job(2, "rc_lowpass.cir", TestFault::segfault));
  jobs.push_back(make_job(3, "divider_op.cir"));
  jobs.push_back(make_job(4, "rc_lowpass.cir", TestFault::hang, 1.0));
  jobs.push_back(make_job(5, "rc_lowpass.cir", TestFault::abort));
  jobs.push_back(make_job(6, "rc_lowpass.cir"));
  jobs.push_back(make_job(7, "rc_lowpass.cir", TestFault::exit));
  jobs.push_back(make_job(8, "external_source.cir"));  // the real thing, see below
  Job quit = make_job(9, "divider_op.cir");
  quit.pre_commands = {"quit"};  // ngspice's own controlled exit, in every version
  jobs.push_back(quit);
  jobs.push_back(make_job(10, "divider_op.cir"));
  jobs.push_back(make_job(11, "rc_lowpass.cir"));

  std::map<std::uint64_t, Result> got;
  std::vector<std::uint64_t> order;
  const auto start = std::chrono::steady_clock::now();
  pool.run(std::move(jobs), [&](Result&& r) {
    order.push_back(r.id);
    got[r.id] = std::move(r);
  });
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  REQUIRE(order.size() == 11);  // every job reported exactly once
  REQUIRE(got.size() == 11);
  for (auto& [id, r] : got) {
    INFO("job " << id << ": " << to_string(r.status) << ": " << r.message);
    CHECK(r.id == id);
  }

  // The good jobs are intact and correct.
  for (std::uint64_t id : {1, 6, 11}) {
    INFO("job " << id << ": " << got[id].message);
    REQUIRE(got[id].ok());
    CHECK(rc_error(got[id]) < 5e-5);
  }
  for (std::uint64_t id : {3, 10}) {
    REQUIRE(got[id].ok());
    CHECK(got[id].plot.at("2").re.at(0) == Approx(166.0 / 115.0).epsilon(1e-9));
  }

  CHECK(got[2].status == JobStatus::crashed);
  CHECK(contains(got[2].message, "SIGSEGV"));
  // The log streamed before the crash survives it.
  CHECK(std::any_of(got[2].log.begin(), got[2].log.end(),
                    [](const std::string& l) { return contains(l, "Circuit: rc low-pass"); }));
  CHECK(got[5].status == JobStatus::crashed);
  CHECK(contains(got[5].message, "SIGABRT"));
  CHECK(got[7].status == JobStatus::exited);
  CHECK(contains(got[7].message, "exited with status 1"));
  CHECK(got[4].status == JobStatus::timeout);
  CHECK(contains(got[4].message, "killed with SIGKILL"));
  CHECK(got[9].status == JobStatus::exited);
  CHECK(contains(got[9].message, "controlled exit"));

  // An EXTERNAL source without a GetVSRCData callback: ngspice 39 dies of
  // SIGSEGV, ngspice 46 makes a controlled exit and names the source.
  INFO("external source: " << got[8].message);
  if (ngspice39) {
    CHECK(got[8].status == JobStatus::crashed);
    CHECK(contains(got[8].message, "SIGSEGV"));
  } else {
    CHECK(got[8].status == JobStatus::exited);
    CHECK(contains(got[8].message, "No callback supplied for source v1"));
  }

  // Dead workers were replaced; the hung one only cost its own deadline.
  CHECK(pool.respawns() >= 6);
  CHECK(elapsed < 15);
  const std::vector<int> pids = pool.worker_pids();
  CHECK(std::all_of(pids.begin(), pids.end(), [](int pid) { return pid > 0 && ::kill(pid, 0) == 0; }));
  pool.submit(make_job(12, "divider_op.cir"));
  const auto after = pool.next();
  REQUIRE(after);
  CHECK(after->ok());
}

TEST_CASE("WorkerPool: an analysis past its timeout is halted inside the worker", "[spice]") {
  PoolOptions options;
  options.workers = 1;
  WorkerPool pool(options);
  pool.submit(make_job(1, "long_transient.cir", TestFault::none, 0.5));
  pool.submit(make_job(2, "divider_op.cir"));
  const auto slow = pool.next();
  const auto fast = pool.next();
  REQUIRE(slow);
  REQUIRE(fast);
  INFO(slow->message);
  CHECK(slow->status == JobStatus::timeout);
  CHECK(contains(slow->message, "halted at time = "));
  CHECK(slow->plot.at("time").size() > 10);  // what was computed before the halt
  // The worker survived (bg_halt, not SIGKILL) and ran the next job.
  CHECK(pool.respawns() == 0);
  CHECK(fast->ok());
  CHECK(fast->pid == slow->pid);
}

TEST_CASE("WorkerPool: memory stays flat over 1000 simulations in one worker", "[spice]") {
  PoolOptions options;
  options.workers = 1;
  WorkerPool pool(options);
  const std::string rc = netlist("rc_lowpass.cir");
  const int runs = 1000;
  for (int i = 0; i < runs; ++i) {
    Job j;
    j.id = static_cast<std::uint64_t>(i);
    j.netlist = rc;
    j.vectors = {"out"};
    pool.submit(std::move(j));
  }
  std::vector<double> rss(runs, 0);
  int pid = 0;
  bool same_worker = true;
  while (auto r = pool.next()) {
    REQUIRE(r->ok());
    REQUIRE(r->plot.vectors.size() == 2);  // the scale and the one vector asked for
    CHECK(r->plot.vectors[1].name == "out");
    rss[r->id] = static_cast<double>(r->rss_bytes);
    if (pid == 0) pid = r->pid;
    same_worker = same_worker && r->pid == pid;
  }
  CHECK(same_worker);
  // Baseline: the mean over jobs 40..49, after allocator warm-up.
  const double early = std::accumulate(rss.begin() + 40, rss.begin() + 50, 0.0) / 10;
  const double last = rss.back();
  INFO("RSS after ~45 jobs " << early / 1024 << " KiB, after " << runs << " jobs " << last / 1024 << " KiB");
  CHECK(last < 1.05 * early);  // measured: +0.1% (ngspice 46), 0% (39)
}

TEST_CASE("WorkerPool: refuses to fork with a live session or other threads", "[spice]") {
  {
    NgspiceSession session;
    try {
      WorkerPool pool;
      FAIL("a pool started next to a live session");
    } catch (const SimulationError& e) {
      CHECK(contains(e.what(), "NgspiceSession lives in this process"));
    }
  }
  std::mutex m;
  std::condition_variable cv;
  bool stop = false;
  std::thread other([&] {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return stop; });
  });
  try {
    WorkerPool pool;
    FAIL("a pool forked next to another thread");
  } catch (const SimulationError& e) {
    CHECK(contains(e.what(), "threads"));
  }
  {
    std::lock_guard<std::mutex> lock(m);
    stop = true;
  }
  cv.notify_all();
  other.join();
  PoolOptions options;
  options.workers = 1;
  WorkerPool pool(options);  // fine again
  CHECK(pool.size() == 1);
}

TEST_CASE("NgspiceSession: a user .spiceinit is refused unless allowed", "[spice]") {
  if (!in_child("spiceinit")) {
    test::TempDir dir("spiceinit");
    std::ofstream(dir.path() / ".spiceinit") << "* a user's start-up file\nset memcosim_test_marker\n";
    expect_passes_in_child("spiceinit", dir.path());
    return;
  }
  // In the fresh process, started in a directory holding a .spiceinit:
  const fs::path expected = fs::current_path() / ".spiceinit";
  REQUIRE(fs::exists(expected));
  try {
    NgspiceSession refused;
    FAIL("the session started although ngspice would read " << expected);
  } catch (const SpiceError& e) {
    CHECK(e.kind() == SpiceErrorKind::setup);
    CHECK(contains(e.what(), expected.string()));
  }
  CHECK_FALSE(NgspiceSession::alive_in_this_process());
  SessionOptions allow;
  allow.user_spiceinit = UserInitPolicy::allow;
  NgspiceSession s(allow);
  CHECK(s.info().user_spiceinit == expected.string());
  s.load(netlist("divider_op.cir"));
  s.run(30);
  CHECK(s.vector("2").re.at(0) == Approx(166.0 / 115.0).epsilon(1e-9));
}

TEST_CASE("NgspiceSession: after a controlled exit the session is unusable until recovered", "[spice]") {
  if (!in_child("exit")) {
    test::TempDir dir("controlled-exit");
    expect_passes_in_child("exit", dir.path());
    return;
  }
  // In the fresh process:
  auto expect_unusable = [](NgspiceSession& s) {
    CHECK_FALSE(s.usable());
    try {
      s.load(netlist("divider_op.cir"));
      FAIL("an unusable session loaded a netlist");
    } catch (const SpiceError& e) {
      CHECK(e.kind() == SpiceErrorKind::unusable);
    }
  };
  auto expect_divider = [](NgspiceSession& s) {
    s.load(netlist("divider_op.cir"));
    s.run(30);
    CHECK(s.vector("3").re.at(0) == Approx(292.0 / 115.0).epsilon(1e-9));
  };
  bool can_reset = false;
  {
    NgspiceSession s;
    can_reset = s.info().has_reset;
    if (can_reset) {
      // ngspice 46: an EXTERNAL source without its callback is a controlled
      // exit (39 segfaults instead; that case is tested in a worker).
      s.load(netlist("external_source.cir"));
      try {
        s.run(30);
        FAIL("the EXTERNAL source ran without a callback");
      } catch (const SpiceError& e) {
        CHECK(e.kind() == SpiceErrorKind::controlled_exit);
        CHECK(contains(e.what(), "No callback supplied for source v1"));
      }
      expect_unusable(s);
      CHECK(s.recover());  // ngSpice_Reset + ngSpice_Init
      CHECK(s.usable());
      expect_divider(s);
      // A malformed expression: a controlled exit while loading; the
      // error still names the line and element.
      try {
        s.load(netlist("bad_expression.cir"));
        FAIL("the malformed expression was accepted");
      } catch (const SpiceError& e) {
        CHECK(e.kind() == SpiceErrorKind::controlled_exit);
        CHECK(e.netlist_line() == 4);
        CHECK(e.element() == "b1");
      }
      expect_unusable(s);
    }
  }
  if (can_reset) {
    // Not recovered by its owner: the next session resets the library first.
    NgspiceSession again;
    expect_divider(again);
  }
  {
    // `quit` is a controlled exit in every version; after it ngspice's data
    // is freed and it cannot be reset (ngSpice_Reset would free it twice).
    NgspiceSession s;
    s.load(netlist("divider_op.cir"));
    try {
      s.command("quit");
      FAIL("quit did not end the session");
    } catch (const SpiceError& e) {
      CHECK(e.kind() == SpiceErrorKind::controlled_exit);
    }
    expect_unusable(s);
    CHECK_FALSE(s.recover());
  }
  // No session can start in this process any more.
  try {
    NgspiceSession{};
    FAIL("a session started after quit");
  } catch (const SpiceError& e) {
    CHECK(e.kind() == SpiceErrorKind::setup);
    CHECK(contains(e.what(), "cannot be used again"));
  }
}
