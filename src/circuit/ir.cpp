#include "circuit/ir.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include "util/numbers.hpp"

namespace memcosim::circuit {

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

bool is_node_name(std::string_view s) { return s == "0" || is_identifier(s); }

namespace {

std::string checked_node(std::string_view node) {
  if (!is_node_name(node)) throw std::invalid_argument("invalid node name '" + std::string(node) + "'");
  return std::string(node);
}

std::string number(double x) {
  if (!std::isfinite(x)) throw std::invalid_argument("non-finite number in an expression");
  const std::string s = spice_number(x);
  return x < 0 ? "(" + s + ")" : s;
}

}  // namespace

Expr Expr::num(double x) { return Expr(number(x)); }
Expr Expr::v(std::string_view node) { return Expr("V(" + checked_node(node) + ")"); }
Expr Expr::v(std::string_view plus, std::string_view minus) {
  return Expr("V(" + checked_node(plus) + "," + checked_node(minus) + ")");
}
Expr Expr::time() { return Expr("time"); }

Expr Expr::call(std::string_view fn, std::vector<Expr> args) {
  static constexpr std::array<std::string_view, 14> allowed = {"exp", "ln",  "sqrt",  "sinh", "cosh", "tanh", "sin",
                                                               "cos", "abs", "uramp", "u",    "min",  "max",  "pow"};
  if (std::find(allowed.begin(), allowed.end(), fn) == allowed.end())
    throw std::invalid_argument("function '" + std::string(fn) + "' is not allowed in a behavioural expression");
  std::string s(fn);
  s += "(";
  for (std::size_t i = 0; i < args.size(); ++i) s += (i ? "," : "") + args[i].text_;
  return Expr(s + ")");
}

Expr Expr::pwl(const Expr& x, const std::vector<double>& t, const std::vector<double>& v) {
  if (t.size() != v.size() || t.empty()) throw std::invalid_argument("pwl: needs equal, non-empty t and v");
  std::string s = "pwl(" + x.text_;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (i > 0 && !(t[i] > t[i - 1])) throw std::invalid_argument("pwl: times must increase");
    s += ", " + number(t[i]) + ", " + number(v[i]);
  }
  return Expr(s + ")");
}

Expr operator+(const Expr& a, const Expr& b) { return Expr("(" + a.text_ + "+" + b.text_ + ")"); }
Expr operator-(const Expr& a, const Expr& b) { return Expr("(" + a.text_ + "-" + b.text_ + ")"); }
Expr operator*(const Expr& a, const Expr& b) { return Expr(a.text_ + "*" + b.text_); }
Expr operator/(const Expr& a, const Expr& b) { return Expr(a.text_ + "/(" + b.text_ + ")"); }
Expr operator-(const Expr& a) { return Expr("(-" + a.text_ + ")"); }

const std::string& element_name(const Element& e) {
  return std::visit([](const auto& x) -> const std::string& { return x.name; }, e);
}

namespace {

char type_letter(const Element& e) {
  return std::visit(
      [](const auto& x) -> char {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Resistor>)
          return 'r';
        else if constexpr (std::is_same_v<T, Capacitor>)
          return 'c';
        else if constexpr (std::is_same_v<T, VoltageSource>)
          return 'v';
        else if constexpr (std::is_same_v<T, CurrentSource>)
          return 'i';
        else if constexpr (std::is_same_v<T, Vcvs>)
          return 'e';
        else if constexpr (std::is_same_v<T, Vccs>)
          return 'g';
        else if constexpr (std::is_same_v<T, BehavioralVoltage> || std::is_same_v<T, BehavioralCurrent>)
          return 'b';
        else if constexpr (std::is_same_v<T, Inductor>)
          return 'l';
        else if constexpr (std::is_same_v<T, Mosfet>)
          return 'm';
        else
          return 'x';
      },
      e);
}

void check_value(const std::string& name, double v, bool positive) {
  if (!std::isfinite(v)) throw std::invalid_argument(name + ": value is not finite");
  if (positive && !(v > 0)) throw std::invalid_argument(name + ": value must be > 0 (got " + exact_number(v) + ")");
}

void check_source(const std::string& name, const SourceValue& s) {
  check_value(name, s.dc, false);
  if (s.ac) check_value(name, *s.ac, false);
  if (!s.pwl) return;
  const Pwl& p = *s.pwl;
  if (p.t.size() != p.v.size() || p.t.empty())
    throw std::invalid_argument(name + ": PWL needs equal, non-empty t and v");
  for (std::size_t i = 0; i < p.t.size(); ++i) {
    check_value(name, p.t[i], false);
    check_value(name, p.v[i], false);
    if (i > 0 && !(p.t[i] > p.t[i - 1])) throw std::invalid_argument(name + ": PWL times must increase");
  }
}

// Name, nodes and values of one element.
void check_element(const Element& e) {
  const std::string& name = element_name(e);
  if (!is_identifier(name)) throw std::invalid_argument("invalid element name '" + name + "'");
  if (std::tolower(static_cast<unsigned char>(name[0])) != type_letter(e))
    throw std::invalid_argument("element name '" + name + "' must start with '" + std::string(1, type_letter(e)) + "'");
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        auto nodes = [&](std::initializer_list<std::string_view> ns) {
          for (auto n : ns)
            if (!is_node_name(n)) throw std::invalid_argument(name + ": invalid node name '" + std::string(n) + "'");
        };
        if constexpr (std::is_same_v<T, Resistor>) {
          nodes({x.a, x.b});
          check_value(name, x.ohms, true);
        } else if constexpr (std::is_same_v<T, Capacitor>) {
          nodes({x.a, x.b});
          check_value(name, x.farads, true);
        } else if constexpr (std::is_same_v<T, VoltageSource>) {
          nodes({x.plus, x.minus});
          check_source(name, x.value);
        } else if constexpr (std::is_same_v<T, CurrentSource>) {
          nodes({x.from, x.to});
          check_source(name, x.value);
        } else if constexpr (std::is_same_v<T, Vcvs>) {
          nodes({x.plus, x.minus, x.ctrl_plus, x.ctrl_minus});
          check_value(name, x.gain, false);
        } else if constexpr (std::is_same_v<T, Vccs>) {
          nodes({x.from, x.to, x.ctrl_plus, x.ctrl_minus});
          check_value(name, x.transconductance, false);
        } else if constexpr (std::is_same_v<T, BehavioralVoltage>) {
          nodes({x.plus, x.minus});
        } else if constexpr (std::is_same_v<T, BehavioralCurrent>) {
          nodes({x.from, x.to});
        } else if constexpr (std::is_same_v<T, Inductor>) {
          nodes({x.a, x.b});
          check_value(name, x.henries, true);
        } else if constexpr (std::is_same_v<T, Mosfet>) {
          nodes({x.drain, x.gate, x.source, x.bulk});
          if (!is_identifier(x.model)) throw std::invalid_argument(name + ": invalid model name '" + x.model + "'");
          check_value(name, x.w, true);
          check_value(name, x.l, true);
          for (double v : {x.ad, x.as, x.pd, x.ps}) {
            check_value(name, v, false);
            if (v < 0) throw std::invalid_argument(name + ": areas and perimeters must be >= 0");
          }
          check_value(name, x.delvto, false);
          check_value(name, x.mulu0, true);
        } else {
          for (const auto& n : x.nodes)
            if (!is_node_name(n)) throw std::invalid_argument(name + ": invalid node name '" + n + "'");
          if (!is_identifier(x.subckt))
            throw std::invalid_argument(name + ": invalid subcircuit name '" + x.subckt + "'");
        }
      },
      e);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A node of the top level or, for .save and .ic, inside a subcircuit
// instance: node names joined by '.' (x1.n1).
bool is_node_path(std::string_view s) {
  for (;;) {
    const std::size_t dot = s.find('.');
    if (!is_node_name(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::none:
      return "none";
    case Role::supply_positive:
      return "supply_positive";
    case Role::supply_negative:
      return "supply_negative";
    case Role::word_line:
      return "word_line";
    case Role::bulk:
      return "bulk";
  }
  return "none";
}

const VoltageSource* Block::source(Role role) const {
  for (std::size_t i = 0; i < elements_.size(); ++i)
    if (roles_[i] == role) return std::get_if<VoltageSource>(&elements_[i]);
  return nullptr;
}

std::optional<SupplyPair> Block::supply_pair() const {
  const VoltageSource* plus = source(Role::supply_positive);
  const VoltageSource* minus = source(Role::supply_negative);
  if (!plus && !minus) return std::nullopt;
  if (!plus || !minus) {
    const Role has = plus ? Role::supply_positive : Role::supply_negative;
    const Role lacks = plus ? Role::supply_negative : Role::supply_positive;
    throw std::logic_error("block '" + title + "' has a " + std::string(to_string(has)) + " source but no " +
                           std::string(to_string(lacks)) + " one");
  }
  return SupplyPair{plus->name, minus->name};
}

void Circuit::add(const Block& block, Element e, Role role) {
  // The block must be one of ours: the duplicate check covers this circuit's names only.
  auto it = std::find_if(blocks_.rbegin(), blocks_.rend(), [&](const Block& b) { return &b == &block; });
  if (it == blocks_.rend())
    throw std::logic_error("block '" + block.title + "' is not a block of this circuit (adding " + element_name(e) +
                           ")");
  Block& b = *it;
  check_element(e);
  if (role != Role::none) {
    if (!std::holds_alternative<VoltageSource>(e))
      throw std::invalid_argument(element_name(e) + ": only a voltage source can have the role " +
                                  std::string(to_string(role)));
    if (const VoltageSource* other = b.source(role))
      throw std::invalid_argument(element_name(e) + ": block '" + b.title + "' already has its " +
                                  std::string(to_string(role)) + " source " + other->name);
  }
  if (!names_.insert(lower(element_name(e))).second)
    throw std::invalid_argument("duplicate element name '" + element_name(e) + "' (SPICE names are case-insensitive)");
  b.elements_.push_back(std::move(e));
  b.roles_.push_back(role);
}

void Circuit::replace(Element e) {
  check_element(e);
  const std::string& name = element_name(e);
  for (auto& b : blocks_)
    for (auto& x : b.elements_)
      if (element_name(x) == name) {
        // Same name, same first letter: the same kind of element, so a role stays valid.
        x = std::move(e);
        return;
      }
  throw std::invalid_argument("no element '" + name + "' to replace");
}

const Element* Circuit::find(std::string_view name) const {
  for (const auto& b : blocks_)
    for (const auto& x : b.elements_)
      if (element_name(x) == name) return &x;
  return nullptr;
}

Block& Circuit::block(std::string block_title, std::vector<std::string> notes) {
  blocks_.push_back(Block(std::move(block_title), std::move(notes)));
  return blocks_.back();
}

const Subcircuit& Circuit::subcircuit(std::string name, std::vector<std::string> ports,
                                      std::vector<std::string> notes) {
  if (!is_identifier(name)) throw std::invalid_argument("invalid subcircuit name '" + name + "'");
  for (const auto& p : ports)
    if (!is_identifier(p)) throw std::invalid_argument("subcircuit " + name + ": invalid port name '" + p + "'");
  for (const auto& s : subcircuits_)
    if (lower(s.name_) == lower(name)) throw std::invalid_argument("duplicate subcircuit '" + name + "'");
  subcircuits_.push_back(Subcircuit(std::move(name), std::move(ports), std::move(notes)));
  return subcircuits_.back();
}

void Circuit::add(const Subcircuit& sub, Element e) {
  auto it = std::find_if(subcircuits_.begin(), subcircuits_.end(), [&](const Subcircuit& s) { return &s == &sub; });
  if (it == subcircuits_.end())
    throw std::logic_error("subcircuit " + sub.name() + " is not a subcircuit of this circuit (adding " +
                           element_name(e) + ")");
  check_element(e);
  const std::string key = lower(element_name(e));
  for (const auto& x : it->elements_)
    if (lower(element_name(x)) == key)
      throw std::invalid_argument("subcircuit " + it->name_ + ": duplicate element name '" + element_name(e) + "'");
  it->elements_.push_back(std::move(e));
}

void Circuit::option(const std::string& name) {
  if (!is_identifier(name)) throw std::invalid_argument("invalid option name '" + name + "'");
  options_.emplace_back(name, std::nullopt);
}

void Circuit::option(const std::string& name, double value) {
  if (!is_identifier(name)) throw std::invalid_argument("invalid option name '" + name + "'");
  check_value(name, value, false);
  options_.emplace_back(name, spice_number(value));
}

void Circuit::option(const std::string& name, const std::string& word) {
  if (!is_identifier(name) || !is_identifier(word))
    throw std::invalid_argument("invalid option '" + name + "=" + word + "'");
  options_.emplace_back(name, word);
}

void Circuit::initial_condition(const std::string& node, double volts) {
  if (!is_node_path(node)) throw std::invalid_argument("initial condition: invalid node name '" + node + "'");
  check_value("initial condition of " + node, volts, false);
  for (auto& [n, v] : initial_conditions_)
    if (n == node) {
      v = volts;
      return;
    }
  initial_conditions_.emplace_back(node, volts);
}

void Circuit::save(const std::string& node) {
  if (!is_node_path(node)) throw std::invalid_argument("save: invalid node name '" + node + "'");
  saves_.push_back(node);
}

void Circuit::save_current(const std::string& element) {
  if (!is_identifier(element)) throw std::invalid_argument("invalid element name '" + element + "' in saved currents");
  const char kind = static_cast<char>(std::tolower(static_cast<unsigned char>(element[0])));
  if (kind != 'v' && kind != 'b')
    throw std::invalid_argument("saved currents: " + element + " is neither a voltage nor a behavioural source");
  saved_currents_.push_back(element);
}

void Circuit::clear_saves() {
  saves_.clear();
  saved_currents_.clear();
}

void check_model_card(const ModelCard& card) {
  if (!is_identifier(card.name)) throw std::invalid_argument("invalid model name '" + card.name + "'");
  const std::string type = lower(card.type);
  if (type != "nmos" && type != "pmos")
    throw std::invalid_argument("model " + card.name + ": type must be nmos or pmos (got '" + card.type + "')");
  for (const auto& [key, value] : card.params) {
    if (!is_identifier(key))
      throw std::invalid_argument("model " + card.name + ": invalid parameter name '" + key + "'");
    check_value("model " + card.name + " parameter " + key, value, false);
  }
}

void Circuit::model(ModelCard card) {
  check_model_card(card);
  for (const auto& m : models_)
    if (lower(m.name) == lower(card.name)) throw std::invalid_argument("duplicate model '" + card.name + "'");
  models_.push_back(std::move(card));
}

Block* Circuit::find_block(std::string_view block_title) {
  for (auto& b : blocks_)
    if (b.title == block_title) return &b;
  return nullptr;
}

const Block* Circuit::find_block(std::string_view block_title) const {
  for (const auto& b : blocks_)
    if (b.title == block_title) return &b;
  return nullptr;
}

std::size_t Circuit::element_count() const {
  std::size_t n = 0;
  for (const auto& b : blocks_) n += b.elements_.size();
  return n;
}

}  // namespace memcosim::circuit
