// One YAML diagnostics toolkit (util/yaml_diag.hpp) behind every reader:
// configs, study files, weight files (score networks, twin MLPs, PRIME
// models) and regression cases report unknown and duplicate keys alike.
#include <sstream>

#include "config/config.hpp"
#include "nn/mlp_weights.hpp"
#include "nn/weights.hpp"
#include "regress/case.hpp"
#include "study/study.hpp"
#include "support.hpp"
#include "tasks/diffusion/setup.hpp"
#include "tasks/prime/model.hpp"
#include "util/yaml_diag.hpp"

namespace memcosim {
namespace {

using test::input_error_of;
using test::read_text;
using test::source_path;
using test::TempDir;

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

std::string study_file(const std::string& body) {
  return "config: " + source_path("configs/ring.yaml").string() + "\n" + body;
}

std::string load_study_error(const std::filesystem::path& p) {
  std::ostringstream warn;
  return input_error_of([&] { (void)study::load_study(p.string(), warn, false); });
}

}  // namespace

TEST_CASE("yaml diagnostics: edit distance, suggestions and the name rule", "[yaml]") {
  using namespace yamldiag;
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("Grid", "grid") == 0);
  CHECK(closest("metod", {"n", "method", "seed"}) == std::optional<std::string>("method"));
  CHECK_FALSE(closest("xyz", {"method", "batch"}).has_value());
  CHECK(valid_name("ring_1.a-b"));
  CHECK_FALSE(valid_name(""));
  CHECK_FALSE(valid_name("-x"));
  CHECK_FALSE(valid_name(".x"));
  CHECK_FALSE(valid_name("a b"));
  CHECK_FALSE(valid_name("a/b"));
  CHECK(join_key("", "grid") == "grid");
  CHECK(join_key("a.b", "c") == "a.b.c");
}

TEST_CASE("yaml diagnostics: a duplicate key names both lines in a config, a study, weight files and a case",
          "[yaml][config][study][weights][regress]") {
  TempDir tmp("yaml_dup");
  // Config.
  write(tmp / "config.yaml", "name: dup\nsampling:\n  n: 10\n  method: pf_ode\n  n: 20\n");
  CHECK_THAT(input_error_of([&] { (void)config::load_config((tmp / "config.yaml").string()); }),
             Catch::Contains("config.yaml:5:3: sampling.n: duplicate key (first given on line 3)"));

  // Study: at top level and inside a section.
  write(tmp / "study.yaml", study_file("grid:\n  sampling.n: [10, 20]\ngrid:\n  sampling.n: [30]\n"));
  CHECK_THAT(load_study_error(tmp / "study.yaml"),
             Catch::Contains("study.yaml:4:1: grid: duplicate key (first given on line 2)"));
  write(tmp / "study_set.yaml", study_file("set:\n  sampling.n: 5\n  sampling.n: 6\n"));
  CHECK_THAT(load_study_error(tmp / "study_set.yaml"),
             Catch::Contains("study_set.yaml:4:3: set.sampling.n: duplicate key (first given on line 3)"));

  // Score-network weights.
  const std::string ring = read_text(source_path("models/ring_score.yaml"));
  write(tmp / "score.yaml", replace_once(ring, "  beta_max: 0.5\n", "  beta_max: 0.5\n  beta_min: 0.002\n"));
  CHECK_THAT(input_error_of([&] { (void)nn::load_weights((tmp / "score.yaml").string()); }),
             Catch::Contains("score.yaml:15:3: schedule.beta_min: duplicate key (first given on line 13)"));

  // Twin MLP weights.
  const std::string hp = read_text(source_path("models/hp_memristor_twin.yaml"));
  write(tmp / "mlp.yaml", replace_once(hp, "  activation: relu\n", "  activation: relu\n  output_dim: 3\n"));
  CHECK_THAT(input_error_of([&] { (void)nn::load_mlp((tmp / "mlp.yaml").string()); }),
             Catch::Contains("mlp.yaml:9:3: architecture.output_dim: duplicate key (first given on line 7)"));

  // PRIME model.
  const std::string prime = read_text(source_path("models/prime_fmnist.yaml"));
  write(tmp / "prime.yaml", replace_once(prime, "threshold: 0.5\n", "threshold: 0.5\nbeta: 0.9\n"));
  CHECK_THAT(input_error_of([&] { (void)tasks::prime::read_model((tmp / "prime.yaml").string()); }),
             Catch::Contains("prime.yaml:7:1: beta: duplicate key (first given on line 5)"));

  // Regression case.
  write(tmp / "case.yaml", "netlist: " + source_path("netlists/ring.cir").string() +
                               "\nprobes:\n  - {name: x0, vector: v(x0), abs: 1e-5, abs: 2e-5}\n");
  CHECK_THAT(input_error_of([&] { (void)regress::load_case(tmp / "case.yaml"); }),
             Catch::Contains("case.yaml:3:42: probes[0].abs: duplicate key (first given on line 3)"));
}

TEST_CASE("yaml diagnostics: an unknown key gets one message style with did-you-mean in every reader",
          "[yaml][config][study][weights][regress]") {
  TempDir tmp("yaml_unknown");
  write(tmp / "config.yaml", "sampling:\n  metod: sde\n");
  CHECK_THAT(input_error_of([&] { (void)config::load_config((tmp / "config.yaml").string()); }),
             Catch::Contains("config.yaml:2:3: sampling.metod: unknown key 'metod'; did you mean 'sampling.method'?"));

  write(tmp / "study.yaml", study_file("plot:\n  log_z: true\n"));
  CHECK_THAT(load_study_error(tmp / "study.yaml"),
             Catch::Contains("study.yaml:3:3: plot.log_z: unknown key 'log_z'; did you mean 'plot.log_x'?"));

  const std::string ring = read_text(source_path("models/ring_score.yaml"));
  write(tmp / "score.yaml", replace_once(ring, "  output_gain: 5\n", "  output_gian: 5\n"));
  CHECK_THAT(input_error_of([&] { (void)nn::load_weights((tmp / "score.yaml").string()); }),
             Catch::Contains("score.yaml:9:3: architecture.output_gian: unknown key 'output_gian'; did you mean "
                             "'architecture.output_gain'?"));

  const std::string prime = read_text(source_path("models/prime_fmnist.yaml"));
  write(tmp / "prime.yaml", replace_once(prime, "threshold: 0.5\n", "treshold: 0.5\n"));
  CHECK_THAT(input_error_of([&] { (void)tasks::prime::read_model((tmp / "prime.yaml").string()); }),
             Catch::Contains("prime.yaml:6:1: treshold: unknown key 'treshold'; did you mean 'threshold'?"));

  write(tmp / "case.yaml", "netlst: x.cir\nprobes:\n  - {name: x0, vector: v(x0), abs: 1e-5}\n");
  CHECK_THAT(input_error_of([&] { (void)regress::load_case(tmp / "case.yaml"); }),
             Catch::Contains("case.yaml:1:1: netlst: unknown key 'netlst'; did you mean 'netlist'?"));

  // With nothing close, the keys that are allowed there.
  write(tmp / "far.yaml", "sampling:\n  zzzzzzzz: 1\n");
  CHECK_THAT(input_error_of([&] { (void)config::load_config((tmp / "far.yaml").string()); }),
             Catch::Contains("far.yaml:2:3: sampling.zzzzzzzz: unknown key 'zzzzzzzz' (known keys here: method, n,"));
}

TEST_CASE("config rules: each section's rules are checked by the reader, gated sections only when they apply",
          "[config]") {
  TempDir tmp("config_rules");
  // twin: rules apply with task: twin only.
  const std::string twin_keys = "twin:\n  hp:\n    r_on: 100\n    r_off: 50\n";
  write(tmp / "diffusion.yaml", "task: diffusion\n" + twin_keys);
  CHECK_NOTHROW(config::load_config((tmp / "diffusion.yaml").string()));
  write(tmp / "twin.yaml", "task: twin\n" + twin_keys);
  CHECK_THAT(input_error_of([&] { (void)config::load_config((tmp / "twin.yaml").string()); }),
             Catch::Contains("twin.yaml:5:12: twin.hp.r_off: must be > twin.hp.r_on (got 50 <= 100)"));
  // A rule on every element of a list names each element that breaks it.
  write(tmp / "hidden.yaml", "model:\n  hidden: [13, 14, 15]\n");
  const std::string m = input_error_of([&] { (void)config::load_config((tmp / "hidden.yaml").string()); });
  CHECK_THAT(m, Catch::Contains("hidden.yaml:2:12: model.hidden[0]: must be even (got 13)"));
  CHECK_THAT(m, Catch::Contains("hidden.yaml:2:20: model.hidden[2]: must be even (got 15)"));
  CHECK_THAT(m, !Catch::Contains("model.hidden[1]"));
  // A rule across sections, at the key it names.
  write(tmp / "letters.yaml", "dataset:\n  kind: letters\n  letters: {text: HKU}\nmodel:\n  classes: 2\n");
  CHECK_THAT(input_error_of([&] { (void)config::load_config((tmp / "letters.yaml").string()); }),
             Catch::Contains("letters.yaml:5:12: model.classes: must be 0 (unconditional) or the number of letters in "
                             "dataset.letters.text (3) (got 2)"));
}

TEST_CASE("config rules: the key reference lists each section's rules under it", "[config]") {
  const std::string md = config::reference_markdown();
  const auto section = md.find("| **`schedule`** | section |");
  const auto rule = md.find("| *rule* | | | beta_max > beta_min |");
  const auto key = md.find("| `schedule.beta_min` |");
  REQUIRE(section != std::string::npos);
  REQUIRE(rule != std::string::npos);
  REQUIRE(key != std::string::npos);
  CHECK(section < rule);
  CHECK(rule < key);
  CHECK_THAT(md, Catch::Contains("| *rule* (top level) | | | sampling.class_index < model.classes |"));
  CHECK_THAT(md, Catch::Contains(
                     "| *rule* | | | with system hp_memristor: hp.r_off > hp.r_on | Checked when task is twin. |"));
  CHECK_THAT(md, Catch::Contains("| *rule* | | | downsample divides 28 | Checked when task is prime. |"));
}

TEST_CASE("cli: --class is applied to the loaded config and checked against its rules", "[cli][config]") {
  config::Config cfg = config::load_config(source_path("configs/letters.yaml").string());
  REQUIRE(cfg.dataset.letters.text == "HKU");
  tasks::diffusion::select_class(cfg, "K");
  CHECK(cfg.sampling.class_index == std::optional<int>(1));
  CHECK(cfg.locations.find("sampling.class_index").str() == "--class K");
  tasks::diffusion::select_class(cfg, "2");
  CHECK(cfg.sampling.class_index == std::optional<int>(2));
  tasks::diffusion::select_class(cfg, "all");
  CHECK(cfg.sampling.all_classes);
  CHECK_THAT(input_error_of([&] { tasks::diffusion::select_class(cfg, "3"); }),
             Catch::Contains("--class 3: sampling.class_index: must be < model.classes (3)"));
  CHECK_THAT(input_error_of([&] { tasks::diffusion::select_class(cfg, "99999999999"); }),
             Catch::Contains("--class 99999999999: sampling.class_index: is out of range"));
  CHECK_THAT(
      input_error_of([&] { tasks::diffusion::select_class(cfg, "Q"); }),
      Catch::Contains("--class Q: sampling.class_index: expected a class name (H, K, U), a class index or 'all'"));
}

}  // namespace memcosim
