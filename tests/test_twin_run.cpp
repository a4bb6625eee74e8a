// memcosim run / netlist for a neural-ODE twin config, end to end with the
// real libngspice and the shipped HP memristor twin.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace memcosim::test;

TEST_CASE("twin run: the HP twin at ideal level runs every unseen drive end to end and follows the Odeint twin",
          "[twin]") {
  // The plumbing end to end (task dispatch, scaling, DAC drive, comparison,
  // files). The 1e-3 agreement of an ideal loop with Odeint is held by
  // "twin circuit: the ideal-level loop follows Boost.Odeint ..." on a
  // network with a leak; the shipped HP twin reaches 3e-4 (median) but up to
  // 1.4e-2 (max, square drive) at ideal level, not yet explained (README,
  // "HP memristor twin"), so its bound here is the plumbing's: 5e-2 max,
  // 2e-3 median.
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
    CHECK(c.at("state_error_vs_software_twin").at("max").get<double>() < 5e-2);
    CHECK(c.at("state_error_vs_software_twin").at("median").get<double>() < 2e-3);
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
