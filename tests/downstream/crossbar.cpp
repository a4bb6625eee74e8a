// One layer y = W a + b on an RRAM crossbar, built with the installed
// memcosim::core: prints the SPICE netlist, then (with --op) simulates its
// operating point in ngspice and compares the output TIAs with W a + b.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

#include "circuit/blocks.hpp"
#include "circuit/network.hpp"
#include "config/config.hpp"
#include "nn/score_net.hpp"
#include "spice/emitter.hpp"
#include "spice/job.hpp"
#include "spice/session.hpp"
#include "util/random.hpp"

int main(int argc, char** argv) {
  using namespace memcosim;
  const bool op = argc > 1 && std::string(argv[1]) == "--op";

  config::CircuitConfig cc;
  cc.level = config::Level::ideal;
  cc.opamp.ideal_gain = 1e10;
  nn::Dense layer{Eigen::MatrixXd(3, 2), Eigen::VectorXd(3)};
  layer.W << 0.5, -1.0,  //
      1.5, 0.25,         //
      -0.75, 2.0;
  layer.b << 0.1, -0.2, 0.3;
  const Eigen::Vector2d a(0.8, -1.2);

  circuit::NetworkOptions no;
  no.k_in = 0.05;
  no.k_out = 0.03;
  no.output_prefix = "yneg";
  circuit::Circuit c;
  c.title = "downstream: one-layer crossbar 2 -> 3";
  circuit::add_bias_rails(c, cc.crossbar.v_read);
  auto& inputs = c.block("inputs");
  for (int i = 0; i < 2; ++i) {
    const std::string p = "in" + std::to_string(i), n = "inn" + std::to_string(i);
    circuit::voltage(c, inputs, "a" + std::to_string(i), p, circuit::SourceValue{no.k_in * a(i), std::nullopt});
    circuit::voltage(c, inputs, "an" + std::to_string(i), n, circuit::SourceValue{-no.k_in * a(i), std::nullopt});
    no.input_rows.emplace_back(p, n);
    no.input_names.push_back(p);
  }
  const circuit::Environment env{cc.supply.vdd, cc.supply.vss, cc.opamp, cc.crossbar.cell, cc.relu.knee};
  Rng programming(3);
  const circuit::NetworkCircuit net = circuit::add_network(c, {layer}, no, cc, env, programming);
  std::cout << spice::emit(c);
  if (!op) return 0;

  spice::NgspiceSession session;
  spice::Job job;
  job.netlist = spice::emit(c);
  job.analysis = "op";
  job.vectors = net.output_nodes;
  const spice::Result r = spice::run_job(session, job);
  if (!r.ok()) {
    std::cerr << "crossbar: ngspice failed: " << r.message << "\n";
    return 1;
  }
  const Eigen::VectorXd y = layer.W * a + layer.b;
  int bad = 0;
  for (int j = 0; j < 3; ++j) {
    const double circuit_y = -r.plot.at(net.output_nodes[static_cast<std::size_t>(j)]).re.at(0) / no.k_out;
    const bool ok = std::abs(circuit_y - y(j)) <= 1e-6 * std::abs(y(j)) + 1e-9;
    bad += ok ? 0 : 1;
    std::printf("y%d circuit %.9f network %.9f %s\n", j, circuit_y, y(j), ok ? "ok" : "MISMATCH");
  }
  std::printf("ngspice %s\n", session.info().version.c_str());
  return bad == 0 ? 0 : 1;
}
