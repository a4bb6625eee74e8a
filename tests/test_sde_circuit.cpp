// The reverse SDE in the circuit (same Brownian path as the references),
// reproducibility of every noise source across processes, and the letters
// task end to end.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "nn/dataset.hpp"
#include "nn/weights.hpp"
#include "reference/sampler.hpp"
#include "support.hpp"
#include "tasks/diffusion/pipeline.hpp"
#include "tasks/diffusion/setup.hpp"

using namespace memcosim;
using namespace memcosim::test;

namespace {

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(read_text(p)); }

// samples.csv without its wall_seconds column (the only one that may differ
// between two identical runs).
// samples.csv without its timing column, the rows in index order (they are
// written as the workers finish, so two runs may order them differently).
std::string samples_without_timing(const fs::path& p) {
  std::istringstream in(read_text(p));
  std::string line, header;
  std::vector<std::pair<long, std::string>> rows;
  int timing = -1;
  for (int row = 0; std::getline(in, line); ++row) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    if (row == 0)
      for (std::size_t k = 0; k < cells.size(); ++k)
        if (cells[k] == "wall_seconds") timing = static_cast<int>(k);
    std::string out;
    for (std::size_t k = 0; k < cells.size(); ++k)
      if (static_cast<int>(k) != timing) out += cells[k] + ",";
    if (row == 0)
      header = out;
    else
      rows.emplace_back(std::stol(cells.at(0)), out);
  }
  REQUIRE(timing >= 0);
  std::sort(rows.begin(), rows.end());
  std::string out = header + "\n";
  for (const auto& r : rows) out += r.second + "\n";
  return out;
}

const std::string kNoisy =
    " --set circuit.crossbar.read_noise.white=2e-5 --set circuit.crossbar.read_noise.flicker=1e-5"
    " --set circuit.crossbar.read_noise.rtn_fraction=0.1 --set circuit.crossbar.read_noise.rtn_amplitude=0.05"
    " --set circuit.crossbar.read_noise.temperature=300 --set circuit.crossbar.read_noise.points=50"
    " --set circuit.crossbar.programming_error=0.05 --set circuit.crossbar.programming_error_abs=0.5u"
    " --set circuit.crossbar.stuck_at_min=0.01 --set circuit.crossbar.stuck_at_max=0.01"
    " --set sampling.method=sde";

}  // namespace

TEST_CASE("noise: same seeds give byte-identical netlists and results in separate processes, other seeds differ",
          "[noise][run]") {
  TempDir dir("noise_repro");
  auto netlist = [&](const std::string& name, const std::string& extra) {
    const auto r = run_cli("netlist configs/ring.yaml -o " + (dir / name).string() + kNoisy + extra);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return read_text(dir / name);
  };
  // Two processes, the same seeds: identical bytes (programming, stuck cells,
  // read-noise waveforms of every cell and column, the Brownian PWL sources).
  const std::string a = netlist("a.cir", ""), b = netlist("b.cir", "");
  CHECK(a == b);
  CHECK_THAT(a, Catch::Contains("*(1+pwl("));
  CHECK_THAT(a, Catch::Contains("Bl1_thermal_c0"));
  CHECK_THAT(a, Catch::Contains("Vbw0 bw0 0 PWL("));
  // Another chip, another sampling seed, another trajectory: each changes
  // what it should and leaves the rest.
  const std::string chip = netlist("chip.cir", " --set circuit.crossbar.device_seed=99");
  const std::string path = netlist("path.cir", " --set sampling.seed=5");
  const std::string traj = netlist("traj.cir", " --sample 1");
  CHECK(chip != a);
  CHECK(path != a);
  CHECK(traj != a);
  auto line_of = [](const std::string& text, const std::string& start) {
    const auto p = text.find("\n" + start);
    REQUIRE(p != std::string::npos);
    return text.substr(p + 1, text.find('\n', p + 1) - p - 1);
  };
  CHECK(line_of(chip, "Vbw0") == line_of(a, "Vbw0"));                // the path does not depend on the chip
  CHECK(line_of(path, "Bl2_p_r3_c4") == line_of(a, "Bl2_p_r3_c4"));  // the device does not depend on the path
  CHECK(line_of(path, "Vbw0") != line_of(a, "Vbw0"));
  CHECK(line_of(traj, "Bl2_p_r3_c4") != line_of(a, "Bl2_p_r3_c4"));  // read noise is per trajectory

  // Two whole runs in separate processes: identical results.
  const std::string run = "run configs/ring.yaml -n 2 -q --set circuit.level=ideal" + kNoisy + " -o ";
  const auto r1 = run_cli(run + (dir / "r1").string());
  const auto r2 = run_cli(run + (dir / "r2").string());
  INFO(r1.out << r1.err);
  REQUIRE(r1.exit_code == 0);
  REQUIRE(r2.exit_code == 0);
  CHECK(samples_without_timing(dir / "r1/samples.csv") == samples_without_timing(dir / "r2/samples.csv"));
  CHECK(read_text(dir / "r1/netlist.cir") == read_text(dir / "r2/netlist.cir"));
  const auto r3 = run_cli(run + (dir / "r3").string() + " --set circuit.crossbar.device_seed=99");
  REQUIRE(r3.exit_code == 0);
  CHECK(samples_without_timing(dir / "r1/samples.csv") != samples_without_timing(dir / "r3/samples.csv"));
}

TEST_CASE("run: reverse SDE at ideal level follows the same-path reference within 1e-3", "[run][sde]") {
  TempDir dir("sde_ideal");
  const auto r = run_cli("run configs/ring.yaml -n 5 -q -o " + dir.path().string() +
                         " --set circuit.level=ideal --set sampling.method=sde");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto s = read_json(dir / "summary.json");
  CHECK(s.at("sampling").at("method") == "sde");
  CHECK(s.at("trajectories").at("ok") == 5);
  CHECK(s.at("error_vs_reference").at("final").at("max").get<double>() < 1e-3);
  CHECK_THAT(read_text(dir / "netlist.cir"), Catch::Contains("* ---- diffusion sources ----"));
}

TEST_CASE("SDE reference: the circuit's piecewise-linear path converges to Euler-Maruyama on the same increments",
          "[sde]") {
  // The circuit-equivalent reference integrates dx = (x + 2 s) du + dY with
  // Y piecewise linear through the Euler-Maruyama increments; the software
  // sampler steps the same increments. Both converge to the same strong
  // solution, so their distance must shrink as the grid is refined (about
  // linearly in the step for additive noise).
  std::vector<double> distance;
  for (int steps : {250, 1000, 4000}) {
    const config::Config cfg =
        config::load_config(source_path("configs/ring.yaml").string(),
                            {"circuit.level=ideal", "circuit.dac.points=0", "sampling.method=sde",
                             "sampling.sde.steps=" + std::to_string(steps),
                             "circuit.diffusion.points=10000000" /* the bound; far finer than any Brownian step: every
                                                                    step stays a corner */
                             ,
                             "circuit.diffusion.resistance=0"});
    const auto model = nn::load_weights(cfg.resolve(cfg.model.file).string());
    const auto path = tasks::diffusion::brownian_path_for(cfg);
    REQUIRE(path);
    const tasks::diffusion::SolverCircuit sc = tasks::diffusion::build_circuit(cfg, model, false, 0, &*path);
    REQUIRE(sc.diffusion_times.size() == static_cast<std::size_t>(steps) + 1);  // no corner merged
    auto so = tasks::diffusion::sampler_options(cfg);
    so.n = 40;
    const Eigen::MatrixXd x0 = reference::initial_states(so, 2, 0, so.n);
    Eigen::MatrixXd x = x0;
    const reference::BatchRhs drift = [&](const Eigen::MatrixXd& s, Eigen::MatrixXd& d, double tau) {
      model.net.forward(s, sc.embedding(tau), nullptr, d);
      d = (s + 2.0 * d) / sc.tau0;
    };
    reference::OdeOptions o;
    o.rtol = o.atol = 1e-9;
    o.dt_initial = sc.duration * 1e-4;
    REQUIRE(tasks::diffusion::solve_circuit_sde(sc, drift, *path, 0, x, o).ok);
    const auto em = reference::sample(model.net, tasks::diffusion::sampling_schedule(cfg, model.schedule), so);
    REQUIRE(em.stats.ok);
    distance.push_back((x - em.samples).colwise().norm().mean());
  }
  INFO("mean distance at 250, 1000, 4000 steps: " << distance[0] << ", " << distance[1] << ", " << distance[2]);
  CHECK(distance[1] < 0.5 * distance[0]);
  CHECK(distance[2] < 0.5 * distance[1]);
  CHECK(distance[2] < 0.01);
}

TEST_CASE("reverse SDE at behavioural level: 50 trajectories end within 1e-2 of the same-path reference",
          "[run][sde][slow]") {
  TempDir dir("sde_behavioral");
  const auto r = run_cli("run configs/ring_sde.yaml -n 50 -q -o " + dir.path().string());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto s = read_json(dir / "summary.json");
  INFO(s.dump(2));
  CHECK(s.at("trajectories").at("ok") == 50);
  CHECK(s.at("circuit").at("level") == "behavioral");
  CHECK(s.at("error_vs_reference").at("final").at("max").get<double>() <= 1e-2);
}

// ---------------------------------------------------------------------------
// Letters

TEST_CASE("letters: points lie on their letter's strokes, classes balanced, reproducible", "[letters]") {
  Rng rng(3);
  const double height = 1.6, jitter = 0.04;
  const auto s = nn::sample_letters("HKU", height, jitter, 9000, rng);
  REQUIRE(s.points.cols() == 9000);
  // Distance to the nearest stroke, computed here from the stroke ends
  // (segments) and centre/radius (arcs), in the scaled box.
  const double hw = 0.375 * height, hh = 0.5 * height;
  auto distance = [&](char letter, double x, double y) {
    double best = 1e9;
    for (const auto& st : nn::letter_strokes(letter)) {
      if (st.radius == 0) {
        const double ax = hw * st.x0, ay = hh * st.y0, bx = hw * st.x1, by = hh * st.y1;
        const double t = std::clamp(
            ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) * (bx - ax) + (by - ay) * (by - ay)), 0.0, 1.0);
        best = std::min(best, std::hypot(x - ax - t * (bx - ax), y - ay - t * (by - ay)));
      } else {
        // The arc is of an ellipse after scaling; sample it densely.
        for (int k = 0; k <= 2000; ++k) {
          const double a = st.a0 + (st.a1 - st.a0) * k / 2000.0;
          best = std::min(
              best, std::hypot(x - hw * (st.x0 + st.radius * std::cos(a)), y - hh * (st.y0 + st.radius * std::sin(a))));
        }
      }
    }
    return best;
  };
  std::array<int, 3> count{};
  int near = 0;
  for (Eigen::Index j = 0; j < s.points.cols(); ++j) {
    const int c = s.labels[static_cast<std::size_t>(j)];
    REQUIRE((c >= 0 && c < 3));
    ++count[static_cast<std::size_t>(c)];
    near += distance("HKU"[c], s.points(0, j), s.points(1, j)) < 3 * jitter;
  }
  // P(|2-D jitter| < 3 sigma) = 1 - exp(-4.5) = 0.989; the distance to the
  // nearest stroke is at most that.
  CHECK(near > 0.985 * 9000);
  for (int c : count) CHECK(std::abs(c - 3000) < 4 * std::sqrt(9000 * (1.0 / 3) * (2.0 / 3)));
  // The bowl of the U reaches the bottom of the box; H does not go below it.
  Rng again(3);
  CHECK(nn::sample_letters("HKU", height, jitter, 10, again).points == s.points.leftCols(10));
  Rng one(4);
  const auto k = nn::sample_letters("HKU", height, jitter, 500, one, 1);
  for (int c : k.labels) CHECK(c == 1);
  CHECK_THROWS_AS(nn::sample_letters("HQ", height, jitter, 5, rng), std::invalid_argument);
  CHECK_THROWS_AS(nn::sample_letters("HH", height, jitter, 5, rng), std::invalid_argument);
}

TEST_CASE("run --class: a class by name or index, every class, per-class targets and pictures", "[run][letters]") {
  TempDir dir("letters_class");
  const std::string quick = " -n 3 -q --set circuit.level=ideal --set metrics.target_samples=500";
  const auto k = run_cli("run configs/letters.yaml --class K -o " + (dir / "k").string() + quick);
  INFO(k.out << k.err);
  REQUIRE(k.exit_code == 0);
  const auto s = read_json(dir / "k/summary.json");
  CHECK(s.at("sampling").at("class") == "K");
  CHECK(s.at("sampling").at("class_index") == 1);
  CHECK_THAT(read_text(dir / "k/netlist.cir"), Catch::Contains("class 1; enters every hidden column"));
  const auto by_index = run_cli("run configs/letters.yaml --class 1 -o " + (dir / "k1").string() + quick);
  REQUIRE(by_index.exit_code == 0);
  CHECK(read_text(dir / "k1/netlist.cir") == read_text(dir / "k/netlist.cir"));

  const auto bad = run_cli("run configs/letters.yaml --class Q -o " + (dir / "q").string() + quick);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("--class Q"));
  CHECK_THAT(bad.err, Catch::Contains("H, K, U"));

  const auto all = run_cli("run configs/letters.yaml --class all -o " + (dir / "all").string() + quick);
  INFO(all.out << all.err);
  REQUIRE(all.exit_code == 0);
  const auto sum = read_json(dir / "all/summary.json");
  REQUIRE(sum.at("classes").size() == 3);
  for (int c = 0; c < 3; ++c) {
    const auto& e = sum.at("classes").at(static_cast<std::size_t>(c));
    CHECK(e.at("class") == std::string(1, "HKU"[c]));
    CHECK(fs::exists(dir / ("all/" + e.at("class").get<std::string>()) / "samples.png"));
  }
  CHECK(fs::file_size(dir / "all/classes.png") > 1000);
  CHECK_THAT(all.out, Catch::Contains("per class"));
}

TEST_CASE("letters at behavioural level: every class's circuit KL within 1.5x of the software sampler's",
          "[run][letters][slow]") {
  TempDir dir("letters_behavioral");
  const auto r = run_cli("run configs/letters.yaml --class all -n 120 -q -o " + dir.path().string());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto s = read_json(dir / "summary.json");
  REQUIRE(s.at("classes").size() == 3);
  for (const auto& c : s.at("classes")) {
    INFO("class " << c.at("class") << ": KL circuit " << c.at("kl_circuit") << ", software " << c.at("kl_software"));
    CHECK(c.at("trajectories").at("ok") == 120);
    CHECK(c.at("kl_circuit").get<double>() <= 1.5 * c.at("kl_software").get<double>());
  }
}

TEST_CASE("run --reference-only: the settled ideal circuit with exact weights samples what the software sampler does",
          "[run][reference]") {
  TempDir dir("reference_only");
  const std::string common =
      "run configs/ring.yaml --reference-only -n 300 --set simulation.reference=circuit "
      "--set circuit.level=ideal --set circuit.dac.points=0 --set metrics.target_samples=2000";
  const auto exact = run_cli(common + " -o " + (dir / "exact").string());
  INFO(exact.out << exact.err);
  REQUIRE(exact.exit_code == 0);
  CHECK_THAT(exact.out, Catch::Contains("no ngspice"));
  const auto s = read_json(dir / "exact/summary.json");
  const double kl_ref = s.at("metrics").at("reference").at("kl").at("value").get<double>();
  const double kl_soft = s.at("metrics").at("software").at("kl").at("value").get<double>();
  CHECK(kl_ref == Approx(kl_soft).epsilon(1e-3));
  // A programmed chip samples something else.
  const auto chip = run_cli(common + " --set circuit.crossbar.programming_error=0.2 -o " + (dir / "chip").string());
  REQUIRE(chip.exit_code == 0);
  const double kl_chip =
      read_json(dir / "chip/summary.json").at("metrics").at("reference").at("kl").at("value").get<double>();
  CHECK(kl_chip > 1.5 * kl_soft);
}
