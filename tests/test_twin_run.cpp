// memcosim run / netlist for a neural-ODE twin config, end to end with the
// real libngspice and the shipped HP memristor twin.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace memcosim::test;

TEST_CASE("twin run: the HP twin at ideal level runs every unseen drive end to end and follows the Odeint twin",
          "[twin]") {
  // End to end (task dispatch, scaling, PWL drive DACs, comparison, files)
  // and the bound: an ideal-level twin follows the Odeint twin
  // within 1e-3 on every unseen drive (measured: max 1.1e-5 / 6.9e-6 /
  // 2.5e-5 / 1.7e-5 for sine, triangle, square, chirp; before the drives
  // were PWL sources ngspice stepped over the held updates and the square
  // drive reached 1.4e-2).
  TempDir dir("twin_ideal");
  const auto r = run_cli("run configs/hp_memristor.yaml -q -o " + dir.path().string() + " --set circuit.level=ideal");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto s = nlohmann::json::parse(read_text(dir.path() / "summary.json"));
  REQUIRE(s.at("trajectories").at("failed").get<long>() == 0);
  REQUIRE(s.at("cases").size() >= 3);
  for (const auto& c : s.at("cases")) {
    INFO(c.dump());
    CHECK(c.at("status") == "ok");
    CHECK(c.at("state_error_vs_software_twin").at("max").get<double>() < 1e-3);
  }
  // The resolved config records the scaling the run chose.
  const std::string resolved = read_text(dir.path() / "config.resolved.yaml");
  CHECK(resolved.find("scaling:") != std::string::npos);
  CHECK(fs::exists(dir.path() / "trajectories.csv"));
}

TEST_CASE("twin netlist: one netlist per test case, and a case that does not exist is bad input", "[twin]") {
  const auto ok = run_cli("netlist configs/hp_memristor.yaml --sample 1");
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK(ok.out.find("drive DACs") != std::string::npos);
  CHECK(ok.out.find("state integrators") != std::string::npos);
  const auto bad = run_cli("netlist configs/hp_memristor.yaml --sample 99");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("test cases") != std::string::npos);
}

TEST_CASE("run: a relative results folder gets its pictures (gnuplot starts inside it)", "[cli]") {
  // The quick start's default folder (out/<name>-run) is relative; gnuplot's
  // log must be opened relative to the folder it is started in.
  const std::string rel = "out/test-relative-" + std::to_string(::getpid());
  const fs::path abs = fs::path(MEMCOSIM_SOURCE_DIR) / rel;
  fs::remove_all(abs);
  const auto r = run_cli("run configs/ring.yaml -n 4 -q --set circuit.level=ideal -o " + rel);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("gnuplot could not draw") == std::string::npos);
  CHECK(fs::exists(abs / "samples.png"));
  CHECK(fs::exists(abs / "trajectories.png"));
  fs::remove_all(abs);
}

TEST_CASE(
    "twin stability: a transistor-level twin passes the loop analysis with stability.loops, and fails with Cc cut",
    "[twin][transistor][stability]") {
  // The HP twin at transistor level (the same blocks as the Lorenz96 twin,
  // 16 wide instead of 64): stability.loops=first from the config, one loop
  // per op-amp block: integrator, state inverter, three TIA layers, two row
  // inverter layers and the three layers' linearising row drivers.
  TempDir dir("twin_stability");
  const auto ok = run_cli("stability configs/hp_memristor_transistor.yaml --no-steps --set stability.loops=first -o " +
                          (dir.path() / "ok").string());
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  const auto j = nlohmann::json::parse(read_text(dir.path() / "ok" / "stability.json"));
  REQUIRE(j.at("conditions").size() == 1);
  const auto& loops = j.at("conditions")[0].at("loops");
  CHECK(loops.size() == 10);
  int row_drivers = 0;
  for (const auto& l : loops) {
    if (l.at("kind") == "row driver") ++row_drivers;
    INFO(l.dump());
    CHECK(l.at("margins").at("phase_margin_deg").get<double>() >= 60.0);
  }
  CHECK(row_drivers == 3);
  const auto bad = run_cli(
      "stability configs/hp_memristor_transistor.yaml --loops int0,l2_tia0 --no-steps "
      "--set circuit.transistor.opamp.cc=0.2p -o " +
      (dir.path() / "bad").string());
  INFO(bad.out << bad.err);
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("stability specs not met") != std::string::npos);
}

TEST_CASE("twin run: Lorenz96's long run is judged against the true system's statistics, not one window's", "[twin]") {
  // An ideal-level long run of 4 units (1 discarded) from the shipped
  // Lorenz96 twin: the reference statistics come from a truth run of
  // metrics.stats_horizon (400 units), reported beside the truth over the
  // circuit's own 3-unit window.
  TempDir dir("twin_l96_long");
  const auto r = run_cli("run configs/lorenz96.yaml -q -n 1 -o " + dir.path().string() +
                         " --set circuit.level=ideal --set twin.test.duration=1 --set twin.circuit_long_run=4"
                         " --set twin.circuit_long_run_discard=1 --set twin.metrics.stats_horizon=400");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto s = nlohmann::json::parse(read_text(dir.path() / "summary.json"));
  const auto& lr = s.at("long_run");
  CHECK(lr.at("true_horizon").get<double>() == 400.0);
  const auto mt = lr.at("true").at("mean").get<std::vector<double>>();
  const auto vt = lr.at("true").at("variance").get<std::vector<double>>();
  const auto mw = lr.at("true_same_window").at("mean").get<std::vector<double>>();
  const auto mc = lr.at("circuit").at("mean").get<std::vector<double>>();
  const auto vc = lr.at("circuit").at("variance").get<std::vector<double>>();
  REQUIRE(mt.size() == 6);
  // Lorenz96 is symmetric under a cyclic shift of its variables, so over 400
  // units every variable's mean and variance are close to the others'
  // (F = 8: means near 2, variances near 10); 3 units of one window are not.
  const auto [mlo, mhi] = std::minmax_element(mt.begin(), mt.end());
  const auto [vlo, vhi] = std::minmax_element(vt.begin(), vt.end());
  CHECK(*mlo > 1.0);
  CHECK(*mhi < 1.15 * *mlo);
  CHECK(*vhi < 1.15 * *vlo);
  double window_gap = 0;
  for (std::size_t d = 0; d < 6; ++d) window_gap = std::max(window_gap, std::abs(mw[d] - mt[d]) / mt[d]);
  CHECK(window_gap > 0.05);
  // The reported errors are those of the reported statistics.
  double em = 0, ev = 0;
  for (std::size_t d = 0; d < 6; ++d) {
    em = std::max(em, std::abs(mc[d] - mt[d]) / std::abs(mt[d]));
    ev = std::max(ev, std::abs(vc[d] - vt[d]) / std::abs(vt[d]));
  }
  CHECK(lr.at("max_relative_error_circuit").at("mean").get<double>() == Approx(em).epsilon(1e-12));
  CHECK(lr.at("max_relative_error_circuit").at("variance").get<double>() == Approx(ev).epsilon(1e-12));
  // The true run cut into non-overlapping windows of the circuit's 3 units
  // (151 samples at 0.02): 20001 / 151 = 132 of them, each straying from the
  // whole run's statistics as the single same-window truth does.
  const auto& tw = lr.at("true_windows");
  CHECK(tw.at("samples").get<long>() == 151);
  REQUIRE(tw.at("mean").size() == 132);
  CHECK(tw.at("variance").size() == 132);
  auto window_means = tw.at("mean").get<std::vector<double>>();
  std::sort(window_means.begin(), window_means.end());
  CHECK(window_means[66] > 0.05);
}

TEST_CASE("twin run: an Odeint solve the config starves of steps is a simulation error naming the keys", "[twin]") {
  const auto r = run_cli("run configs/lorenz96.yaml --reference-only --set sampling.ode.max_steps=200");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("integration failed") != std::string::npos);
  CHECK(r.err.find("sampling.ode.max_steps") != std::string::npos);
  CHECK(r.err.find("internal error") == std::string::npos);
}
