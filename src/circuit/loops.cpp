#include "circuit/loops.hpp"

#include <stdexcept>

namespace memcosim::circuit {

std::string to_string(LoopKind kind) {
  switch (kind) {
    case LoopKind::integrator:
      return "integrator";
    case LoopKind::tia:
      return "TIA";
    case LoopKind::inverter:
      return "inverter";
    case LoopKind::rectifier:
      return "rectifier";
    case LoopKind::row_driver:
      return "row driver";
    case LoopKind::other:
      return "other";
  }
  return "other";
}

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

LoopKind kind_of(const std::string& block) {
  if (ends_with(block, "integrators")) return LoopKind::integrator;
  if (ends_with(block, "TIAs")) return LoopKind::tia;
  if (ends_with(block, "inverters")) return LoopKind::inverter;
  if (ends_with(block, "rectifiers")) return LoopKind::rectifier;
  if (ends_with(block, "row drivers")) return LoopKind::row_driver;
  return LoopKind::other;
}

// The op-amps, and the transistor-level rectifier (a super-diode: an
// amplifier in a unity-gain loop with the same port order).
// With mismatch every transistor-level instance has its own copy,
// "<name>_<instance>".
bool is_opamp_subckt(const std::string& s) {
  if (s == "opamp_beh") return true;
  for (const std::string base : {"opamp_cmos", "relu_cmos"})
    if (s == base || s.rfind(base + "_", 0) == 0) return true;
  return false;
}

// The element of the op-amp `name` that drives its output, and its block.
struct Found {
  const Block* block = nullptr;
  const Element* element = nullptr;
};

Found find(const Circuit& c, const std::string& name) {
  for (const auto& b : c.blocks())
    for (const auto& e : b.elements()) {
      if (auto* x = std::get_if<Instance>(&e); x && is_opamp_subckt(x->subckt) && x->name == "X" + name)
        return {&b, &e};
      if (auto* r = std::get_if<Resistor>(&e); r && r->name == "R" + name + "_out") return {&b, &e};
    }
  throw std::invalid_argument("no op-amp named '" + name + "' in the circuit");
}

}  // namespace

std::vector<OpampLoop> find_opamp_loops(const Circuit& c) {
  std::vector<OpampLoop> loops;
  for (const auto& b : c.blocks()) {
    for (const auto& e : b.elements()) {
      if (const auto* x = std::get_if<Instance>(&e); x && is_opamp_subckt(x->subckt) && x->nodes.size() >= 3) {
        loops.push_back({x->name.substr(1), b.title, kind_of(b.title), x->nodes[2], x->nodes[0], x->nodes[1]});
      } else if (const auto* v = std::get_if<Vcvs>(&e); v && v->name.size() > 1) {
        // Ideal op-amp: E<name> internal 0 inp inn, R<name>_out internal out.
        const std::string name = v->name.substr(1);
        for (const auto& e2 : b.elements())
          if (const auto* r = std::get_if<Resistor>(&e2); r && r->name == "R" + name + "_out")
            loops.push_back({name, b.title, kind_of(b.title), r->b, v->ctrl_plus, v->ctrl_minus});
      }
    }
  }
  return loops;
}

void insert_loop_probe(Circuit& c, const OpampLoop& loop, double v_ac, double i_ac) {
  const Found f = find(c, loop.name);
  const std::string driven = loop.output + "_lb";
  Element moved = *f.element;
  if (auto* x = std::get_if<Instance>(&moved))
    x->nodes[2] = driven;
  else
    std::get<Resistor>(moved).b = driven;
  c.replace(std::move(moved));
  c.add(*f.block, VoltageSource{"Vlb_" + loop.name, loop.output, driven, SourceValue{0.0, std::nullopt, v_ac}});
  c.add(*f.block, CurrentSource{"Ilb_" + loop.name, "0", loop.output, SourceValue{0.0, std::nullopt, i_ac}});
}

int hold_integrators(Circuit& c, double henries) {
  auto ic = [&](const std::string& node) -> std::optional<double> {
    if (node == "0") return 0.0;
    for (const auto& [n, v] : c.initial_conditions())
      if (n == node) return v;
    return std::nullopt;
  };
  int held = 0;
  for (const auto& b : c.blocks()) {
    if (kind_of(b.title) != LoopKind::integrator) continue;
    std::vector<Element> added;
    for (const auto& e : b.elements()) {
      const auto* cap = std::get_if<Capacitor>(&e);
      if (!cap || cap->name.size() < 2) continue;
      const auto va = ic(cap->a), vb = ic(cap->b);
      if (!va || !vb) continue;
      const std::string name = cap->name.substr(1);
      const std::string mid = name + "_hold";
      // V(b) - V(mid) = vb - va and L shorts mid to a at DC: V(b) - V(a) = vb - va.
      added.push_back(Inductor{"L" + name + "_hold", cap->a, mid, henries});
      added.push_back(VoltageSource{"V" + name + "_hold", cap->b, mid, SourceValue{*vb - *va}});
      ++held;
    }
    for (auto& e : added) c.add(b, std::move(e));
  }
  return held;
}

void insert_step(Circuit& c, const OpampLoop& loop, const Pwl& step) {
  const Found f = find(c, loop.name);
  const std::string node = loop.name + "_step";
  if (const auto* x = std::get_if<Instance>(f.element)) {
    Instance moved = *x;
    moved.nodes[0] = node;
    c.replace(std::move(moved));
  } else {
    for (const auto& e : f.block->elements())
      if (const auto* v = std::get_if<Vcvs>(&e); v && v->name == "E" + loop.name) {
        Vcvs moved = *v;
        moved.ctrl_plus = node;
        c.replace(std::move(moved));
        break;
      }
  }
  c.add(*f.block, VoltageSource{"Vstep_" + loop.name, node, loop.plus, SourceValue{0.0, step}});
}

}  // namespace memcosim::circuit
