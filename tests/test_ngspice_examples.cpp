// `memcosim sim` as an ngspice front end on netlists nobody here wrote: the
// examples Debian's ngspice package ships. Each example runs through the
// ngspice program (`ngspice -b -r FILE`) and through `memcosim sim --raw`,
// both from the example's own folder, and every vector of every analysis
// must agree (relative tolerance with an absolute floor). The CSV files
// must carry the rawfile's vector names. .meas results are checked against
// values worked out by hand.
#include <catch2/catch.hpp>

#include <cmath>

#include "spice/rawfile.hpp"
#include "support.hpp"

using namespace memcosim;
using namespace memcosim::test;

namespace {

const fs::path kExamples = "/usr/share/doc/ngspice/examples";

// Chosen among the examples that the ngspice
// program finishes in batch mode within a few seconds on this machine; the
// first four .include other files (the two adders through a file with a
// .control block, run with --control), func_cap.sp has .meas cards.
const std::vector<std::string> kChosen = {
    "cider/parallel/ppef.1d.cir",
    "cider/bjt/pz.cir",
    "digital/compare/adder_esource.cir",
    "digital/compare/adder_behav.cir",
    "measure/func_cap.sp",
    "cider/diode/diode.cir",
    "cider/diode/diotran.cir",
    "cider/bjt/rtlinv.cir",
    "cider/bjt/invchain.cir",
    "cider/resistor/sires.cir",
    "cider/resistor/gaasres.cir",
    "xspice/various/xspice_c1.cir",
    "xspice/various/xspice_c2.cir",
    "xspice/various/xspice_c3.cir",
    "cider/bjt/colposc.cir",
    "TransImpedanceAmp/output.net",
};

// Copies the example's folder (and its parent, which some includes reach)
// into dir; a compressed copy (.gz) is unpacked.
fs::path stage(const std::string& example, const fs::path& dir) {
  const fs::path rel(example);
  const fs::path top = *rel.begin();
  if (!fs::exists(dir / top)) fs::copy(kExamples / top, dir / top, fs::copy_options::recursive);
  for (const auto& e : fs::recursive_directory_iterator(dir / top))
    if (e.is_regular_file() && e.path().extension() == ".gz")
      REQUIRE(run_program({"gunzip", "-f", e.path().string()}).ok());
  return dir / rel;
}

std::vector<std::string> csv_header(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (char c : line) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      cells.push_back(std::exchange(cell, {}));
    else
      cell += c;
  }
  cells.push_back(cell);
  return cells;
}

bool close(double a, double b) {
  constexpr double rel = 1e-9, floor = 1e-15;
  return std::abs(a - b) <= floor + rel * std::max(std::abs(a), std::abs(b));
}

}  // namespace

TEST_CASE("sim: the ngspice examples give the ngspice program's vectors", "[harden][examples]") {
  REQUIRE(fs::is_directory(kExamples));  // Debian's ngspice package (scripts/setup.sh installs it)
  TempDir tmp("examples");
  int compared = 0, with_include = 0;
  for (const std::string& example : kChosen) {
    INFO(example);
    const fs::path file = stage(example, tmp.path());
    const fs::path dir = file.parent_path();
    const std::string stem = file.stem().string();
    // The ngspice program.
    ProgramOptions po;
    po.cwd = dir;
    po.stdout_file = dir / (stem + ".ngspice.log");
    po.timeout_s = 120;
    const ProgramResult pr = run_program({"ngspice", "-b", "-r", stem + ".ngspice.raw", file.filename().string()}, po);
    INFO(read_text(dir / (stem + ".ngspice.log")));
    REQUIRE(pr.ok());
    const std::vector<spice::Plot> want = spice::read_raw_file(dir / (stem + ".ngspice.raw"));
    // memcosim sim from the same folder.
    const fs::path out = tmp / ("out-" + stem);
    bool hung = false;
    // The adders include a file whose .control block saves nodes and runs
    // the analysis: refused as it is, run with --control.
    std::vector<std::string> args = {"sim", file.string(), "-o", out.string(), "--raw"};
    if (example.rfind("digital/", 0) == 0) {
      const auto refused = run_cli_argv(args, 60, &hung, dir);
      CHECK(refused.exit_code == 2);
      CHECK_THAT(refused.err, Catch::Contains("adder_common.inc:51:1: .control"));
      args.push_back("--control");
    }
    const auto r = run_cli_argv(args, 180, &hung, dir);
    INFO(r.out << r.err);
    REQUIRE_FALSE(hung);
    REQUIRE(r.exit_code == 0);
    const std::vector<spice::Plot> got = spice::read_raw_file(out / "sim.raw");
    REQUIRE(got.size() == want.size());
    // Plots matched by kind, in order within a kind (batch mode may write
    // an operating point after the analysis that the library ran later).
    std::vector<bool> used(got.size(), false);
    for (std::size_t p = 0; p < want.size(); ++p) {
      INFO("plot " << p << " " << want[p].kind);
      std::size_t q = 0;
      while (q < got.size() && (used[q] || got[q].kind != want[p].kind)) ++q;
      REQUIRE(q < got.size());
      used[q] = true;
      for (const spice::Vector& w : want[p].vectors) {
        INFO("vector " << w.name);
        const spice::Vector* g = got[q].find(w.name);
        REQUIRE(g != nullptr);
        CHECK(g->name == w.name);  // the rawfile's own spelling
        REQUIRE(g->size() == w.size());
        REQUIRE(g->is_complex == w.is_complex);
        std::size_t bad = 0;
        for (std::size_t k = 0; k < w.size(); ++k)
          if (!close(g->re[k], w.re[k]) || (w.is_complex && !close(g->im[k], w.im[k]))) ++bad;
        CHECK(bad == 0);
      }
    }
    // The CSV of the first analysis has the rawfile's names as its header.
    std::vector<fs::path> csvs;
    for (const auto& e : fs::directory_iterator(out))
      if (e.path().extension() == ".csv" && e.path().filename() != "measurements.csv") csvs.push_back(e.path());
    CHECK(csvs.size() == want.size());
    for (const spice::Vector& w : want.back().vectors) {
      bool found = false;
      for (const auto& c : csvs)
        for (const auto& h : csv_header(c)) found = found || h == w.name || h == "re(" + w.name + ")";
      CHECK(found);
    }
    const std::string text = read_text(file);
    if (text.find(".include") != std::string::npos || text.find(".inc ") != std::string::npos ||
        text.find(".lib") != std::string::npos)
      ++with_include;
    ++compared;
  }
  CHECK(compared >= 15);
  CHECK(with_include >= 3);
}

TEST_CASE("sim: .meas results are reported and written", "[harden][examples]") {
  TempDir tmp("meas");
  const fs::path file = stage("measure/func_cap.sp", tmp.path());
  const auto r = run_cli_argv({"sim", file.string(), "-o", (tmp / "out").string()}, 60, nullptr, file.parent_path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  // .func icap_calc(A,B,C,D) = 2*A*sqrt(B*C*D); cap_val = icap_calc(1,2,3,4)
  const double expected = 2 * 1 * std::sqrt(2.0 * 3 * 4);
  const std::string csv = read_text(tmp / "out/measurements.csv");
  for (const char* name : {"capacitance", "capac2"}) {
    INFO(name);
    const auto at = csv.find(std::string(name) + ",tran,");  // name,analysis,value
    REQUIRE(at != std::string::npos);
    const std::string row = csv.substr(at, csv.find('\n', at) - at);
    const double v = std::stod(row.substr(row.rfind(',') + 1));
    CHECK(v == Approx(expected).epsilon(5e-6));  // ngspice prints .meas results with 6 significant digits
    CHECK_THAT(r.out, Catch::Contains(std::string(name) + " = "));
  }
}
