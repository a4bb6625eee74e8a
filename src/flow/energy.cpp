#include "flow/energy.hpp"

#include "util/error.hpp"

namespace memcosim::flow {

std::vector<EnergyMeter> energy_meters(const circuit::Circuit& c) {
  std::vector<EnergyMeter> meters;
  for (const auto& b : c.blocks()) {
    for (std::size_t k = 0; k < b.elements().size(); ++k) {
      const circuit::Element& e = b.elements()[k];
      if (const auto* v = std::get_if<circuit::VoltageSource>(&e)) {
        EnergyMeter m;
        m.group = b.title;
        m.supply = circuit::is_supply(b.role(k));
        m.current = "i(" + v->name + ")";
        m.node_plus = v->plus;
        m.node_minus = v->minus;
        m.constant = !v->value.pwl.has_value();
        m.volts = v->value.dc;
        meters.push_back(std::move(m));
      } else if (const auto* bv = std::get_if<circuit::BehavioralVoltage>(&e)) {
        EnergyMeter m;
        m.group = b.title;
        m.current = "@" + bv->name + "[i]";
        m.node_plus = bv->plus;
        m.node_minus = bv->minus;
        m.constant = false;
        meters.push_back(std::move(m));
      }
    }
  }
  return meters;
}

std::vector<std::string> save_energy_vectors(circuit::Circuit& c, const std::vector<EnergyMeter>& meters) {
  std::vector<std::string> vectors;
  auto add_node = [&](const std::string& node) {
    if (node == "0") return;
    if (std::find(c.saves().begin(), c.saves().end(), node) == c.saves().end()) c.save(node);
    const std::string v = "v(" + node + ")";
    if (std::find(vectors.begin(), vectors.end(), v) == vectors.end()) vectors.push_back(v);
  };
  for (const auto& m : meters) {
    // "i(name)" / "@name[i]" -> the element name for the .save line.
    const std::string element =
        m.current[0] == '@' ? m.current.substr(1, m.current.size() - 4) : m.current.substr(2, m.current.size() - 3);
    if (std::find(c.saved_currents().begin(), c.saved_currents().end(), element) == c.saved_currents().end())
      c.save_current(element);
    vectors.push_back(m.current);
    if (!m.constant) {
      add_node(m.node_plus);
      add_node(m.node_minus);
    }
  }
  return vectors;
}

std::vector<circuit::SupplyPair> supply_rails(const circuit::Circuit& c) {
  std::vector<circuit::SupplyPair> rails;
  for (const auto& b : c.blocks())
    if (auto pair = b.supply_pair()) rails.push_back(std::move(*pair));
  return rails;
}

std::vector<std::string> supply_vectors(const std::vector<circuit::SupplyPair>& rails) {
  std::vector<std::string> vectors;
  for (const auto& r : rails) {
    vectors.push_back("i(" + r.positive + ")");
    vectors.push_back("i(" + r.negative + ")");
  }
  return vectors;
}

double supply_power(const spice::Plot& op, const std::vector<circuit::SupplyPair>& rails, double vdd, double vss) {
  double watts = 0.0;
  for (const auto& r : rails) {
    watts += -vdd * op.at("i(" + r.positive + ")").re.at(0);
    watts += -vss * op.at("i(" + r.negative + ")").re.at(0);
  }
  return watts;
}

std::map<std::string, double> energy_by_group(const spice::Plot& plot, const std::vector<EnergyMeter>& meters) {
  const spice::Vector& time = plot.at("time");
  std::map<std::string, double> out;
  const std::size_t n = time.size();
  for (const auto& m : meters) {
    const spice::Vector& i = plot.at(m.current);
    const spice::Vector* vp = (!m.constant && m.node_plus != "0") ? &plot.at("v(" + m.node_plus + ")") : nullptr;
    const spice::Vector* vm = (!m.constant && m.node_minus != "0") ? &plot.at("v(" + m.node_minus + ")") : nullptr;
    auto power = [&](std::size_t k) {
      const double v = m.constant ? m.volts : (vp ? vp->re[k] : 0.0) - (vm ? vm->re[k] : 0.0);
      return -v * i.re[k];
    };
    double e = 0.0;
    for (std::size_t k = 1; k < n; ++k) e += 0.5 * (power(k - 1) + power(k)) * (time.re[k] - time.re[k - 1]);
    out[m.group] += e;
  }
  return out;
}

}  // namespace memcosim::flow
