// Config loading: SI numbers, located errors (file:line:column + key path),
// every error of a file in one pass, did-you-mean, overrides, round trip.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/config.hpp"
#include "support.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"

using namespace memcosim;
using namespace memcosim::config;

namespace {

std::string data(const std::string& name) { return std::string(MEMCOSIM_TEST_DATA_DIR) + "/config/" + name; }

// Loads a file that must fail and returns its diagnostics.
std::vector<Diagnostic> errors_of(const std::string& file, const std::vector<std::string>& overrides = {}) {
  try {
    load_config(file, overrides);
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  FAIL("expected " << file << " to be rejected");
  return {};
}

// The diagnostic for key, which must exist exactly once.
const Diagnostic& find(const std::vector<Diagnostic>& ds, const std::string& key) {
  const Diagnostic* hit = nullptr;
  for (const auto& d : ds) {
    if (d.key_path == key) {
      REQUIRE(hit == nullptr);
      hit = &d;
    }
  }
  INFO("no diagnostic for key " << key);
  REQUIRE(hit != nullptr);
  return *hit;
}

void check_at(const Diagnostic& d, int line, int column, const std::string& fragment) {
  INFO(d.str());
  CHECK(d.where.line == line);
  CHECK(d.where.column == column);
  CHECK_THAT(d.message, Catch::Contains(fragment));
}

}  // namespace

TEST_CASE("parse_si reads SPICE suffixes and plain numbers", "[config]") {
  struct Case {
    const char* text;
    double value;
  };
  for (const Case c :
       {Case{"10k", 1e4}, {"1.5n", 1.5e-9}, {"100u", 1e-4},    {"1meg", 1e6},       {"1MEG", 1e6}, {"2.5", 2.5},
        {"-1e-3", -1e-3}, {".5", 0.5},      {"3f", 3e-15},     {"4p", 4e-12},       {"7m", 7e-3},  {"2g", 2e9},
        {"1t", 1e12},     {"10kOhm", 1e4},  {"1.5nF", 1.5e-9}, {"100uS", 1e-4},     {"5ms", 5e-3}, {"10MegHz", 1e7},
        {"2V", 2.0},      {"1e3", 1e3},     {"+4", 4.0},       {"5\xC2\xB5s", 5e-6}}) {
    INFO(c.text);
    const auto p = parse_si(c.text);
    REQUIRE(p.ok);
    CHECK(p.value == Approx(c.value).epsilon(1e-15));
  }
  for (const char* bad :
       {"", "abc", "10kk", "1.2.3", "nan", ".nan", "inf", "1e999", "10M", "1MOhm", "0x10", "1 k", "k", "-"}) {
    INFO(bad);
    const auto p = parse_si(bad);
    CHECK_FALSE(p.ok);
    CHECK_FALSE(p.error.empty());
  }
  CHECK_THAT(parse_si("10M").error, Catch::Contains("'meg'"));
}

TEST_CASE("exact_number text reads back through parse_si exactly", "[config]") {
  for (double v : {0.1, 1e-4, 2e-4, 0.7, 1.0 / 3.0, 6.02214076e23, -5e-324, 12345.0}) {
    const auto p = parse_si(exact_number(v));
    REQUIRE(p.ok);
    CHECK(p.value == v);
  }
}

TEST_CASE("the shipped ring config loads with its SI values", "[config]") {
  const Config c = load_config(std::string(MEMCOSIM_SOURCE_DIR) + "/configs/ring.yaml");
  CHECK(c.dataset.n == 10000);
  CHECK(c.training.epochs == 10000);
  CHECK(c.training.learning_rate == Approx(1e-3).epsilon(1e-15));  // "1m"
  CHECK(c.training.activation_penalty.weight == Approx(1e-7).epsilon(1e-15));
  CHECK(c.sampling.t_end == Approx(1e-4).epsilon(1e-15));
  CHECK(c.sampling.beta_scale == 2.0);
  CHECK(c.model.hidden == std::vector<int>{14, 14});
  CHECK(c.resolve(c.model.file) ==
        (std::filesystem::path(MEMCOSIM_SOURCE_DIR) / "models/ring_score.yaml").lexically_normal());
}

TEST_CASE("model files left at their defaults fall back to the shipped ones, named ones never", "[config]") {
  // From the build tree the data folder is the source tree (an installed
  // memcosim: <prefix>/share/memcosim, tests/install.sh).
  const auto source = std::filesystem::path(MEMCOSIM_SOURCE_DIR);
  CHECK(std::filesystem::equivalent(data_dir(), source));
  test::TempDir tmp("resolve_input");
  const auto file = tmp / "mine.yaml";
  std::ofstream(file) << "name: mine\n";

  const Config c = load_config(file.string());
  CHECK(std::filesystem::equivalent(c.resolve_input("model.file", c.model.file), source / "models/ring_score.yaml"));
  CHECK(std::filesystem::equivalent(c.resolve_input("circuit.transistor.models", c.circuit.transistor.models),
                                    source / "models/cmos180.lib"));
  // What memcosim writes (train) stays next to the config.
  CHECK(c.resolve(c.model.file) == (tmp.path() / "../models/ring_score.yaml").lexically_normal());

  // Named, in the file or by --set: resolved against the config only.
  const Config named = load_config(file.string(), {"model.file=../models/ring_score.yaml"});
  CHECK(named.resolve_input("model.file", named.model.file) ==
        (tmp.path() / "../models/ring_score.yaml").lexically_normal());

  // A default that exists next to the config wins over the shipped file.
  std::filesystem::create_directories(tmp / "configs");
  std::filesystem::create_directories(tmp / "models");
  std::ofstream(tmp / "models/cmos180.lib") << "* local\n";
  std::ofstream(tmp / "configs/mine.yaml") << "name: mine\n";
  const Config local = load_config((tmp / "configs/mine.yaml").string());
  CHECK(std::filesystem::equivalent(local.resolve_input("circuit.transistor.models", local.circuit.transistor.models),
                                    tmp / "models/cmos180.lib"));

  // MEMCOSIM_DATA_DIR comes first (when it holds a models/ folder).
  ::setenv("MEMCOSIM_DATA_DIR", tmp.path().c_str(), 1);
  CHECK(std::filesystem::equivalent(data_dir(), tmp.path()));
  CHECK(std::filesystem::equivalent(c.resolve_input("circuit.transistor.models", c.circuit.transistor.models),
                                    tmp / "models/cmos180.lib"));
  ::unsetenv("MEMCOSIM_DATA_DIR");
}

TEST_CASE("normalised output reloads to the same config", "[config]") {
  const Config c = load_config(std::string(MEMCOSIM_SOURCE_DIR) + "/configs/ring.yaml", {"sampling.seed=17"});
  const std::string text = to_yaml(c, true);
  const auto tmp = std::filesystem::temp_directory_path() / "memcosim_roundtrip.yaml";
  std::ofstream(tmp) << text;
  const Config again = load_config(tmp.string());
  CHECK(to_yaml(again, true) == text);
  REQUIRE(again.sampling.seed.has_value());
  CHECK(*again.sampling.seed == 17);
  std::filesystem::remove(tmp);
}

TEST_CASE("an empty file gives every default", "[config]") {
  const auto tmp = std::filesystem::temp_directory_path() / "memcosim_empty.yaml";
  std::ofstream(tmp) << "# nothing\n";
  const Config c = load_config(tmp.string());
  CHECK(to_yaml(c) == to_yaml(Config{}));
  std::filesystem::remove(tmp);
}

TEST_CASE("config errors: bad suffix", "[config]") {
  const auto ds = errors_of(data("bad_suffix.yaml"));
  REQUIRE(ds.size() == 2);
  check_at(find(ds, "sampling.n"), 3, 6, "unknown suffix 'kk'");
  check_at(find(ds, "sampling.t_end"), 4, 10, "ambiguous suffix 'M'");
  CHECK_THAT(ds[0].str(), Catch::StartsWith(data("bad_suffix.yaml") + ":3:6: sampling.n: "));
}

TEST_CASE("config errors: wrong type", "[config]") {
  const auto ds = errors_of(data("wrong_type.yaml"));
  REQUIRE(ds.size() == 3);
  check_at(find(ds, "model.hidden"), 2, 11, "expected a list");
  check_at(find(ds, "sampling.method"), 4, 11, "expected a name, got a list");
  check_at(find(ds, "sampling.ode.rtol"), 6, 11, "expected a number, got 'fast'");
}

TEST_CASE("config errors: unknown keys with a suggestion", "[config]") {
  const auto ds = errors_of(data("unknown_key.yaml"));
  REQUIRE(ds.size() == 2);
  check_at(find(ds, "sampling.metod"), 3, 3, "did you mean 'sampling.method'?");
  check_at(find(ds, "trainig"), 4, 1, "did you mean 'training'?");
}

TEST_CASE("config errors: negative where positive is required, and a cross-key rule", "[config]") {
  const auto ds = errors_of(data("negative.yaml"));
  REQUIRE(ds.size() == 3);
  check_at(find(ds, "training.learning_rate"), 2, 18, "must be > 0 (got -1e-3)");
  check_at(find(ds, "training.batch_size"), 3, 15, "must be >= 1 (got 0)");
  check_at(find(ds, "schedule.beta_max"), 6, 13, "must be > schedule.beta_min");
}

TEST_CASE("config errors: NaN and infinity are rejected", "[config]") {
  const auto ds = errors_of(data("nan.yaml"));
  REQUIRE(ds.size() == 3);
  check_at(find(ds, "sampling.t_end"), 2, 10, "expected a number");
  check_at(find(ds, "sampling.ode.atol"), 4, 11, "expected a number");
  check_at(find(ds, "sampling.ode.rtol"), 5, 11, "expected a number");
}

TEST_CASE("config errors: YAML syntax error is located", "[config]") {
  const auto ds = errors_of(data("syntax.yaml"));
  REQUIRE(ds.size() == 1);
  INFO(ds[0].str());
  CHECK(ds[0].where.file == data("syntax.yaml"));
  CHECK(ds[0].where.line == 3);
  CHECK_THAT(ds[0].message, Catch::Contains("YAML syntax error"));
}

TEST_CASE("config errors: a missing file is named", "[config]") {
  const auto ds = errors_of(data("does_not_exist.yaml"));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].where.file == data("does_not_exist.yaml"));
  CHECK_THAT(ds[0].message, Catch::Contains("cannot open config file"));
}

TEST_CASE("config errors: every problem of a file in one pass", "[config]") {
  const auto ds = errors_of(data("many.yaml"));
  REQUIRE(ds.size() == 4);
  check_at(find(ds, "dataset.n"), 3, 6, "must be >= 1");
  check_at(find(ds, "model.hidden[1]"), 5, 16, "must be even");
  check_at(find(ds, "sampling.method"), 7, 11, "did you mean 'pf_ode'?");
  check_at(find(ds, "sampling.n"), 9, 3, "duplicate key (first given on line 8)");
}

TEST_CASE("overrides (--set) apply and their errors name the option", "[config]") {
  const std::string ring = std::string(MEMCOSIM_SOURCE_DIR) + "/configs/ring.yaml";
  const Config c = load_config(ring, {"sampling.n=250", "sampling.method=sde", "model.hidden=[32, 32]"});
  CHECK(c.sampling.n == 250);
  CHECK(c.sampling.method == SamplingMethod::sde);
  CHECK(c.model.hidden == std::vector<int>{32, 32});

  const auto ds = errors_of(ring, {"sampling.n=-3", "sampling.nn=3", "nonsense"});
  REQUIRE(ds.size() == 3);
  CHECK(find(ds, "sampling.n").where.file == "--set sampling.n=-3");
  CHECK_THAT(find(ds, "sampling.nn").message, Catch::Contains("did you mean 'sampling.n'?"));
  CHECK(find(ds, "").where.file == "--set nonsense");
}

TEST_CASE("the key reference documents every key", "[config]") {
  const std::string md = reference_markdown();
  for (const char* key : {"`sampling.ode.rtol`", "`training.weight_noise.clip`", "`metrics.kl.blur`", "`seed`"})
    CHECK_THAT(md, Catch::Contains(key));
  // The committed configs/README.md carries the current generated reference.
  std::ifstream in(std::string(MEMCOSIM_SOURCE_DIR) + "/configs/README.md");
  REQUIRE(in);
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO("configs/README.md is stale: run scripts/update-config-reference.sh");
  CHECK_THAT(readme, Catch::Contains(md));
}
