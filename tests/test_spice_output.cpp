// Getting results out: ngspice's own rawfiles (session `write` and the
// ngspice command-line program in batch mode), our rawfile reader and the
// CSV writer; and the output diagnostics on the exact lines ngspice 39 and
// 46 print.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "spice/csv.hpp"
#include "spice/diagnostics.hpp"
#include "spice/job.hpp"
#include "spice/rawfile.hpp"
#include "spice/session.hpp"

using namespace memcosim;
using namespace memcosim::spice;
namespace fs = std::filesystem;

namespace {

fs::path data_file(const std::string& name) { return test::data_path("spice/" + name); }
using test::read_text;

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_text(p));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

double to_double(const std::string& s) {
  double v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  REQUIRE(res.ec == std::errc());
  return v;
}

}  // namespace

TEST_CASE("Rawfiles written by the session read back to the same vectors", "[spice]") {
  NgspiceSession s;
  s.load(read_text(data_file("rc_lowpass.cir")));
  s.run(30);
  const Plot mem = s.plot();
  test::TempDir dir("output");
  const fs::path bin = dir.path() / "rc.raw", asc = dir.path() / "rc_ascii.raw";
  s.write_raw(bin.string(), RawFormat::binary);
  s.write_raw(asc.string(), RawFormat::ascii);

  for (const fs::path& file : {bin, asc}) {
    INFO(file);
    const std::vector<Plot> plots = read_raw_file(file);
    REQUIRE(plots.size() == 1);
    const Plot& raw = plots[0];
    CHECK(raw.kind == "Transient Analysis");
    CHECK(raw.scale == "time");
    CHECK(raw.vectors.size() == mem.vectors.size());
    for (const Vector& v : mem.vectors) {
      const Vector* r = raw.find(v.name);  // "out" finds "v(out)", "v1#branch" finds "i(v1)"
      REQUIRE(r != nullptr);
      REQUIRE(r->size() == v.size());
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (file == bin)
          CHECK(r->re[i] == v.re[i]);  // binary: the same doubles
        else
          CHECK(r->re[i] == Approx(v.re[i]).epsilon(1e-14).margin(1e-300));  // "%.15e"
      }
    }
  }
}

TEST_CASE("The ngspice program in batch mode gives the same final values as in-process", "[spice]") {
  REQUIRE(std::system("command -v ngspice > /dev/null 2>&1") == 0);  // the CLI is part of the setup
  test::TempDir dir("output");
  const fs::path raw = dir.path() / "batch.raw";
  const std::string cmd = "cd '" + dir.path().string() + "' && SPICE_ASCIIRAWFILE=1 ngspice -b -r '" + raw.string() +
                          "' '" + data_file("rc_lowpass.cir").string() + "' > batch.log 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::vector<Plot> plots = read_raw_file(raw);
  REQUIRE(plots.size() == 1);
  const Plot& batch = plots[0];

  NgspiceSession s;
  s.load(read_text(data_file("rc_lowpass.cir")));
  s.run(30);
  const Plot mem = s.plot();
  INFO("library ngspice-" << s.info().version << "; batch log:\n" << read_text(dir.path() / "batch.log"));
  // Same version: identical. The ngspice-39 library against the ngspice-46
  // program (scripts/check-ngspice39.sh): V(out) agrees to 4e-10 relative
  // and the 6.7 uA source current to 4e-13 A.
  for (const char* name : {"time", "in", "out", "v1#branch"}) {
    INFO(name);
    const Vector& a = mem.at(name);
    const Vector& b = batch.at(name);
    CHECK(b.re.back() == Approx(a.re.back()).epsilon(1e-9).margin(1e-12));
  }
  // Same program version: the same time points (to the 16 digits of an ascii rawfile).
  if (read_text(dir.path() / "batch.log").find("ngspice-" + s.info().version + " ") != std::string::npos) {
    REQUIRE(batch.at("time").size() == mem.at("time").size());
    for (std::size_t i = 0; i < mem.at("time").size(); ++i)
      CHECK(batch.at("out").re[i] == Approx(mem.at("out").re[i]).epsilon(1e-14).margin(1e-300));
  }
}

TEST_CASE("CSV: one file per plot, scale first, complex as re/im columns", "[spice]") {
  NgspiceSession s;
  test::TempDir dir("output");

  s.load(read_text(data_file("rc_lowpass.cir")));
  s.run(30);
  const Plot tran = s.plot();
  write_csv(tran, dir.path() / "tran.csv");
  const auto rows = read_csv(dir.path() / "tran.csv");
  REQUIRE(rows.size() == tran.at("time").size() + 1);
  CHECK(rows[0] == std::vector<std::string>{"time", "v(in)", "v(out)", "i(v1)"});  // the rawfile names
  for (std::size_t i = 0; i < tran.at("time").size(); ++i) {
    CHECK(to_double(rows[i + 1][0]) == tran.at("time").re[i]);  // shortest round-trip form
    CHECK(to_double(rows[i + 1][2]) == tran.at("out").re[i]);
  }

  s.load(read_text(data_file("ac_lowpass.cir")));
  s.run(30);
  const std::vector<fs::path> files = write_plots_csv(s, dir.path());
  REQUIRE(files.size() == 1);  // destroy all removed the transient: only ac1
  CHECK(files[0].filename() == "ac1.csv");
  const auto ac = read_csv(files[0]);
  CHECK(ac[0] == std::vector<std::string>{"frequency", "re(v(in))", "im(v(in))", "re(v(out))", "im(v(out))",
                                          "re(i(v1))", "im(i(v1))"});
  const Plot p = s.plot();
  REQUIRE(ac.size() == p.at("frequency").size() + 1);
  CHECK(to_double(ac[1][0]) == p.at("frequency").re[0]);
  CHECK(to_double(ac[1][4]) == p.at("out").im[0]);
}

TEST_CASE("Rawfile reader: ascii and binary, real and complex, errors with line numbers", "[spice]") {
  const std::string ascii =
      "Title: t\nDate: now\nPlotname: AC Analysis\nFlags: complex\nNo. Variables: 2\n"
      "No. Points: 2\nVariables:\n\t0\tfrequency\tfrequency\tgrid=3\n\t1\tv(out)\tvoltage\n"
      "Values:\n 0\t1.0e+00,0.0e+00\n\t5.0e-01,-2.5e-01\n\n 1\t1.0e+01,0.0e+00\n\t1.0e-01,-3.0e-01\n";
  const std::vector<Plot> a = parse_raw(ascii);
  REQUIRE(a.size() == 1);
  CHECK(a[0].scale == "frequency");
  const Vector& out = a[0].at("out");
  CHECK(out.is_complex);
  CHECK(out.re == std::vector<double>{0.5, 0.1});
  CHECK(out.im == std::vector<double>{-0.25, -0.3});

  // Binary, two plots in one file (as batch mode writes op + tran).
  std::string bin;
  auto header = [&](const char* plotname, int points) {
    bin += std::string("Title: t\nPlotname: ") + plotname +
           "\nFlags: real\nNo. Variables: 2\nNo. Points: " + std::to_string(points) +
           "\nVariables:\n\t0\ttime\ttime\n\t1\tv(a)\tvoltage\nBinary:\n";
  };
  auto put = [&](double x) { bin.append(reinterpret_cast<const char*>(&x), sizeof x); };
  header("Operating Point", 1);
  put(1.5);
  put(2.5);
  header("Transient Analysis", 2);
  put(0.0);
  put(1.0);
  put(1e-3);
  put(0.25);
  const std::vector<Plot> b = parse_raw(bin);
  REQUIRE(b.size() == 2);
  CHECK(b[0].scale.empty());
  CHECK(b[1].scale == "time");
  CHECK(b[1].at("v(a)").re == std::vector<double>{1.0, 0.25});

  try {
    parse_raw(
        "Title: t\nFlags: real\nNo. Variables: 1\nNo. Points: 2\nVariables:\n\t0\ttime\ttime\n"
        "Values:\n0\t1.0\n1\tnot-a-number\n",
        "bad.raw");
    FAIL("a bad number was accepted");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("bad.raw:9") != std::string::npos);
  }
  CHECK_THROWS_AS(parse_raw("Title: t\nNo. Variables: 1\nNo. Points: 5\nVariables:\n\t0\ttime\ttime\nBinary:\n"),
                  InputError);
}

TEST_CASE("Vector names: rawfile spellings map to plot names", "[spice]") {
  CHECK(canonical_vector_name("V(Out)") == "out");
  CHECK(canonical_vector_name("i(V1)") == "v1#branch");
  CHECK(canonical_vector_name("time") == "time");
  CHECK(same_vector_name("V(1)", "1"));
  CHECK_FALSE(same_vector_name("v(a,b)", "a,b"));
}

namespace {

std::vector<OutputLine> lines(std::initializer_list<std::pair<bool, const char*>> l) {
  std::vector<OutputLine> out;
  for (const auto& [err, text] : l) out.push_back({err, text});
  return out;
}

}  // namespace

TEST_CASE("Diagnostics: load failures as ngspice 39 and 46 print them", "[spice]") {
  SECTION("error on line (both)") {
    const Problem p = analyze_load_output(lines({{false, "Circuit: unknown elem"},
                                                 {true, "Error on line 5 or its substitute:"},
                                                 {true, "y1 out 0 5"},
                                                 {true, "model name is not found"},
                                                 {true, "Error: circuit not parsed."}}),
                                          true);
    CHECK(p.kind == ProblemKind::parse);
    CHECK(p.line == 5);
    CHECK(p.element == "y1");
    CHECK(p.summary == "model name is not found");
  }
  SECTION("unknown subcircuit: 46 adds the line number, 39 does not") {
    const Problem p46 = analyze_load_output(
        lines({{true, "Error: unknown subckt: x1 out 0 nosuchsub"}, {true, "in line no. 4 from file circbyline"}}),
        true);
    CHECK(p46.line == 4);
    CHECK(p46.element == "x1");
    const Problem p39 = analyze_load_output(lines({{true, "Error: unknown subckt: x1 out 0 nosuchsub"}}), true);
    CHECK(p39.kind == ProblemKind::parse);
    CHECK(p39.line == 0);
    CHECK(p39.element == "x1");
  }
  SECTION("expression syntax: 46 exits, 39 reports the line") {
    const Problem p46 =
        analyze_load_output(lines({{true, "YYparse error, syntax error, in expression: parsing stopped at line 4"},
                                   {true, "Error: ngspice.dll cannot recover and awaits to be reset or detached"}}),
                            true);
    CHECK(p46.cannot_recover);
    CHECK(p46.line == 4);
    const Problem p39 = analyze_load_output(lines({{true, "PTerror: syntax error, parsing stopped at"},
                                                   {true, "Error on line 4 or its substitute:"},
                                                   {true, "b1 out 0 v= v(in) *"},
                                                   {true, "parameter value out of range or the wrong type"}}),
                                            true);
    CHECK_FALSE(p39.cannot_recover);
    CHECK(p39.line == 4);
    CHECK(p39.element == "b1");
  }
  SECTION("dropped instance line only in strict mode") {
    const auto out = lines({{true, "Warning: 'r1 in out' is not a valid resistor instance line, ignored!"}});
    CHECK(analyze_load_output(out, true).element == "r1");
    CHECK_FALSE(analyze_load_output(out, false));
  }
  SECTION("a title that says 'error' is not an error") {
    CHECK_FALSE(analyze_load_output(lines({{false, "Circuit: error amplifier"}}), true));
  }
}

TEST_CASE("Diagnostics: run failures and what is not a failure", "[spice]") {
  const Problem tran = analyze_run_output(lines(
      {{false, "No. of Data Rows : 1720"},
       {true, "doAnalyses: TRAN:  Timestep too small; time = 1.57047, timestep = 5.62537e-15: trouble with node \"n\""},
       {true, "run simulation(s) aborted"}}));
  CHECK(tran.kind == ProblemKind::convergence);
  CHECK(tran.element == "n");
  CHECK(tran.summary.find("Timestep too small") != std::string::npos);

  const Problem op = analyze_run_output(lines({{true, "Warning: singular matrix:  check node v1#branch"},
                                               {true, "Warning: Dynamic gmin stepping failed"},
                                               {true, "Error: Transient op failed, timestep too small"},
                                               {true, "doAnalyses: OP:  Timestep too small; cause unrecorded."},
                                               {true, "run simulation(s) aborted"}}));
  CHECK(op.kind == ProblemKind::convergence);
  CHECK(op.element == "v1#branch");  // from the singular-matrix warning

  // gmin stepping that fails and a transient op that then succeeds is fine.
  CHECK_FALSE(analyze_run_output(lines({{true, "Warning: singular matrix:  check node x"},
                                        {true, "Warning: source stepping failed"},
                                        {true, "Note: Transient op finished successfully"}})));
  CHECK(analyze_run_output(
            lines({{true, "Warning: No job (tran, ac, op etc.) defined:"}, {true, "run simulation not started"}}))
            .kind == ProblemKind::no_analysis);
  CHECK(analyze_run_output(lines({{true, "doAnalyses: pause requested"}, {true, "run simulation interrupted"}})).kind ==
        ProblemKind::interrupted);
  const Problem ext =
      analyze_run_output(lines({{true, "Error: No callback supplied for source v1"},
                                {true, "Error: ngspice.dll cannot recover and awaits to be reset or detached"}}));
  CHECK(ext.cannot_recover);
  CHECK(ext.element == "v1");

  CHECK(solver_from_output(lines({{false, "Using KLU as Direct Linear Solver"}})) == "KLU");
  CHECK(solver_from_output(lines({{false, "Using SPARSE 1.3 as Direct Linear Solver"}})) == "SPARSE");
  CHECK(analyze_command_output(lines({{true, "foo: no such command available in ngspice"}})).kind ==
        ProblemKind::command);
  CHECK_FALSE(analyze_command_output(lines({{true, "Warning: there is no circuit loaded."}})));
}

TEST_CASE("Netlist helpers: element lines and solver options", "[spice]") {
  const std::string net = "title\n* comment\nV1 a 0 1\n  r1 a 0 1k\n.end\n";
  CHECK(find_element_line(net, "R1") == 4);
  CHECK(find_element_line(net, "title") == 0);  // the title is not an element
  CHECK(netlist_line(net, 3) == "V1 a 0 1");
  const std::string klu = netlist_with_solver(net, Solver::klu);
  CHECK(klu == "title\n* comment\nV1 a 0 1\n  r1 a 0 1k\n.options klu\n.end\n");
  CHECK(netlist_with_solver("t\nR1 a 0 1", Solver::sparse) == "t\nR1 a 0 1\n.options sparse\n");
  CHECK(netlist_with_solver(net, Solver::as_netlist) == net);
}
