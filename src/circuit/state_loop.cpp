#include "circuit/state_loop.hpp"

#include <stdexcept>

namespace memcosim::circuit {

StateLoop add_state_loop(Circuit& c, Block& integrators, Block& inverters, int dim, const IntegratorInputs& inputs,
                         const config::CircuitConfig& cc, const Environment& env) {
  StateLoop loop;
  for (int d = 0; d < dim; ++d) {
    const std::string x = "x" + std::to_string(d), xn = "xn" + std::to_string(d);
    loop.integrators.push_back(integrator(c, integrators, "int" + std::to_string(d), inputs(d), x, cc.integrator.c,
                                          cc.level_of(cc.blocks.integrator), env));
    inverter(c, inverters, "xinv" + std::to_string(d), x, xn, cc.inverter_r, cc.level_of(cc.blocks.inverter), env);
    loop.state_nodes.push_back(x);
    loop.negated_nodes.push_back(xn);
  }
  return loop;
}

void add_transient(Circuit& c, const config::SimulationConfig& sim, double duration, bool use_klu) {
  c.option("reltol", sim.reltol);
  c.option("abstol", sim.abstol);
  c.option("vntol", sim.vntol);
  c.option("method", std::string(config::enum_name(sim.method)));
  if (use_klu) c.option("klu");
  const double max_step = duration / sim.min_points;
  c.tran = TranAnalysis{max_step, duration, max_step};
}

void set_state(Circuit& c, const StateLoop& loop, const std::vector<double>& volts) {
  if (volts.size() != loop.integrators.size()) throw std::invalid_argument("set_state: state has the wrong dimension");
  for (std::size_t d = 0; d < volts.size(); ++d) initial_state(c, loop.integrators[d], volts[d]);
}

}  // namespace memcosim::circuit
