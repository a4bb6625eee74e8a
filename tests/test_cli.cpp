// The command-line front end end to end: exit statuses, located errors, and
// the shipped ring model meeting the foundation issue's acceptance bounds
// through the real executable.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace memcosim::test;

namespace {

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(read_text(p)); }

// Ring acceptance of the foundation issue, on the JSON `sample` writes.
void check_ring(const nlohmann::json& metrics, double max_std) {
  const auto& ring = metrics.at("ring_generated");
  INFO(metrics.dump(2));
  CHECK(ring.at("radius_mean").get<double>() >= 0.66);
  CHECK(ring.at("radius_mean").get<double>() <= 0.74);
  CHECK(ring.at("radius_std").get<double>() <= max_std);
  CHECK(ring.at("max_sector_deviation").get<double>() <= 0.35);
}

}  // namespace

TEST_CASE("cli: check prints the normalised config - bad input exits 2 with located errors", "[cli]") {
  const auto ok = run_cli("check configs/ring.yaml");
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains("learning_rate: 0.001"));
  CHECK_THAT(ok.out, Catch::Contains("  ode:\n    stepper: dopri5"));

  const auto bad = run_cli("check tests/data/config/negative.yaml");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("negative.yaml:2:18: training.learning_rate: must be > 0 (got -1e-3)"));
  CHECK_THAT(bad.err, Catch::Contains("3 errors in the input"));

  const auto flag = run_cli("sample configs/ring.yaml --method euler");
  CHECK(flag.exit_code != 0);
  CHECK_THAT(flag.err, Catch::Contains("--method"));
}

TEST_CASE("cli: a missing weight file is an input error at model.file", "[cli]") {
  const auto r = run_cli("sample configs/ring.yaml --set model.file=nowhere.yaml -n 10");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--set model.file=nowhere.yaml: model.file: weight file"));
  CHECK_THAT(r.err, Catch::Contains("memcosim train"));
}

TEST_CASE("cli: train writes a weight file that sample can use", "[cli]") {
  TempDir dir("cli_train");
  const std::string model = (dir / "m.yaml").string();
  const auto t =
      run_cli("train configs/ring.yaml -o " + model + " --set training.epochs=3 --set dataset.n=600 --log-every 1");
  INFO(t.out << t.err);
  REQUIRE(t.exit_code == 0);
  CHECK_THAT(t.out, Catch::Contains("epoch      3"));
  const auto s = run_cli("sample configs/ring.yaml --set model.file=" + model + " -n 300 -o " + (dir / "out").string());
  INFO(s.out << s.err);
  REQUIRE(s.exit_code == 0);
  const auto j = read_json(dir / "out/metrics.json");
  CHECK(j.at("n").get<long>() == 300);
  CHECK(j.at("solver").at("ok").get<bool>());
  // 300 rows of samples plus the header.
  const std::string csv = read_text(dir / "out/samples.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 301);
  CHECK(fs::exists(dir / "out/config.resolved.yaml"));
}

TEST_CASE("cli: the shipped ring model meets the acceptance bounds (PF-ODE and reverse SDE, n = 10000)", "[cli]") {
  TempDir dir("cli_ring");
  const auto ode = run_cli("sample configs/ring.yaml --engine reference -n 10000 -o " + (dir / "ode").string());
  INFO(ode.out << ode.err);
  REQUIRE(ode.exit_code == 0);
  check_ring(read_json(dir / "ode/metrics.json").at("metrics"), 0.08);

  const auto sde =
      run_cli("sample configs/ring.yaml --engine reference -n 10000 --method sde -o " + (dir / "sde").string());
  INFO(sde.out << sde.err);
  REQUIRE(sde.exit_code == 0);
  check_ring(read_json(dir / "sde/metrics.json").at("metrics"), 0.10);
}
