// memcosim run / netlist / sim end to end with the real libngspice and the
// shipped ring model: the co-simulation issue's acceptance checks.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "nn/score_net.hpp"
#include "nn/weights.hpp"
#include "spice/runner.hpp"
#include "support.hpp"
#include "util/random.hpp"

using namespace memcosim;
using namespace memcosim::test;

namespace {

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(read_text(p)); }

// samples.csv as rows of named cells.
std::vector<std::map<std::string, std::string>> read_samples(const fs::path& p) {
  std::istringstream in(read_text(p));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) header.push_back(cell);
  }
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    std::map<std::string, std::string> row;
    std::stringstream ss(line);
    std::string cell;
    for (std::size_t k = 0; k < header.size() && std::getline(ss, cell, ','); ++k) row[header[k]] = cell;
    rows.push_back(row);
  }
  return rows;
}

double num(const std::map<std::string, std::string>& row, const std::string& key) { return std::stod(row.at(key)); }

}  // namespace

TEST_CASE("run: ideal circuit, unquantised weights, 50 trajectories end within 5e-3 of the reference", "[run]") {
  TempDir dir("run_ideal");
  // Ideal sources too (dac.points = 0): then the circuit solves exactly the
  // PF-ODE, so its end points can also be checked against the independent
  // software sampler, not only the circuit-equivalent reference.
  const auto r = run_cli("run configs/ring.yaml -n 50 -q -o " + dir.path().string() +
                         " --set circuit.level=ideal --set circuit.dac.points=0");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto rows = read_samples(dir / "samples.csv");
  REQUIRE(rows.size() == 50);
  double worst_ref = 0, worst_soft = 0;
  for (const auto& row : rows) {
    REQUIRE(row.at("status") == "ok");
    worst_ref = std::max(worst_ref, num(row, "final_error"));
    worst_soft = std::max(worst_soft, std::hypot(num(row, "circuit_x0") - num(row, "software_x0"),
                                                 num(row, "circuit_x1") - num(row, "software_x1")));
  }
  INFO("worst final error vs circuit-equivalent reference " << worst_ref << ", vs software PF-ODE " << worst_soft);
  CHECK(worst_ref < 5e-3);
  CHECK(worst_soft < 5e-3);
  // The same with the default 250-point DAC: the reference sees the same waveforms.
  TempDir dac("run_ideal_dac");
  const auto d = run_cli("run configs/ring.yaml -n 50 -q -o " + dac.path().string() + " --set circuit.level=ideal");
  REQUIRE(d.exit_code == 0);
  CHECK(read_json(dac / "summary.json").at("error_vs_reference").at("final").at("max").get<double>() < 5e-3);
}

TEST_CASE("run: behavioural defaults, 500 samples: KL within 1.5x of the software sampler's, pictures written",
          "[run]") {
  TempDir dir("run_behavioral");
  const auto r = run_cli("run configs/ring.yaml -n 500 -q -o " + dir.path().string());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto s = read_json(dir / "summary.json");
  INFO(s.dump(2));
  CHECK(s.at("trajectories").at("ok").get<long>() == 500);
  const double kl_circuit = s.at("metrics").at("circuit").at("kl").at("value").get<double>();
  const double kl_software = s.at("metrics").at("software").at("kl").at("value").get<double>();
  CHECK(kl_circuit <= 1.5 * kl_software);
  // Still a ring (the pictures are for people; these are their numbers).
  const auto& ring = s.at("metrics").at("circuit").at("ring_generated");
  CHECK(std::abs(ring.at("radius_mean").get<double>() - 0.7) < 0.04);
  for (const char* f : {"samples.png", "trajectories.png", "netlist.cir", "trajectories.csv", "config.resolved.yaml"}) {
    INFO(f);
    CHECK(fs::file_size(dir / f) > 1000);
  }
}

TEST_CASE("netlist: deterministic, and the ngspice program gives the in-process final voltages", "[run]") {
  TempDir dir("run_netlist");
  const auto a = run_cli("netlist configs/ring.yaml -o " + (dir / "a.cir").string());
  const auto b = run_cli("netlist configs/ring.yaml -o " + (dir / "b.cir").string());
  REQUIRE(a.exit_code == 0);
  REQUIRE(b.exit_code == 0);
  const std::string text = read_text(dir / "a.cir");
  CHECK(text == read_text(dir / "b.cir"));
  CHECK_THAT(text, Catch::Contains("* ---- l2 crossbar ----"));
  CHECK_THAT(text, Catch::Contains("Bl1_p_r0_c3 x0 l1_c3 I="));

  // The same trajectory 0 in-process through memcosim ...
  const auto run = run_cli("run configs/ring.yaml -n 1 -q --in-process -o " + (dir / "run").string());
  REQUIRE(run.exit_code == 0);
  const auto row = read_samples(dir / "run/samples.csv").at(0);
  const double k_state = 0.03;  // circuit.scaling.state default
  // ... and the written netlist, unchanged, in the ngspice program.
  std::ofstream(dir / "wrap.cir")
      << "wrapper\n.include " << (dir / "a.cir").string()
      << "\n.control\nrun\nlet n = length(time) - 1\nprint v(x0)[n] v(x1)[n]\n.endc\n.end\n";
  // ngspice 39's program exits 1 after a .control block without .print
  // lines ("no simulations run") although the block ran: judge by the output.
  const std::string cmd = "cd '" + dir.path().string() + "' && ngspice -b wrap.cir > batch.log 2>&1";
  (void)std::system(cmd.c_str());
  const std::string log = read_text(dir / "batch.log");
  INFO(log);
  auto value = [&](const std::string& key) {
    const auto pos = log.find(key + " = ");
    REQUIRE(pos != std::string::npos);
    return std::stod(log.substr(pos + key.size() + 3));
  };
  CHECK(value("v(x0)[n]") == Approx(num(row, "circuit_x0") * k_state).margin(1e-6));
  CHECK(value("v(x1)[n]") == Approx(num(row, "circuit_x1") * k_state).margin(1e-6));
}

TEST_CASE("run: a crashing and a hanging simulation are reported - the other trajectories are kept", "[run]") {
  TempDir dir("run_faults");
  ::setenv("MEMCOSIM_TEST_FAULTS", "1:segfault,2:hang", 1);
  const auto r = run_cli("run configs/ring.yaml -n 5 -q -o " + dir.path().string() +
                         " --set circuit.level=ideal --set simulation.timeout=5");
  ::unsetenv("MEMCOSIM_TEST_FAULTS");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("2 of 5 transients failed"));
  CHECK_THAT(r.out, Catch::Contains("trajectory 1: crashed"));
  CHECK_THAT(r.out, Catch::Contains("trajectory 2: timeout"));
  const auto rows = read_samples(dir / "samples.csv");
  REQUIRE(rows.size() == 5);
  int ok = 0;
  for (const auto& row : rows) {
    if (row.at("status") != "ok") continue;
    ++ok;
    CHECK(num(row, "final_error") < 5e-3);
  }
  CHECK(ok == 3);
  const auto s = read_json(dir / "summary.json");
  CHECK(s.at("failures").size() == 2);
  CHECK(fs::exists(dir / "samples.png"));
}

TEST_CASE("config strings cannot reach the netlist as control text", "[run]") {
  const auto r = run_cli("netlist configs/ring.yaml --set 'name=\"x\\n.control\\nshell true\"'");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("name: must be letters, digits"));
}

TEST_CASE("sim: any netlist to CSV - a syntax error, a convergence failure and a simulator crash exit non-zero",
          "[run]") {
  TempDir dir("sim");
  const auto ok = run_cli("sim tests/data/spice/rc_lowpass.cir --raw -o " + dir.path().string());
  INFO(ok.out << ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK_THAT(read_text(dir / "tran1.csv"), Catch::StartsWith("time,"));
  CHECK(fs::file_size(dir / "sim.raw") > 100);

  const auto syntax = run_cli("sim tests/data/spice/missing_model.cir -o " + (dir / "b").string());
  CHECK(syntax.exit_code == 2);
  CHECK_THAT(syntax.err, Catch::Contains("missing_model.cir"));
  CHECK_THAT(syntax.err, Catch::Contains("d1"));

  const auto conv = run_cli("sim tests/data/spice/tan_blowup.cir -o " + (dir / "c").string());
  CHECK(conv.exit_code == 1);
  CHECK_THAT(conv.err, Catch::Contains("imestep too small"));

  // An EXTERNAL source without a callback: ngspice 39 crashes (SIGSEGV), 46
  // makes a controlled exit naming v1. Either way a clear error, exit 1.
  const auto ext = run_cli("sim tests/data/spice/external_source.cir -o " + (dir / "e").string());
  INFO(ext.err);
  CHECK(ext.exit_code == 1);
  CHECK_THAT(ext.err, Catch::Contains("external_source.cir: the simulator"));
  CHECK_THAT(ext.err, Catch::Contains("v1") || Catch::Contains("SIGSEGV"));
}

TEST_CASE("one worker, 1000 consecutive ring simulations: resident memory grows < 5%", "[run][slow]") {
  TempDir dir("run_memory");
  REQUIRE(run_cli("netlist configs/ring.yaml --set circuit.level=ideal --set circuit.dac.points=0 -o " +
                  (dir / "ring.cir").string())
              .exit_code == 0);
  const std::string netlist = read_text(dir / "ring.cir");
  spice::RunnerOptions o;
  o.pool.workers = 1;
  spice::Runner runner(o);
  std::vector<std::uint64_t> rss(1000, 0);
  for (std::uint64_t i = 0; i < 1000; ++i) {
    spice::Job job;
    job.id = i;
    job.netlist = netlist;
    job.vectors = {"x0"};
    runner.submit(std::move(job));
  }
  while (auto r = runner.next()) {
    REQUIRE(r->ok());
    rss[r->id] = r->rss_bytes;
  }
  const double early = static_cast<double>(rss[49]), late = static_cast<double>(rss[999]);
  INFO("RSS after 50 runs " << early / 1e6 << " MB, after 1000 runs " << late / 1e6 << " MB");
  CHECK(late < 1.05 * early);
}

namespace {
// Largest distance between circuit and software end points in samples.csv.
double worst_vs_software(const fs::path& csv) {
  double worst = 0;
  for (const auto& row : read_samples(csv)) {
    REQUIRE(row.at("status") == "ok");
    worst = std::max(worst, std::hypot(num(row, "circuit_x0") - num(row, "software_x0"),
                                       num(row, "circuit_x1") - num(row, "software_x1")));
  }
  return worst;
}
}  // namespace

TEST_CASE("run: the variable-gain schedule form solves the same PF-ODE", "[run]") {
  TempDir dir("run_vargain");
  const auto r =
      run_cli("run configs/ring.yaml -n 20 -q -o " + dir.path().string() +
              " --set circuit.level=ideal --set circuit.dac.points=0 --set circuit.schedule_form=variable_gain");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(read_text(dir / "netlist.cir"), Catch::Contains("* ---- schedule multipliers ----"));
  CHECK(worst_vs_software(dir / "samples.csv") < 5e-3);
}

TEST_CASE("run: a conditional network's class embedding enters as DC sources", "[run]") {
  TempDir dir("run_class");
  nn::Architecture arch;
  arch.num_classes = 3;
  nn::ScoreNet net(arch);
  Rng rng(11);
  net.init(rng);
  const std::string model = (dir / "cond.yaml").string();
  nn::save_weights(model, net, sde::VpSchedule{0.001, 0.5}, nn::Provenance{});
  const std::string common = " -n 10 -q --set model.file=" + model +
                             " --set model.classes=3 --set circuit.level=ideal --set circuit.dac.points=0";
  const auto c1 =
      run_cli("run configs/ring.yaml -o " + (dir / "c1").string() + common + " --set sampling.class_index=1");
  INFO(c1.out << c1.err);
  REQUIRE(c1.exit_code == 0);
  CHECK_THAT(read_text(dir / "c1/netlist.cir"), Catch::Contains("* ---- class-embedding sources ----"));
  CHECK(worst_vs_software(dir / "c1/samples.csv") < 5e-3);
  // Another class moves the samples: the DC sources do matter.
  const auto c2 =
      run_cli("run configs/ring.yaml -o " + (dir / "c2").string() + common + " --set sampling.class_index=2");
  REQUIRE(c2.exit_code == 0);
  const auto a = read_samples(dir / "c1/samples.csv"), b = read_samples(dir / "c2/samples.csv");
  CHECK(std::abs(num(a[0], "circuit_x0") - num(b[0], "circuit_x0")) > 1e-3);
  // An out-of-range class is an input error.
  const auto bad =
      run_cli("run configs/ring.yaml -o " + (dir / "c3").string() + common + " --set sampling.class_index=3");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("sampling.class_index"));
}
