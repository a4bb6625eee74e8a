// Result files and pictures: the checked, atomic write every result file
// goes through (util/files.hpp AtomicFile), and the one gnuplot escape
// (flow::safe_title), read back from an SVG rendering of the sweep picture.
#include <catch2/catch.hpp>

#include <regex>
#include <sstream>
#include <stdexcept>

#include "flow/plots.hpp"
#include "study/report.hpp"
#include "support.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

using namespace memcosim;
using namespace memcosim::test;

namespace {

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("outputs: a result file is written whole or not at all, and a failed write names the file", "[outputs]") {
  TempDir tmp("atomic");
  const fs::path target = tmp / "summary.json";
  write_file(target, "{\"first\": 1}\n", "run summary");
  CHECK(read_text(target) == "{\"first\": 1}\n");

  // An exception between opening and commit leaves the earlier file and no
  // temporary file behind.
  try {
    AtomicFile f(target, "run summary");
    f.stream() << "{\"second\": ";
    throw std::runtime_error("interrupted half-way");
  } catch (const std::runtime_error&) {
  }
  CHECK(read_text(target) == "{\"first\": 1}\n");
  CHECK(files_in(tmp.path()) == 1);

  // Replacing: the new content, still one file.
  write_file(target, "{\"second\": 2}\n", "run summary");
  CHECK(read_text(target) == "{\"second\": 2}\n");
  CHECK(files_in(tmp.path()) == 1);

  // A folder that does not exist: an Error naming what and where.
  try {
    write_file(tmp / "no-such-folder" / "stability.json", "{}", "stability results");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("cannot write stability results"));
    CHECK_THAT(e.what(), Catch::Contains("no-such-folder/stability.json"));
  }
}

TEST_CASE("outputs: sweep picture labels with _ ^ { } print as written (SVG rendering read back)", "[outputs]") {
  TempDir tmp("labels");
  study::StudyView view;
  view.name = "study_a^b{c}";
  view.parameters = {"circuit.opamp.gbw_x", "corner_name"};
  view.plot.metrics = {"error_vs_reference.final.median", "kl_ratio_circuit_over_software"};
  view.plot.x = "corner_name";
  view.plot.series = "circuit.opamp.gbw_x";
  std::vector<study::JobRecord> rows;
  const std::vector<std::string> corners = {"tt_27", "ss_m40"};
  for (long i = 0; i < 4; ++i) {
    study::JobRecord r;
    r.index = i;
    r.status = "ok";
    r.parameters = nlohmann::json::array(
        {{{"name", "circuit.opamp.gbw_x"}, {"text", i < 2 ? "1e6" : "1e7"}, {"number", i < 2 ? 1e6 : 1e7}},
         {{"name", "corner_name"}, {"text", corners[static_cast<std::size_t>(i % 2)]}}});
    r.metrics = {{"error_vs_reference.final.median", 0.01 * static_cast<double>(i + 1)},
                 {"kl_ratio_circuit_over_software", 1.0 + 0.1 * static_cast<double>(i)}};
    rows.push_back(r);
  }
  std::ostringstream warn;
  REQUIRE(study::plot_sweep(tmp.path(), rows, view, warn));
  CHECK(fs::exists(tmp / "sweep.png"));

  // The same script on gnuplot's SVG terminal (enhanced text, as pngcairo).
  std::string script = read_text(tmp / "sweep.gp");
  script = std::regex_replace(script, std::regex("set terminal [^\n]*\n"), "set terminal svg enhanced size 1700,800\n");
  script = std::regex_replace(script, std::regex("set output 'sweep.png'"), "set output 'sweep.svg'");
  { std::ofstream(tmp / "sweep_svg.gp") << script; }
  REQUIRE(flow::run_gnuplot(tmp.path(), "sweep_svg.gp", warn));
  const std::string svg = read_text(tmp / "sweep.svg");
  // Every label is one text run: an enhanced-mode character that was not
  // escaped would split it into sub/superscript spans; one escaped for the
  // wrong mode would print its backslash.
  for (const std::string label : {"study_a^b{c}", "error_vs_reference.final.median", "kl_ratio_circuit_over_software",
                                  "corner_name", "circuit.opamp.gbw_x", "tt_27", "ss_m40"})
    CHECK_THAT(svg, Catch::Contains(">" + label + "<"));
  CHECK(svg.find('\\') == std::string::npos);
}
