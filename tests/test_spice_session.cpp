// NgspiceSession against the real libngspice, in this process.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <algorithm>
#include <chrono>
#include <clocale>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "spice/job.hpp"
#include "spice/session.hpp"

using namespace memcosim;
using namespace memcosim::spice;

namespace {

std::string netlist(const std::string& name) { return test::read_text(test::data_path("spice/" + name)); }

// Loads `name` and expects SpiceError; returns it.
SpiceError load_error(NgspiceSession& s, const std::string& name) {
  try {
    s.load(netlist(name));
  } catch (const SpiceError& e) {
    return e;
  }
  FAIL("loading " << name << " did not throw");
  throw;  // unreachable
}

}  // namespace

TEST_CASE("NgspiceSession: identifies the library and enforces one session", "[spice]") {
  NgspiceSession s;
  const SimulatorInfo& info = s.info();
  INFO("banner: " << (info.banner.empty() ? "" : info.banner[0]));
  CHECK(info.version_major >= 39);
  CHECK(!info.banner.empty());
  // Debian's ngspice 39 is built without KLU, the 46 backport with it.
  if (info.version_major == 39) CHECK_FALSE(info.has_klu);
  if (info.version_major == 46) CHECK(info.has_klu);
  CHECK(info.user_spiceinit.empty());
  CHECK(NgspiceSession::alive_in_this_process());
  CHECK_THROWS_AS(NgspiceSession{}, SpiceError);
}

TEST_CASE("NgspiceSession: RC low-pass transient matches 1 - exp(-t/RC)", "[spice]") {
  NgspiceSession s;
  s.load(netlist("rc_lowpass.cir"));
  s.run(30);
  const Plot p = s.plot();
  CHECK(p.name.rfind("tran", 0) == 0);
  REQUIRE(p.scale == "time");
  const Vector& t = p.at("time");
  const Vector& out = p.at("v(out)");  // rawfile spelling resolves to "out"
  REQUIRE(t.size() == out.size());
  REQUIRE(t.size() > 100);
  CHECK(t.re.back() == Approx(5e-3).epsilon(1e-12));
  // Trapezoidal integration with a 10 us step limit and ngspice's default
  // tolerances: the local error is ~ (h/RC)^3/12 per step; measured max
  // deviation ~1e-5 V. Allow 5e-5 V on a 1 V step.
  const double rc = 1e3 * 1e-6;
  double worst = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const double exact = 1.0 - std::exp(-t.re[i] / rc);
    worst = std::max(worst, std::abs(out.re[i] - exact));
  }
  INFO("worst deviation " << worst << " V over " << t.size() << " points");
  CHECK(worst < 5e-5);
}

TEST_CASE("NgspiceSession: operating point of a linear network equals the hand solution", "[spice]") {
  NgspiceSession s;
  s.load(netlist("divider_op.cir"));
  s.run(30);
  const Plot p = s.plot();
  CHECK(p.name.rfind("op", 0) == 0);
  CHECK(p.scale.empty());
  const double v2 = 166.0 / 115.0, v3 = 292.0 / 115.0, i1 = -41.0 / 115.0 * 1e-3;
  REQUIRE(p.at("1").size() == 1);
  CHECK(p.at("1").re[0] == Approx(1.8).epsilon(1e-9));
  CHECK(p.at("2").re[0] == Approx(v2).epsilon(1e-9));
  CHECK(p.at("3").re[0] == Approx(v3).epsilon(1e-9));
  CHECK(p.at("v1#branch").re[0] == Approx(i1).epsilon(1e-9));
  CHECK(p.at("i(v1)").re[0] == Approx(i1).epsilon(1e-9));
}

TEST_CASE("NgspiceSession: broken netlists are rejected naming line and element", "[spice]") {
  NgspiceSession s;
  struct Case {
    const char* file;
    int line;
    const char* element;
    const char* says;  // part of ngspice's own message
  };
  const Case cases[] = {
      {"unknown_element.cir", 5, "y1", "model name is not found"},
      {"missing_model.cir", 4, "d1", "could not find a valid modelname"},
      {"unknown_subckt.cir", 4, "x1", "unknown subckt"},
  };
  for (const Case& c : cases) {
    SECTION(c.file) {
      const SpiceError e = load_error(s, c.file);
      INFO(e.what());
      CHECK(e.kind() == SpiceErrorKind::parse);
      CHECK(e.netlist_line() == c.line);
      CHECK(e.element() == c.element);
      const std::string what = e.what();
      CHECK(what.find("line " + std::to_string(c.line)) != std::string::npos);
      CHECK(what.find(c.says) != std::string::npos);
      // the session is still usable afterwards
      s.load(netlist("divider_op.cir"));
      s.run(30);
      CHECK(s.vector("2").re.at(0) == Approx(166.0 / 115.0).epsilon(1e-9));
    }
  }
}

TEST_CASE("NgspiceSession: convergence failure reports ngspice's message and node", "[spice]") {
  NgspiceSession s;
  s.load(netlist("tan_blowup.cir"));
  try {
    s.run(30);
    FAIL("the blow-up circuit simulated to the end");
  } catch (const SpiceError& e) {
    INFO(e.what());
    CHECK(e.kind() == SpiceErrorKind::simulation);
    const std::string what = e.what();
    CHECK(what.find("Timestep too small") != std::string::npos);
    CHECK(e.element() == "n");
  }
  // The waveform up to the failure is there, and it stopped near pi/2.
  const Plot p = s.plot();
  const Vector& t = p.at("time");
  REQUIRE(!t.re.empty());
  CHECK(t.re.back() == Approx(M_PI / 2).epsilon(1e-3));
  CHECK(std::abs(p.at("n").re.back()) > 1e6);
}

TEST_CASE("NgspiceSession: an element ngspice would drop is rejected in strict mode", "[spice]") {
  NgspiceSession s;
  // "R1 in out" has no value. ngspice 46 ignores the line with a warning
  // (the circuit silently loses R1); ngspice 39 accepts it and sets R1 to
  // 1 mOhm with a warning at run time. Strict mode turns the first into a
  // parse error; the second is not detectable at load time.
  if (s.info().version_major >= 46) {
    const SpiceError e = load_error(s, "missing_value.cir");
    INFO(e.what());
    CHECK(e.kind() == SpiceErrorKind::parse);
    CHECK(e.netlist_line() == 3);
    CHECK(e.element() == "r1");
  } else {
    s.load(netlist("missing_value.cir"));
    s.run(30);
    bool warned = false;
    for (const std::string& l : s.log()) warned = warned || l.find("set to 1 mOhm") != std::string::npos;
    CHECK(warned);
  }
}

TEST_CASE("NgspiceSession: a timeout halts the analysis and keeps the session usable", "[spice]") {
  NgspiceSession s;
  s.load(netlist("long_transient.cir"));
  const auto start = std::chrono::steady_clock::now();
  try {
    s.run(0.5);
    FAIL("a 1e10-step transient finished within 0.5 s");
  } catch (const SpiceError& e) {
    INFO(e.what());
    CHECK(e.kind() == SpiceErrorKind::timeout);
    CHECK(std::string(e.what()).find("halted at time = ") != std::string::npos);
  }
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(waited < 5.0);  // 0.5 s plus at most ~1 s for bg_halt
  CHECK(s.usable());
  // What was computed before the halt is there...
  const Plot partial = s.plot();
  CHECK(partial.at("time").size() > 10);
  CHECK(partial.at("time").re.back() < 10.0);
  // ...and the next circuit runs normally.
  s.load(netlist("divider_op.cir"));
  s.run(30);
  CHECK(s.vector("3").re.at(0) == Approx(292.0 / 115.0).epsilon(1e-9));
}

TEST_CASE("NgspiceSession: .control blocks and failing commands are reported", "[spice]") {
  NgspiceSession s;
  try {
    s.load("title\nV1 1 0 1\nR1 1 0 1k\n.control\nrun\n.endc\n.end\n");
    FAIL("a .control block was accepted");
  } catch (const SpiceError& e) {
    CHECK(e.kind() == SpiceErrorKind::parse);
    CHECK(e.netlist_line() == 4);
  }
  s.load(netlist("divider_op.cir"));
  s.run(30);
  try {
    s.command("write /nonexistent-dir/x.raw");
    FAIL("writing into a missing directory succeeded");
  } catch (const SpiceError& e) {
    INFO(e.what());
    CHECK(e.kind() == SpiceErrorKind::command);
    CHECK(std::string(e.what()).find("No such file or directory") != std::string::npos);
  }
  try {
    s.command("nosuchcommand 1 2");
    FAIL("an unknown command succeeded");
  } catch (const SpiceError& e) {
    CHECK(std::string(e.what()).find("nosuchcommand") != std::string::npos);
  }
  CHECK(s.usable());
}

TEST_CASE("NgspiceSession: the caller's numeric locale is restored", "[spice]") {
  // Only C locales exist on the build machine, so this checks the
  // save/switch/restore path rather than a comma decimal separator.
  const std::string before = std::setlocale(LC_NUMERIC, nullptr);
  REQUIRE(std::setlocale(LC_NUMERIC, "C.UTF-8") != nullptr);
  {
    NgspiceSession s;
    s.load(netlist("divider_op.cir"));
    s.run(30);
    CHECK(std::string(std::setlocale(LC_NUMERIC, nullptr)) == "C.UTF-8");
    CHECK(s.vector("2").re.at(0) == Approx(166.0 / 115.0).epsilon(1e-9));
  }
  std::setlocale(LC_NUMERIC, before.c_str());
}

TEST_CASE("NgspiceSession: AC analysis gives complex vectors equal to 1/(1 + j w RC)", "[spice]") {
  NgspiceSession s;
  s.load(netlist("ac_lowpass.cir"));
  s.run(30);
  const Plot p = s.plot();
  REQUIRE(p.scale == "frequency");
  const Vector& f = p.at("frequency");
  const Vector& out = p.at("out");
  REQUIRE(out.is_complex);
  REQUIRE(out.size() == f.size());
  CHECK(f.size() == 51);  // 5 decades x 10 points + 1
  for (std::size_t i = 0; i < f.size(); ++i) {
    const double wrc = 2 * M_PI * f.re[i] * 1e-3;
    // H = 1/(1 + j wRC) = (1 - j wRC)/(1 + wRC^2)
    CHECK(out.re[i] == Approx(1 / (1 + wrc * wrc)).epsilon(1e-9).margin(1e-15));
    CHECK(out.im[i] == Approx(-wrc / (1 + wrc * wrc)).epsilon(1e-9).margin(1e-15));
  }
}

TEST_CASE("KLU and Sparse solvers give the same transient and a missing KLU is reported", "[spice]") {
  NgspiceSession s;
  Job job;
  job.netlist = netlist("rc_ladder.cir");
  job.vectors = {"n1", "n10", "n20"};
  job.timeout_s = 60;
  if (!s.info().has_klu) {
    job.solver = Solver::klu;
    const Result r = run_job(s, job);
    INFO(r.message);
    CHECK(r.status == JobStatus::parse_error);
    CHECK(r.message.find("KLU") != std::string::npos);
    // ".options klu" in the netlist itself is ignored by such a library: the
    // result says which solver really ran.
    job.solver = Solver::as_netlist;
    job.netlist = netlist_with_solver(job.netlist, Solver::klu);
    const Result plain = run_job(s, job);
    CHECK(plain.ok());
    CHECK(plain.solver == "SPARSE");
    return;
  }
  job.solver = Solver::sparse;
  const Result sparse = run_job(s, job);
  job.solver = Solver::klu;
  const Result klu = run_job(s, job);
  INFO(sparse.message << klu.message);
  REQUIRE(sparse.ok());
  REQUIRE(klu.ok());
  CHECK(sparse.solver == "SPARSE");
  CHECK(klu.solver == "KLU");
  // Both factorisations are exact up to rounding, so the step control sees
  // the same errors and picks the same time points. Measured: time points
  // equal to 7e-21 s, voltages to 6e-15 V; allowed: 1e-15 s and 1e-9 V.
  const Vector& ts = sparse.plot.at("time");
  const Vector& tk = klu.plot.at("time");
  REQUIRE(ts.size() == tk.size());
  for (std::size_t i = 0; i < ts.size(); ++i) REQUIRE(tk.re[i] == Approx(ts.re[i]).margin(1e-15));
  for (const char* n : {"n1", "n10", "n20"})
    for (std::size_t i = 0; i < ts.size(); ++i)
      REQUIRE(klu.plot.at(n).re[i] == Approx(sparse.plot.at(n).re[i]).margin(1e-9));
}

TEST_CASE("NgspiceSession: vectors can be read from another thread while an analysis runs", "[spice]") {
  NgspiceSession s;
  s.load(netlist("long_transient.cir"));
  std::string error;
  Vector snapshot;
  std::thread reader([&] {
    // The analysis runs in ngspice's background thread; this thread reads
    // while it appends (and reallocates) the output vectors.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    try {
      snapshot = s.vector("time");
    } catch (const SpiceError& e) {
      error = e.what();
    }
  });
  CHECK_THROWS_AS(s.run(1.0), SpiceError);  // the timeout ends it
  reader.join();
  if (s.info().has_lock_realloc) {
    // Newer than 39: under ngSpice_LockRealloc, a consistent prefix.
    INFO(error);
    REQUIRE(error.empty());
    REQUIRE(snapshot.size() > 10);
    CHECK(std::is_sorted(snapshot.re.begin(), snapshot.re.end()));
    CHECK(snapshot.re.front() == 0.0);
  } else {
    // ngspice 39 has no lock: reading would race with realloc, so it is refused.
    CHECK(error.find("ngSpice_LockRealloc") != std::string::npos);
  }
  CHECK(s.usable());
}
