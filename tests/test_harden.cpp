// Hardening (issue 15): hostile and malformed input through the real
// executable and the loaders. Every case checks the exit status the README
// promises, the located message, that nothing an injection asks for
// happens, and that no run takes longer than a bounded time.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <sstream>

#include "analysis/compare.hpp"
#include "flow/plots.hpp"
#include "nn/weights.hpp"
#include "spice/deck.hpp"
#include "spice/session.hpp"
#include "support.hpp"

using namespace memcosim;
using namespace memcosim::test;

namespace {

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A netlist that runs in a few milliseconds.
const char* kRc =
    "rc\n"
    "v1 in 0 dc 1\n"
    "r1 in out 1k\n"
    "c1 out 0 1n\n"
    ".tran 1u 10u\n";

}  // namespace

TEST_CASE("hardening: a results folder with shell characters keeps its pictures and runs nothing", "[harden]") {
  TempDir tmp("harden_plot");
  const fs::path marker = tmp / "injected";
  // What `-o "x';touch /tmp/p;'y"` made the shell run before: a quote ends
  // the quoted folder, ';' starts a command.
  const fs::path dir = tmp / ("x';touch " + marker.string() + ";'y $(touch " + marker.string() + ") `true`");
  fs::create_directories(dir);
  Eigen::MatrixXd a(2, 3), b(2, 3);
  a << 0, 0.5, -0.5, 0.1, 0.2, 0.3;
  b << 0.1, 0.4, -0.4, 0.0, 0.3, 0.2;
  std::ostringstream warn;
  CHECK(flow::plot_samples(dir, a, b, "it's a \"title\"; $(touch x)", warn));
  INFO(warn.str());
  CHECK(fs::is_regular_file(dir / "samples.png"));
  CHECK(fs::file_size(dir / "samples.png") > 1000);
  CHECK_FALSE(fs::exists(marker));
  CHECK_FALSE(fs::exists(tmp / "x"));

  // A program that is not there: a warning, no exception, no shell.
  std::ostringstream missing;
  CHECK_THROWS_AS(run_program({"memcosim-no-such-program-" + std::to_string(::getpid())}), Error);
  CHECK_FALSE(flow::run_gnuplot(dir, "no-such-script.gp", missing));
  CHECK_THAT(missing.str(), Catch::Contains("gnuplot could not draw"));
}

TEST_CASE("hardening: control commands are refused on every path into a user netlist", "[harden]") {
  TempDir tmp("harden_ctl");
  const fs::path marker = tmp / "ran";
  const std::string control = ".control\nshell touch " + marker.string() + "\n.endc\n";
  write(tmp / "top.cir", std::string(kRc) + control);
  write(tmp / "sub/inc.cir", "* included\n" + control);
  write(tmp / "incl.cir", std::string(kRc) + ".include sub/inc.cir\n");
  write(tmp / "models.lib", ".lib good\nr9 out 0 1meg\n.endl\n.lib evil\n" + control + ".endl\n");
  write(tmp / "lib.cir", std::string(kRc) + ".lib models.lib evil\n");
  write(tmp / "script.cir", "*ng_script\nshell touch " + marker.string() + "\n");
  write(tmp / "script2.cir", "*NG_SCRIPT_WITH_PARAMS\n" + control);

  struct Expect {
    const char* file;
    std::string where;
  };
  const std::vector<Expect> cases = {{"top.cir", "top.cir:6:1: .control"},
                                     {"incl.cir", "inc.cir:2:1: .control"},
                                     {"lib.cir", "models.lib:5:1: .control"},
                                     {"script.cir", "script.cir:1:1: *ng_script"},
                                     {"script2.cir", "script2.cir:1:1: *ng_script"}};
  for (const auto& c : cases) {
    INFO(c.file);
    CHECK_THROWS_WITH(spice::read_deck(tmp / c.file), Catch::Contains(c.where));
    for (const char* mode : {"--in-process", "--timeout=30"}) {
      bool hung = false;
      const auto r = run_cli_argv({"sim", (tmp / c.file).string(), "-o", (tmp / "out").string(), mode}, 60, &hung);
      INFO(r.err);
      CHECK_FALSE(hung);
      CHECK(r.exit_code == 2);
      CHECK_THAT(r.err, Catch::Contains(c.where));
      CHECK_THAT(r.err,
                 Catch::Contains(c.where.find("ng_script") != std::string::npos ? "not a netlist" : "sim --control"));
    }
  }
  CHECK_FALSE(fs::exists(marker));

  // The library itself refuses what read_deck would have expanded or refused.
  spice::NgspiceSession s;
  for (const std::string& text : {std::string(kRc) + ".include " + (tmp / "sub/inc.cir").string() + "\n",
                                  std::string(kRc) + ".lib " + (tmp / "models.lib").string() + " evil\n",
                                  std::string(kRc) + ".INC " + (tmp / "sub/inc.cir").string() + "\n",
                                  "*ng_script\nshell touch " + marker.string() + "\n", std::string(kRc) + control}) {
    INFO(text);
    CHECK_THROWS_AS(s.load(text), spice::SpiceError);
  }
  CHECK_FALSE(fs::exists(marker));

  // regress: a case whose netlist includes a control block fails that case
  // and runs nothing.
  write(tmp / "cases/evil.yaml",
        "description: includes a control block\nnetlist: ../incl.cir\nanalysis: run\n"
        "probes:\n  - {name: vout, vector: v(out), measure: wave, abs: 1e-3}\n");
  const auto reg =
      run_cli_argv({"regress", (tmp / "cases").string(), "-o", (tmp / "regress-out").string(), "--update"}, 120);
  INFO(reg.out << reg.err);
  CHECK(reg.exit_code != 0);
  CHECK_THAT(reg.out + reg.err, Catch::Contains("inc.cir:2:1: .control"));
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("hardening: includes resolve against the including file's folder", "[harden]") {
  TempDir tmp("harden_inc");
  write(tmp / "deck/main.cir",
        "rc with includes\nv1 in 0 dc 1\n.include parts/r.inc\n.lib lib/m.lib load\n.tran 1u 10u\n");
  write(tmp / "deck/parts/r.inc", "r1 in out 1k\n.include ../c.inc\n");
  write(tmp / "deck/c.inc", "c1 out 0 1n\n.end\nthis line is after .end and is ignored\n");
  write(tmp / "deck/lib/m.lib", ".lib other\nrx out 0 1\n.endl\n.lib load\nrl out 0 1meg\n.endl load\n");
  const spice::Deck deck = spice::read_deck(tmp / "deck/main.cir");
  std::vector<std::string> texts;
  for (const auto& l : deck.lines) texts.push_back(l.text);
  CHECK(texts == std::vector<std::string>{"rc with includes", "v1 in 0 dc 1", "r1 in out 1k", "c1 out 0 1n",
                                          "rl out 0 1meg", ".tran 1u 10u"});
  CHECK(deck.where(4).str() == (tmp / "deck/parts/../c.inc").string() + ":1:1");
  CHECK(deck.where(5).str() == (tmp / "deck/lib/m.lib").string() + ":5:1");

  // Run from another working folder (the repository root): the same deck.
  const auto r = run_cli_argv({"sim", (tmp / "deck/main.cir").string(), "-o", (tmp / "out").string()}, 60);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(tmp / "out/tran1.csv"));

  // A missing include, an include loop, a missing section: located errors.
  write(tmp / "bad/missing.cir", "t\n* comment\n.include nothere.inc\n");
  write(tmp / "bad/loop.cir", "t\n.include loop2.inc\n");
  write(tmp / "bad/loop2.inc", ".include loop2.inc\n");
  write(tmp / "bad/nosec.cir", "t\n.lib ../deck/lib/m.lib fast\n");
  CHECK_THROWS_WITH(spice::read_deck(tmp / "bad/missing.cir"),
                    Catch::Contains("missing.cir:3:1: cannot open included file") && Catch::Contains("no such file"));
  CHECK_THROWS_WITH(spice::read_deck(tmp / "bad/loop.cir"),
                    Catch::Contains("loop2.inc:1:1") && Catch::Contains("includes itself"));
  CHECK_THROWS_WITH(
      spice::read_deck(tmp / "bad/nosec.cir"),
      Catch::Contains("nosec.cir:2:1: .lib fast: no section 'fast'") && Catch::Contains("sections: other, load"));
}

// ---------------------------------------------------------------------------
// Bad input: exit 2, a located message, no hang, nothing half-written.

namespace {

CliResult bounded(const std::vector<std::string>& args, double seconds = 60) {
  bool hung = false;
  CliResult r = run_cli_argv(args, seconds, &hung);
  CHECK_FALSE(hung);
  return r;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("hardening: sizes have documented upper bounds, checked before allocating", "[harden]") {
  TempDir tmp("harden_size");
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{"run", "configs/ring.yaml", "-n", "100000000000", "--reference-only", "-o", (tmp / "o1").string()},
       "1 to 1000000"},
      {{"sample", "configs/ring.yaml", "--engine", "reference", "-n", "1e12", "-o", (tmp / "o2").string()},
       "1 to 10000000"},
      {{"check", "configs/ring.yaml", "--set", "simulation.n=5000000"}, "simulation.n: must be <= 1e+06"},
      {{"check", "configs/ring.yaml", "--set", "sampling.n=1e10"}, "sampling.n"},
      {{"check", "configs/ring.yaml", "--set", "model.hidden=[100000000,14]"}, "model.hidden[0]: must be <= 4096"},
  };
  for (const auto& c : cases) {
    INFO(c.args[0] << " " << c.args[2] << " " << c.args[3]);
    const auto r = bounded(c.args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.expect));
    CHECK_THAT(r.err, !Catch::Contains("internal error"));
  }
  CHECK_FALSE(fs::exists(tmp / "o1"));
  CHECK_FALSE(fs::exists(tmp / "o2"));

  // In a config file: located at the file's line.
  write(tmp / "big.yaml", "name: big\nmodel:\n  file: " + source_path("models/ring_score.yaml").string() +
                              "\n  hidden: [14, 2000000000]\nsimulation:\n  n: 99999999\n");
  const auto f = bounded({"check", (tmp / "big.yaml").string()});
  CHECK(f.exit_code == 2);
  CHECK_THAT(f.err, Catch::Contains("big.yaml:4:16: model.hidden[1]: must be <= 4096"));
  CHECK_THAT(f.err, Catch::Contains("big.yaml:6:6: simulation.n: must be <= 1e+06"));

  // In a weight file: the architecture's widths and a layer's declared shape.
  const std::string weights = read_text(source_path("models/ring_score.yaml"));
  write(tmp / "wide.yaml", replace(weights, "hidden: [14, 14]", "hidden: [14, 1400000000]"));
  CHECK_THROWS_WITH(nn::load_weights((tmp / "wide.yaml").string()), Catch::Contains("wide.yaml:6:") &&
                                                                        Catch::Contains("architecture.hidden[1]") &&
                                                                        Catch::Contains("must be <= 4096"));
  write(tmp / "shape.yaml",
        replace(replace(weights, "hidden: [14, 14]", "hidden: [14, 15]"), "shape: [14, 2]", "shape: [3000000000, 2]"));
  CHECK_THROWS_AS(nn::load_weights((tmp / "shape.yaml").string()), InputError);
  write(tmp / "cfg_wide.yaml", "name: w\nmodel:\n  file: wide.yaml\n");
  const auto rw =
      bounded({"run", (tmp / "cfg_wide.yaml").string(), "-n", "2", "--reference-only", "-o", (tmp / "o3").string()});
  CHECK(rw.exit_code == 2);
  CHECK_THAT(rw.err, Catch::Contains("must be <= 4096"));
}

TEST_CASE("hardening: every input file must be a readable regular file", "[harden]") {
  TempDir tmp("harden_files");
  const fs::path fifo = tmp / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // reading it would block forever
  fs::create_directories(tmp / "folder");
  const std::string too_long = "/tmp/" + std::string(5000, 'x') + ".yaml";
  write(tmp / "binary.cir", std::string("\x7f"
                                        "ELF\x02\x01\x01\0\0\0garbage",
                                        16));
  write(tmp / "text.db", "not a database\n");

  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{"check", fifo.string()}, "is a named pipe"},
      {{"check", (tmp / "folder").string()}, "is a directory"},
      {{"check", ""}, "config"},
      {{"check", too_long}, "path too long"},
      {{"sim", fifo.string(), "-o", (tmp / "s").string()}, "is a named pipe"},
      {{"sim", (tmp / "folder").string(), "-o", (tmp / "s").string()}, "is a directory"},
      {{"sim", (tmp / "binary.cir").string(), "-o", (tmp / "s").string()}, "not a text file"},
      {{"sim", "", "-o", (tmp / "s").string()}, "empty path"},
      {{"results", (tmp / "text.db").string()}, "not a memcosim study database"},
      {{"results", fifo.string()}, "is a named pipe"},
      {{"results", (tmp / "folder").string()}, "is a directory"},
      {{"sweep", fifo.string(), "-o", (tmp / "sw").string()}, "is a named pipe"},
      {{"run", "configs/ring.yaml", "--set", "model.file=" + fifo.string(), "-n", "2", "--reference-only", "-o",
        (tmp / "r").string()},
       "model.file: cannot open weight file"},
      {{"run", "configs/ring.yaml", "--set", "model.file=" + (tmp / "folder").string(), "-n", "2", "--reference-only",
        "-o", (tmp / "r").string()},
       "is a directory"},
  };
  for (const auto& c : cases) {
    INFO(c.args[0] << " " << c.args[1].substr(0, 80));
    const auto r = bounded(c.args, 30);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.expect));
    CHECK_THAT(r.err, !Catch::Contains("internal error"));
  }
  CHECK_FALSE(fs::exists(tmp / "s"));
  CHECK_FALSE(fs::exists(tmp / "r"));
}

TEST_CASE("hardening: command-line numbers must be finite, folders non-empty", "[harden]") {
  TempDir tmp("harden_cli");
  write(tmp / "rc.cir", kRc);
  for (const char* bad : {"nan", "inf", "-inf", "-1", "0", "1e999", "abc"}) {
    INFO(bad);
    const auto r = bounded({"sim", (tmp / "rc.cir").string(), "--timeout", bad, "-o", (tmp / "s").string()}, 30);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--timeout"));
    const auto n = bounded({"run", "configs/ring.yaml", "-n", bad, "--reference-only", "-o", (tmp / "r").string()}, 30);
    CHECK(n.exit_code == 2);
  }
  const auto nan_sweep =
      bounded({"sweep", "tests/data/study/tiny.yaml", "--timeout", "nan", "-o", (tmp / "w").string()}, 30);
  CHECK(nan_sweep.exit_code == 2);
  CHECK_FALSE(fs::exists(tmp / "s"));
  CHECK_FALSE(fs::exists(tmp / "w"));
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"sim", (tmp / "rc.cir").string(), "-o", ""},
        std::vector<std::string>{"run", "configs/ring.yaml", "-n", "2", "--reference-only", "-o", ""},
        std::vector<std::string>{"sample", "configs/ring.yaml", "--engine", "reference", "-n", "2", "-o", ""},
        std::vector<std::string>{"netlist", "configs/ring.yaml", "-o", ""}}) {
    INFO(args[0]);
    const auto r = bounded(args, 30);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("must not be empty"));
  }
}

TEST_CASE("hardening: one YAML document per file, no duplicate keys in weight files", "[harden]") {
  TempDir tmp("harden_yaml");
  write(tmp / "two.yaml", "name: two\nsimulation:\n  n: 4\n---\nsimulation:\n  n: 8\n");
  const auto r = bounded({"check", (tmp / "two.yaml").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("two.yaml:5:1") && Catch::Contains("second YAML document"));

  const std::string weights = read_text(source_path("models/ring_score.yaml"));
  write(tmp / "dup.yaml", replace(weights, "  output_dim: 2\n", "  output_dim: 2\n  input_dim: 3\n"));
  CHECK_THROWS_WITH(nn::load_weights((tmp / "dup.yaml").string()),
                    Catch::Contains("dup.yaml:8:3: architecture.input_dim: duplicate key (first given on line 5)"));
  write(tmp / "dup_top.yaml", weights + "format: memcosim-score-network\n");
  CHECK_THROWS_WITH(nn::load_weights((tmp / "dup_top.yaml").string()), Catch::Contains("format: duplicate key"));
  write(tmp / "two_docs.yaml", weights + "---\nformat: other\n");
  CHECK_THROWS_WITH(nn::load_weights((tmp / "two_docs.yaml").string()), Catch::Contains("second YAML document"));
}

TEST_CASE("hardening: small mistakes of the command line and study files", "[harden]") {
  TempDir tmp("harden_misc");
  // run -n 1 --reference-only: a result, not an internal error.
  const auto one =
      bounded({"run", "configs/ring.yaml", "-n", "1", "--reference-only", "-o", (tmp / "one").string()}, 300);
  INFO(one.out << one.err);
  CHECK(one.exit_code == 0);
  CHECK_THAT(one.err, !Catch::Contains("internal error"));
  CHECK(fs::exists(tmp / "one/summary.json"));

  // A study whose base config is missing: the study file's line and key.
  write(tmp / "study.yaml", "name: s\nconfig: no_such_config.yaml\ngrid:\n  simulation.n: [2, 3]\n");
  const auto st = bounded({"sweep", (tmp / "study.yaml").string(), "-o", (tmp / "sw").string(), "--dry-run"});
  INFO(st.err);
  CHECK(st.exit_code == 2);
  CHECK_THAT(st.err, Catch::Contains("study.yaml:2:9: config: cannot open base config") &&
                         Catch::Contains("no_such_config.yaml': no such file"));
}

TEST_CASE("hardening: a results folder holds one run's results", "[harden]") {
  TempDir tmp("harden_rerun");
  const fs::path dir = tmp / "res";
  fs::create_directories(dir);
  // What a full circuit run left there earlier, and a file of the user's.
  for (const char* f : {"trajectories.csv", "samples.png", "trajectories.png", "plot_circuit.dat", "summary.json"})
    write(dir / f, "from the earlier run\n");
  write(dir / "notes.txt", "mine\n");
  const auto r = bounded({"run", "configs/ring.yaml", "-n", "4", "--reference-only", "-o", dir.string()}, 300);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* f : {"trajectories.csv", "samples.png", "trajectories.png", "plot_circuit.dat"}) {
    INFO(f);
    CHECK_FALSE(fs::exists(dir / f));
  }
  CHECK(read_text(dir / "summary.json").find("earlier") == std::string::npos);
  CHECK(read_text(dir / "summary.json").find("reference only") != std::string::npos);
  CHECK(read_text(dir / "notes.txt") == "mine\n");
}

TEST_CASE("hardening: a misbehaving simulation fails its trajectory, not the run", "[harden]") {
  const std::vector<double> grid = {0.0, 0.5, 1.0};
  const Eigen::MatrixXd ref = Eigen::MatrixXd::Zero(1, 3);
  // compare_trajectory is what run_circuit calls per trajectory; it catches
  // SimulationError there and marks that trajectory sim_error.
  CHECK_NOTHROW(analysis::compare_trajectory(std::vector<double>{0, 0.5, 1}, {{0, 1, 2}}, grid, ref));
  CHECK_THROWS_AS(analysis::compare_trajectory(std::vector<double>{0, 0.7, 0.2, 1}, {{0, 1, 2, 3}}, grid, ref),
                  SimulationError);
  CHECK_THROWS_AS(analysis::compare_trajectory(std::vector<double>{0, NAN, 1}, {{0, 1, 2}}, grid, ref),
                  SimulationError);
  CHECK_THROWS_AS(analysis::compare_trajectory(std::vector<double>{0, 0.5, 1}, {{0, INFINITY, 2}}, grid, ref),
                  SimulationError);
  CHECK_THROWS_AS(analysis::compare_trajectory(std::vector<double>{0, 0.5, 1}, {{0, 1}}, grid, ref), SimulationError);
  // The caller's mistakes stay programming errors.
  CHECK_THROWS_AS(analysis::compare_trajectory(std::vector<double>{0, 1}, {{0, 1}}, grid, Eigen::MatrixXd::Zero(2, 3)),
                  std::invalid_argument);
}

TEST_CASE("hardening: simulator errors name the user's file and line, inside subcircuits too", "[harden]") {
  TempDir tmp("harden_lines");
  write(tmp / "parts.inc", "* parts\n.subckt stage a b\nr1 a m 1k\nq9 m b 0 nosuchmodel\n.ends\n");
  write(tmp / "top.cir", "two stages\nv1 in 0 dc 1\n.include parts.inc\nx1 in out stage\nr2 out 0 1k\n.op\n");
  const auto r = bounded({"sim", (tmp / "top.cir").string(), "-o", (tmp / "o").string()});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("parts.inc:4:1"));
}

TEST_CASE("hardening: sim shows the simulator's warnings", "[harden]") {
  TempDir tmp("harden_warn");
  write(tmp / "w.cir", "zero resistor\nv1 in 0 dc 1\nr1 in 0 0\nr2 in out 1k\nr3 out 0 1k\n.op\n");
  const auto r = bounded({"sim", (tmp / "w.cir").string(), "-o", (tmp / "o").string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("ngspice: Warning: Value of resistor r1 is too small"));
}

TEST_CASE("hardening: a generated netlist runs with `ngspice -b FILE` alone", "[harden]") {
  TempDir tmp("harden_batch");
  const auto gen = bounded({"netlist", "configs/ring.yaml", "-o", (tmp / "ring.cir").string()});
  REQUIRE(gen.exit_code == 0);
  ProgramOptions o;
  o.cwd = tmp.path();
  o.stdout_file = tmp / "batch.log";
  o.timeout_s = 300;
  const ProgramResult r = run_program({"ngspice", "-b", "ring.cir"}, o);  // no -r: only the deck's own cards
  const std::string log = read_text(tmp / "batch.log");
  INFO(log.substr(0, 3000));
  CHECK(r.ok());
  CHECK(log.find("no simulations run") == std::string::npos);
  // The printed table: one row per time point up to the end of the transient.
  CHECK(log.find("v(x0)") != std::string::npos);
  CHECK(log.find("Index   time") != std::string::npos);
  // libngspice ignores .print: the same file through sim prints no table.
  const auto sim = bounded({"sim", (tmp / "ring.cir").string(), "-o", (tmp / "sim").string()}, 300);
  CHECK(sim.exit_code == 0);
  CHECK(read_text(tmp / "sim/ngspice.log").find("Index   time") == std::string::npos);
}
