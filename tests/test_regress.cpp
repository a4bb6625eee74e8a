// `memcosim regress`: golden netlists, golden waveforms with tolerance
// bands, JUnit XML. Pieces are checked against hand-derived or closed-form
// expectations; the shipped suite and the acceptance edits (a 1% TIA
// resistor change fails and names the probe; a reorder or comment does not
// fail the waveforms) run through the real executable and libngspice.
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <numbers>
#include <regex>

#include "regress/case.hpp"
#include "regress/diff.hpp"
#include "regress/golden.hpp"
#include "support.hpp"
#include "util/error.hpp"

using namespace memcosim;
using namespace memcosim::test;

namespace {

spice::Vector real_vector(std::string name, std::string type, std::vector<double> v) {
  spice::Vector x;
  x.name = std::move(name);
  x.type = std::move(type);
  x.re = std::move(v);
  return x;
}

// A regression tree in a temp folder: the shipped cases, netlists, the
// config and model they are generated from.
void copy_tree(const fs::path& to) {
  for (const char* d : {"tests/regression", "netlists", "configs", "models"}) {
    fs::create_directories(to / d);
    fs::copy(source_path(d), to / d, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

std::string replace_line(const std::string& text, const std::string& prefix, const std::string& replacement) {
  const auto at = text.find("\n" + prefix);
  REQUIRE(at != std::string::npos);
  const auto end = text.find('\n', at + 1);
  return text.substr(0, at + 1) + replacement + text.substr(end);
}

}  // namespace

TEST_CASE("regress: unified diff names the changed block", "[regress]") {
  const std::vector<std::string> golden = {"* title",  "", "* ---- l1 TIAs ----", "Ra a b 1", "Rb b c 2",
                                           "Rc c d 3", "", "* ---- l2 TIAs ----", "Rd d e 4", ".end"};
  std::vector<std::string> actual = golden;
  actual[4] = "Rb b c 2.02";
  const auto d = regress::diff_netlists(golden, actual, "golden.cir", "now", 1);
  REQUIRE_FALSE(d.same);
  CHECK(d.added == 1);
  CHECK(d.removed == 1);
  REQUIRE(d.blocks == std::vector<std::string>{"l1 TIAs"});
  // Hand-derived: one hunk, lines 4..6 of both sides with one line of context.
  CHECK(d.unified ==
        "--- golden.cir\n+++ now\n@@ -4,3 +4,3 @@ l1 TIAs\n Ra a b 1\n-Rb b c 2\n+Rb b c 2.02\n Rc c d 3\n");

  const auto same = regress::diff_netlists(golden, golden, "a", "b");
  CHECK(same.same);
  CHECK(same.unified.empty());

  // An insertion in one block and a deletion in another: two hunks.
  std::vector<std::string> two = golden;
  two.insert(two.begin() + 4, "Rx a x 9");
  two.erase(two.begin() + 9);  // "Rd d e 4"
  const auto d2 = regress::diff_netlists(golden, two, "g", "n", 0);
  CHECK(d2.blocks == std::vector<std::string>{"l1 TIAs", "l2 TIAs"});
  CHECK(d2.unified == "--- g\n+++ n\n@@ -4,0 +5,1 @@ l1 TIAs\n+Rx a x 9\n@@ -9,1 +9,0 @@ l2 TIAs\n-Rd d e 4\n");
}

TEST_CASE("regress: golden files round-trip and malformed ones are located", "[regress]") {
  regress::Golden g;
  g.scale = "time";
  g.x = {0, 1e-6, 2.5e-6};
  g.columns = {"x0", "l1_z0"};
  g.waves = {{0.03, 0.0301234567891, -1.5e-9}, {1, 2, 3}};
  g.measures = {{"x0_final", 0.012345678912345}};
  TempDir tmp("golden");
  write(tmp / "a.golden", regress::format_golden(g, {"header"}));
  const auto back = regress::read_golden(tmp / "a.golden");
  CHECK(back.scale == "time");
  CHECK_FALSE(back.log_scale);
  CHECK(back.columns == g.columns);
  REQUIRE(back.x.size() == 3);
  CHECK(back.waves[0][1] == Approx(0.0301234567891).epsilon(1e-10));
  CHECK(back.waves[0][2] == -1.5e-9);
  REQUIRE(back.measure("x0_final"));
  CHECK(*back.measure("x0_final") == Approx(0.012345678912345).epsilon(1e-9));

  write(tmp / "bad.golden", "# c\nmemcosim-golden 1\nscale time linear\ncolumns time x0\n0 1\n1e-6 1 2\n");
  try {
    regress::read_golden(tmp / "bad.golden");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK_THAT(std::string(e.what()),
               Catch::Contains("bad.golden:6:1") && Catch::Contains("expected 2 numbers, got 3"));
  }
  write(tmp / "v2.golden", "memcosim-golden 2\n");
  CHECK_THROWS_WITH(regress::read_golden(tmp / "v2.golden"), Catch::Contains("version 2 is not supported"));
}

TEST_CASE("regress: bands, windows and the failure message", "[regress]") {
  regress::Case c;
  c.name = "synthetic";
  c.points = 11;
  regress::Probe p;
  p.name = "out";
  p.vector = "v(out)";
  p.abs = 1e-3;
  p.rel = 0.01;
  c.probes = {p};
  spice::Plot plot;
  plot.name = "tran1";
  plot.scale = "time";
  std::vector<double> t, v;
  for (int k = 0; k <= 100; ++k) {
    t.push_back(k * 1e-6);
    v.push_back(std::sin(k * 0.05));
  }
  plot.vectors = {real_vector("time", "time", t), real_vector("out", "voltage", v)};
  const auto golden = regress::extract(c, plot);
  REQUIRE(golden.x.size() == 11);  // resampled to `points`
  CHECK(regress::compare(c, golden, plot).at(0).passed);

  // Move the waveform by 0.05 at t = 50 us only: outside abs 1e-3 + 1% of |golden|.
  spice::Plot moved = plot;
  moved.vectors[1].re[50] += 0.05;
  const auto o = regress::compare(c, golden, moved).at(0);
  CHECK_FALSE(o.passed);
  CHECK(o.violations == 1);
  CHECK(o.worst_x == Approx(50e-6));
  CHECK(o.band == Approx(1e-3 + 0.01 * std::abs(std::sin(2.5))));
  CHECK_THAT(o.message, Catch::Contains("1 of 11 points of v(out) outside the band; worst at time 5e-05"));

  // A window with a looser band around that point makes it pass; ignore too.
  c.probes[0].windows = {{40e-6, 60e-6, 0.1, std::nullopt, false}};
  CHECK(regress::compare(c, golden, moved).at(0).passed);
  c.probes[0].windows = {{45e-6, 55e-6, std::nullopt, std::nullopt, true}};
  const auto ignored = regress::compare(c, golden, moved).at(0);
  CHECK(ignored.passed);
  CHECK(ignored.compared == 10);

  // A run that stops early cannot be compared.
  spice::Plot shorter = plot;
  shorter.vectors[0].re.resize(60);
  shorter.vectors[1].re.resize(60);
  c.probes[0].windows.clear();
  CHECK_THAT(regress::compare(c, golden, shorter).at(0).message,
             Catch::Contains("the simulation covers time 0 .. 5.9e-05"));
}

TEST_CASE("regress: AC measures match the closed form of a one-pole amplifier", "[regress]") {
  // A(f) = -A0 / (1 + j f/fp): inverting, |A| = 1 at f = fp sqrt(A0^2 - 1),
  // phase margin 180 - atan(ugf/fp) in degrees.
  const double a0 = 1e4, fp = 100.0;
  spice::Plot plot;
  plot.name = "ac1";
  plot.scale = "frequency";
  spice::Vector f{"frequency", "frequency", true, {}, {}};
  spice::Vector out{"out", "voltage", true, {}, {}};
  for (int k = 0; k <= 8 * 200; ++k) {
    const double freq = std::pow(10.0, k / 200.0);
    const std::complex<double> a = -a0 / std::complex<double>(1.0, freq / fp);
    f.re.push_back(freq);
    f.im.push_back(0);
    out.re.push_back(a.real());
    out.im.push_back(a.imag());
  }
  plot.vectors = {f, out};
  regress::Case c;
  c.name = "ac";
  auto probe = [](std::string name, regress::Measure m) {
    regress::Probe p;
    p.name = std::move(name);
    p.vector = "v(out)";
    p.measure = m;
    p.rel = 1e-3;
    return p;
  };
  c.probes = {probe("dc", regress::Measure::dc_gain_db), probe("ugf", regress::Measure::ugf),
              probe("pm", regress::Measure::phase_margin)};
  const auto g = regress::extract(c, plot);
  const double ugf = fp * std::sqrt(a0 * a0 - 1);
  CHECK(*g.measure("dc") == Approx(20 * std::log10(a0 / std::sqrt(1 + 1e-4))).epsilon(1e-6));
  CHECK(*g.measure("ugf") == Approx(ugf).epsilon(1e-4));
  CHECK(*g.measure("pm") == Approx(180.0 - std::atan(ugf / fp) * 180 / std::numbers::pi).margin(0.01));
}

TEST_CASE("regress: malformed case files are reported with file, line and key", "[regress]") {
  TempDir tmp("cases");
  write(tmp / "bad.yaml",
        "description: broken\n"
        "netlist: missing.cir\n"
        "probes:\n"
        "  - {name: a, vector: v(x0), abs: 1e-3}\n"
        "  - {name: a, vector: 'v(x0); shell rm', abs: 1e-3}\n"
        "analysis: 'tran 1u 1m\\n.control'\n"
        "colour: red\n");
  write(tmp / "typo.yaml",
        "netlist: missing.cir\n"
        "probes:\n"
        "  - {name: b, vector: v(x1), measure: finale}\n");
  try {
    regress::load_case(tmp / "bad.yaml");
    FAIL("no error");
  } catch (const InputError& e) {
    const std::string m = e.what();
    INFO(m);
    CHECK_THAT(m, Catch::Contains("bad.yaml:2:10: netlist: no such file"));
    CHECK_THAT(m, Catch::Contains("bad.yaml:5:12: probes[1].name: probe 'a' is defined twice"));
    CHECK_THAT(m, Catch::Contains("probes[1].vector: must be v(node)"));
    CHECK_THAT(m, Catch::Contains("bad.yaml:6:11: analysis: must be 'run' or one analysis card"));
    CHECK_THAT(m, Catch::Contains("bad.yaml:7:1: colour: unknown key"));
  }
  try {
    regress::load_case(tmp / "typo.yaml");
    FAIL("no error");
  } catch (const InputError& e) {
    const std::string m = e.what();
    INFO(m);
    CHECK_THAT(m, Catch::Contains("typo.yaml:3:39: probes[0].measure: must be one of wave, final"));
    CHECK_THAT(m, Catch::Contains("did you mean 'final'?"));
    CHECK_THAT(m, !Catch::Contains("needs at least one probe"));
  }
  const auto cli = run_cli("regress '" + (tmp / "bad.yaml").string() + "' -o '" + (tmp / "out").string() + "'");
  CHECK(cli.exit_code == 2);
}

TEST_CASE("regress: the shipped suite passes and its JUnit XML validates", "[regress][spice]") {
  TempDir tmp("suite");
  const auto r = run_cli("regress tests/regression -o '" + (tmp / "out").string() + "'");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("regress: all "));
  const std::string xml = read_text(tmp / "out" / "junit.xml");
  CHECK_THAT(xml, Catch::Contains("<testcase name=\"l1_z0\" classname=\"ring_behavioral\""));
  CHECK_THAT(xml, Catch::Contains("<testcase name=\"golden_netlist\" classname=\"ring_ideal\""));
  CHECK_THAT(xml, Catch::Contains("failures=\"0\" errors=\"0\""));
  const std::string cmd = "xmllint --noout --schema '" + data_path("regress/junit.xsd").string() + "' '" +
                          (tmp / "out" / "junit.xml").string() + "' 2>&1";
  CHECK(std::system(cmd.c_str()) == 0);
}

TEST_CASE("regress: a 1% TIA resistor change fails its probe, reordering does not fail the waveforms",
          "[regress][spice]") {
  TempDir tmp("edit");
  copy_tree(tmp.path());
  const fs::path netlist = tmp / "netlists/ring.cir";
  const std::string original = read_text(netlist);
  const fs::path cases = tmp / "tests/regression/ring_behavioral.yaml";
  auto regress = [&](const std::string& tag) {
    return run_cli("regress '" + cases.string() + "' -o '" + (tmp / tag).string() + "'");
  };

  SECTION("Rf of l1_tia0 x 1.01") {
    // The golden line is "Rl1_tia0_f l1_c0 l1_z0 <ohms>".
    const std::regex rf("\nRl1_tia0_f l1_c0 l1_z0 ([0-9.e+-]+)\n");
    std::smatch m;
    REQUIRE(std::regex_search(original, m, rf));
    const double ohms = std::stod(m[1].str());
    write(netlist, replace_line(original, "Rl1_tia0_f ", "Rl1_tia0_f l1_c0 l1_z0 " + std::to_string(ohms * 1.01)));
    const auto r = regress("rf");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Catch::Contains("NETLIST CHANGED"));
    CHECK_THAT(r.out, Catch::Contains("in blocks: [l1 TIAs]"));
    CHECK_THAT(r.out, Catch::Contains("  probe l1_z0: "));
    CHECK_THAT(r.out, Catch::Contains("points of v(l1_z0) outside the band; worst at time"));
    const std::string xml = read_text(tmp / "rf" / "junit.xml");
    CHECK_THAT(xml, Catch::Contains("<testcase name=\"l1_z0\" classname=\"ring_behavioral\" time=") &&
                        Catch::Contains("<failure type=\"band\""));
  }
  SECTION("comment edited and two elements swapped") {
    std::string edited = original;
    const auto c = edited.find("* ---- l1 TIAs ----");
    REQUIRE(c != std::string::npos);
    edited.insert(c, "* reviewed by hand\n");
    // Swap the first two TIA lines of layer 1 (X... instance and its Rf).
    const auto a = edited.find("\nXl1_tia0 ");
    const auto a_end = edited.find('\n', a + 1);
    const auto b_end = edited.find('\n', a_end + 1);
    REQUIRE(a != std::string::npos);
    const std::string first = edited.substr(a + 1, a_end - a - 1), second = edited.substr(a_end + 1, b_end - a_end - 1);
    edited = edited.substr(0, a + 1) + second + "\n" + first + edited.substr(b_end);
    REQUIRE(edited != original);
    write(netlist, edited);
    const auto r = regress("order");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);  // the golden netlist check flags the edit ...
    CHECK_THAT(r.out, Catch::Contains("NETLIST CHANGED"));
    CHECK_THAT(r.out, Catch::Contains("7/7 probes"));  // ... every waveform probe passes
    CHECK_THAT(r.out, !Catch::Contains("  probe "));
  }
}
