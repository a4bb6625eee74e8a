// Circuit IR + emitter: exact text for a hand-built circuit, determinism,
// rejection of anything that could inject SPICE control text, and the
// emitted deck accepted by the ngspice command-line program.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "circuit/ir.hpp"
#include "spice/emitter.hpp"

using namespace memcosim;
using namespace memcosim::circuit;

namespace {

Circuit rc_integrator(double reltol = 1e-5) {
  Circuit c;
  c.title = "test deck";
  c.header = {"two lines", "of header"};
  auto& src = c.block("sources", {"input ramp"});
  c.add(src, VoltageSource{"Vin", "in", "0", {0.0, Pwl{{0, 1e-3}, {-1, 1}}}});
  auto& integ = c.block("integrator");
  c.add(integ, Resistor{"R1", "in", "xin", 1e5});
  c.add(integ, Capacitor{"C1", "xin", "x", 1e-8});
  c.add(integ, Vcvs{"E1", "xo", "0", "0", "xin", 1e7});
  c.add(integ, Resistor{"Ro", "xo", "x", 1e-3});
  c.add(integ, BehavioralVoltage{"Brelu", "r", "0", Expr::call("uramp", {Expr::v("x")})});
  c.initial_condition("x", 0.3);
  c.initial_condition("xin", 0.0);
  c.save("x");
  c.save("r");
  c.option("reltol", reltol);
  c.option("klu");
  c.tran = TranAnalysis{1e-5, 1e-3, 1e-6};
  return c;
}

}  // namespace

TEST_CASE("emitter writes the expected deck, byte for byte", "[emitter]") {
  const std::string expected =
      "* test deck\n"
      "* two lines\n"
      "* of header\n"
      "\n"
      "* ---- sources ----\n"
      "* input ramp\n"
      "Vin in 0 PWL(0 -1 0.001 1)\n"
      "\n"
      "* ---- integrator ----\n"
      "R1 in xin 100000\n"
      "C1 xin x 1e-08\n"
      "E1 xo 0 0 xin 10000000\n"
      "Ro xo x 0.001\n"
      "Brelu r 0 V=uramp(V(x))\n"
      "\n"
      ".options reltol=1e-05 klu\n"
      ".ic v(x)=0.3\n"
      ".ic v(xin)=0\n"
      ".save v(x) v(r)\n"
      ".tran 1e-05 0.001 0 1e-06\n"
      ".print tran v(x) v(r)\n"  // for `ngspice -b FILE` alone
      ".end\n";
  CHECK(spice::emit(rc_integrator()) == expected);
  CHECK(spice::emit(rc_integrator()) == spice::emit(rc_integrator()));
}

TEST_CASE("long PWL sources continue over lines - expressions format negatives safely", "[emitter]") {
  Circuit c;
  auto& b = c.block("dac");
  Pwl p;
  for (int i = 0; i < 9; ++i) {
    p.t.push_back(i * 1e-6);
    p.v.push_back(-0.5 * i);
  }
  c.add(b, VoltageSource{"Vdac", "d", "0", {0.0, p}});
  c.add(b, BehavioralCurrent{"Bcell", "a", "b",
                             Expr::num(-2e-3) * Expr::call("sinh", {Expr::v("a", "b") / Expr::num(0.25)})});
  const auto lines = spice::emit_lines(c);
  const std::vector<std::string> want = {"Vdac d 0 PWL(0 -0 1e-06 -0.5 2e-06 -1 3e-06 -1.5",
                                         "+ 4e-06 -2 5e-06 -2.5 6e-06 -3 7e-06 -3.5", "+ 8e-06 -4)",
                                         "Bcell a b I=(-0.002)*sinh(V(a,b)/(0.25))"};
  for (const auto& w : want) CHECK(std::find(lines.begin(), lines.end(), w) != lines.end());
}

TEST_CASE("the IR rejects names, nodes and values that could inject netlist text", "[emitter]") {
  Circuit c;
  auto& b = c.block("x");
  CHECK_THROWS_AS(c.add(b, Resistor{"R1\n.control", "a", "b", 1.0}), std::invalid_argument);
  CHECK_THROWS_AS(c.add(b, Resistor{"R1", "a\nshell rm", "b", 1.0}), std::invalid_argument);
  CHECK_THROWS_AS(c.add(b, Resistor{"R1", "a", "b b", 1.0}), std::invalid_argument);
  CHECK_THROWS_AS(c.add(b, Resistor{"X1", "a", "b", 1.0}), std::invalid_argument);  // wrong type letter
  CHECK_THROWS_AS(c.add(b, Resistor{"R1", "a", "b", std::nan("")}), std::invalid_argument);
  CHECK_THROWS_AS(c.add(b, Capacitor{"C1", "a", "b", -1e-9}), std::invalid_argument);
  CHECK_THROWS_AS(Expr::v("x) .include /etc/passwd (y"), std::invalid_argument);
  CHECK_THROWS_AS(Expr::call("system", {Expr::num(1)}), std::invalid_argument);
  c.add(b, Resistor{"R1", "a", "b", 1.0});
  CHECK_THROWS_AS(c.add(b, Resistor{"r1", "a", "c", 2.0}), std::invalid_argument);  // case-insensitive duplicate
  CHECK_THROWS_AS(c.subcircuit("op amp", {"a"}), std::invalid_argument);
  CHECK_THROWS_AS(c.option("method", std::string("gear\n.control")), std::invalid_argument);
  CHECK_THROWS_AS(c.save("x\n.control"), std::invalid_argument);
  CHECK_THROWS_AS(c.save("x1..n1"), std::invalid_argument);
  CHECK_THROWS_AS(c.initial_condition("a b", 0.0), std::invalid_argument);
  CHECK_THROWS_AS(c.initial_condition("a", std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(c.replace(Resistor{"R1", "a", "b c", 1.0}), std::invalid_argument);  // checked like add()
  CHECK_THROWS_AS(c.replace(Resistor{"R9", "a", "b", 1.0}), std::invalid_argument);    // nothing to replace
  Circuit other;
  const Subcircuit& foreign = other.subcircuit("s", {"p"});
  CHECK_THROWS_AS(c.add(foreign, Resistor{"R1", "p", "0", 1.0}), std::logic_error);  // not c's
  // Titles and comments are made single-line.
  c.title = "evil\n.control\nshell echo hi\n.endc";
  c.header = {"x\n.include y"};
  const auto lines = spice::emit_lines(c);
  for (const auto& l : lines) {
    CHECK(l.find('\n') == std::string::npos);
    CHECK(l.rfind(".control", 0) != 0);
    CHECK(l.rfind(".include", 0) != 0);
  }
}

TEST_CASE("elements, initial conditions and saves change through the circuit's checked methods", "[emitter]") {
  Circuit c;
  auto& b = c.block("b");
  c.add(b, Resistor{"R1", "a", "0", 1.0});
  c.replace(Resistor{"R1", "a", "c", 2.0});
  c.initial_condition("a", 1.0);
  c.initial_condition("x1.n1", 0.5);  // a node inside a subcircuit instance
  c.initial_condition("a", 2.0);      // replaces the first, in its place
  c.save("a");
  c.save("x1.n1");
  CHECK(spice::emit(c) ==
        "* memcosim netlist\n"
        "\n"
        "* ---- b ----\n"
        "R1 a c 2\n"
        "\n"
        ".ic v(a)=2\n"
        ".ic v(x1.n1)=0.5\n"
        ".save v(a) v(x1.n1)\n"
        ".op\n"
        ".end\n");
  REQUIRE(c.find("R1") != nullptr);
  CHECK(std::get<Resistor>(*c.find("R1")).b == "c");
  CHECK(c.find("r1") == nullptr);  // exact spelling
  c.clear_saves();
  CHECK(c.saves().empty());
}

TEST_CASE("the emitted deck runs in the ngspice command-line program", "[emitter]") {
  // An inverting integrator from x(0) = 0.3 V with input ramp -1 V -> 1 V over
  // 1 ms: x(t) = 0.3 - (1/RC) * int_0^t (-1 + 2 s/T) ds; at T: 0.3 - 0 = 0.3,
  // at T/2: 0.3 - (1/RC)(-T/2 + T/4) = 0.3 + T/(4RC) = 0.55 V.
  const auto dir = std::filesystem::temp_directory_path() / "memcosim_emitter_test";
  std::filesystem::create_directories(dir);
  const Circuit c = rc_integrator(1e-6);
  std::ofstream(dir / "deck.cir") << spice::emit(c);
  // Print the values at T/2 and T through a .control block in a wrapper file.
  std::ofstream(dir / "run.cir") << "wrapper\n.include " << (dir / "deck.cir").string()
                                 << "\n.control\nrun\nprint v(x)[0]\nmeas tran xh find v(x) at=0.5m\n"
                                    "meas tran xe find v(x) at=1m\n.endc\n.end\n";
  const std::string cmd = "cd " + dir.string() + " && ngspice -b run.cir > out.txt 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(dir / "out.txt");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(text);
  auto value = [&](const std::string& key) {
    const auto pos = text.find(key);
    REQUIRE(pos != std::string::npos);
    return std::stod(text.substr(text.find('=', pos) + 1));
  };
  CHECK(value("v(x)[0]") == Approx(0.3).epsilon(1e-6));
  CHECK(value("xh") == Approx(0.55).epsilon(1e-4));
  CHECK(value("xe") == Approx(0.3).epsilon(1e-4));
  std::filesystem::remove_all(dir);
}
