// The benchmarks (bench/, scripts/bench.sh) in their quickest mode, so that
// they keep working: the table is produced, every comparison ran, and its
// figures are sane. No timing goal is asserted here (the machine is shared;
// the goals are for scripts/bench.sh on a quiet machine).
#include <catch2/catch.hpp>

#include "support.hpp"

#ifdef MEMCOSIM_BENCH

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <regex>

#include <nlohmann/json.hpp>

using namespace memcosim;
using test::TempDir;

namespace {

// "1.85x" / "12x" -> 1.85 / 12; NaN if the cell does not start with a ratio.
double leading_ratio(const std::string& cell) {
  static const std::regex re(R"(^\s*([0-9]+(\.[0-9]+)?)x)");
  std::smatch m;
  return std::regex_search(cell, m, re) ? std::stod(m[1]) : std::nan("");
}

const nlohmann::json& section(const nlohmann::json& report, const std::string& title_start) {
  for (const auto& s : report.at("sections"))
    if (s.at("title").get<std::string>().rfind(title_start, 0) == 0) return s;
  FAIL("no section " << title_start);
  throw 0;
}

}  // namespace

TEST_CASE("bench: every comparison runs in --quick mode and gives a sane table", "[bench]") {
  TempDir dir("bench");
  const std::string cmd = "cd '" + std::string(MEMCOSIM_SOURCE_DIR) + "' && '" + std::string(MEMCOSIM_BENCH) +
                          "' --quick -o '" + dir.path().string() + "' > '" + (dir / "stdout").string() + "' 2> '" +
                          (dir / "stderr").string() + "'";
  const int status = std::system(cmd.c_str());
  INFO(test::read_text(dir / "stderr"));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  const std::string md = test::read_text(dir / "bench.md");
  CHECK(md == test::read_text(dir / "stdout"));  // printed and written alike
  for (const char* heading :
       {"## Summary", "## 1. In-process", "## 2. Framework overhead", "## 3. KLU vs Sparse",
        "## 4. Reference sampler vs NumPy", "## 5. Study throughput", "## 6. Resident memory", "## 7. Scaling"})
    CHECK_THAT(md, Catch::Contains(heading));
  CHECK_THAT(md, Catch::Contains("| comparison | case | measured | goal | verdict |"));

  std::ifstream in(dir / "bench.json");
  const nlohmann::json report = nlohmann::json::parse(in);
  REQUIRE(report.at("summary").size() >= 9);
  for (const auto& row : report.at("summary")) {
    INFO(row.dump());
    CHECK(row.at("result").get<std::string>().rfind("FAILED", 0) == std::string::npos);
    const std::string verdict = row.at("verdict");
    CHECK((verdict == "met" || verdict == "NOT met" || verdict.empty()));
  }

  // 1: both levels, each ratio a positive number, the program's end points
  // equal to the in-process ones (the same ngspice, the same netlist).
  const auto& spice = section(report, "1.");
  REQUIRE(spice.at("rows").size() == 2);
  for (const auto& row : spice.at("rows")) {
    INFO(row.dump());
    for (int col : {4, 6}) {
      const double r = leading_ratio(row.at(col));
      CHECK(std::isfinite(r));
      CHECK(r > 0.05);
      CHECK(r < 1000);
    }
    std::smatch m;
    const std::string agree = row.at(7);
    REQUIRE(std::regex_search(agree, m, std::regex(R"(max \|diff\| (\S+) V over ([0-9]+) vectors)")));
    CHECK(std::stod(m[1]) < 1e-6);
    CHECK(std::stoi(m[2]) >= 2);
  }

  // 3: the quick set (transients 16 and 32, operating points 16 and 32, the
  // ring at ideal and behavioural level); every ratio a positive number, each
  // solver the one asked for, and KLU's outputs equal to Sparse's: the same
  // circuit, so they may differ only by the time-step control's tolerances
  // (reltol 1e-4 of outputs below 1 V: 1e-3 V leaves margin for the
  // steps the two take differently; an operating point agrees to ~1e-9 V).
  const auto& solver = section(report, "3.");
  REQUIRE(solver.at("rows").size() == 6);
  int op_rows = 0;
  for (const auto& row : solver.at("rows")) {
    INFO(row.dump());
    const std::string analysis = row.at(1);
    const double r = leading_ratio(row.at(6));
    CHECK(std::isfinite(r));
    CHECK(r > 0.05);
    CHECK(r < 1000);
    CHECK(row.at(10).get<std::string>() == "KLU / SPARSE");
    const double diff = std::stod(row.at(11).get<std::string>());  // "7.8e-11 V"
    CHECK(diff >= 0);
    CHECK(diff < (analysis == "op" ? 1e-6 : 1e-3));
    op_rows += analysis == "op";
  }
  CHECK(op_rows == 2);

  // 4: NumPy took (nearly) the same steps and ends as close to a tight
  // solve of the ODE as ours.
  const auto& sampler = section(report, "4.");
  REQUIRE(sampler.at("rows").size() == 1);
  {
    const auto& row = sampler.at("rows")[0];
    INFO(row.dump());
    std::smatch m;
    const std::string steps = row.at(6);
    REQUIRE(std::regex_search(steps, m, std::regex(R"(^([0-9]+) / ([0-9]+))")));
    const int ours = std::stoi(m[1]), numpy = std::stoi(m[2]);
    CHECK(ours > 10);
    CHECK(std::abs(ours - numpy) <= std::max(2, ours / 20));
    const std::string errors = row.at(7);
    REQUIRE(std::regex_search(errors, m, std::regex(R"(^(\S+) / (\S+)$)")));
    CHECK(std::stod(m[1]) < 1e-3);  // both to the accuracy rtol = atol = 1e-6 gives
    CHECK(std::stod(m[2]) < 1e-3);
    CHECK(std::stod(row.at(8).get<std::string>()) < 1e-3);
    CHECK(leading_ratio(row.at(4)) > 0);
  }

  // 6: the RSS figures are plausible (a few MiB at least; growth a finite number).
  const auto& memory = section(report, "6.");
  REQUIRE(memory.at("rows").size() == 2);
  for (const auto& row : memory.at("rows")) {
    INFO(row.dump());
    CHECK(std::stod(row.at(2).get<std::string>()) > 5.0);  // "57.3 MiB"
    CHECK(std::isfinite(std::stod(row.at(5).get<std::string>())));
  }

  // 2 and 7: overhead shares between 0 and 100 %, a scaling exponent.
  for (const auto& row : section(report, "2.").at("rows")) {
    const double pct = std::stod(row.at(3).get<std::string>());
    CHECK(pct > 0);
    CHECK(pct < 100);
  }
  CHECK_THAT(
      md,
      Catch::Matches(
          R"([\s\S]*ideal: wall time of a run ~ width\^-?[0-9.]+, of a transient ~ width\^-?[0-9.]+, per time point ~ width\^-?[0-9.]+[\s\S]*)"));
}

#endif
