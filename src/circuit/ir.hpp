// The circuit IR: a simulator-independent description of a netlist.
//
// Block builders (crossbar, TIA, ReLU, integrator, sources) produce it; the
// emitter (src/spice/emitter.hpp) is the only code that turns it into SPICE
// text. Names and nodes are checked when an element is added, and
// behavioural expressions can only be built from numbers, node voltages and
// an allow-list of functions, so nothing from a config can smuggle a control
// line, an include or a shell command into a netlist.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

namespace memcosim::circuit {

// [A-Za-z_][A-Za-z0-9_]*; node names may also be "0" (ground).
bool is_identifier(std::string_view s);
bool is_node_name(std::string_view s);

// A behavioural-source expression. Text is only ever produced by the
// factories below, which write numbers as spice_number (util/numbers.hpp:
// 15 significant digits) and accept only checked node names and
// allow-listed functions.
class Expr {
 public:
  static Expr num(double x);
  static Expr v(std::string_view node);                        // V(node)
  static Expr v(std::string_view plus, std::string_view minus);  // V(plus, minus)
  static Expr time();                                          // simulation time
  // fn in {exp, ln, sqrt, sinh, cosh, tanh, sin, cos, abs, uramp, u, min, max, pow}
  static Expr call(std::string_view fn, std::vector<Expr> args);
  // pwl(x, t0, v0, t1, v1, ...): piecewise linear in x, constant outside.
  // As a function of time it interpolates like a PWL source but sets no
  // simulator breakpoints.
  static Expr pwl(const Expr& x, const std::vector<double>& t, const std::vector<double>& v);

  friend Expr operator+(const Expr& a, const Expr& b);
  friend Expr operator-(const Expr& a, const Expr& b);
  friend Expr operator*(const Expr& a, const Expr& b);
  friend Expr operator/(const Expr& a, const Expr& b);
  friend Expr operator-(const Expr& a);

  const std::string& text() const { return text_; }

 private:
  explicit Expr(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// Independent-source value: DC, or piecewise linear in time.
struct Pwl {
  std::vector<double> t, v;  // same length, t strictly increasing
};
struct SourceValue {
  SourceValue(double dc_value = 0.0, std::optional<Pwl> pwl_value = std::nullopt,
              std::optional<double> ac_value = std::nullopt)
      : dc(dc_value), pwl(std::move(pwl_value)), ac(ac_value) {}
  double dc = 0.0;
  std::optional<Pwl> pwl;
  std::optional<double> ac;  // small-signal (AC analysis) magnitude; none: not written
};

// Elements. `name` is the full SPICE name; its first letter is the type.
struct Resistor { std::string name, a, b; double ohms; };
struct Capacitor { std::string name, a, b; double farads; };
struct VoltageSource { std::string name, plus, minus; SourceValue value; };
struct CurrentSource { std::string name, from, to; SourceValue value; };  // current flows from -> to through the source
struct Vcvs { std::string name, plus, minus, ctrl_plus, ctrl_minus; double gain; };          // E
struct Vccs { std::string name, from, to, ctrl_plus, ctrl_minus; double transconductance; };  // G
struct BehavioralVoltage { std::string name, plus, minus; Expr expr; };                      // B ... V=
struct BehavioralCurrent { std::string name, from, to; Expr expr; };                         // B ... I=
struct Instance { std::string name; std::vector<std::string> nodes; std::string subckt; };   // X
struct Inductor { std::string name, a, b; double henries; };                                  // L
// M: a MOSFET of a model card in Circuit::models (W, L in metres; drain and
// source areas/perimeters are written only when > 0). delvto (V, ngspice's
// BSIM3 instance parameter DELVTO: the card's VTH0 + delvto) and mulu0 (mobility factor MULU0) carry a device's
// mismatch draw; written only when not 0 / 1.
struct Mosfet {
  std::string name, drain, gate, source, bulk, model;
  double w = 0.0, l = 0.0;
  double ad = 0.0, as = 0.0, pd = 0.0, ps = 0.0;
  double delvto = 0.0, mulu0 = 1.0;
};

using Element = std::variant<Resistor, Capacitor, VoltageSource, CurrentSource, Vcvs, Vccs, BehavioralVoltage,
                             BehavioralCurrent, Instance, Inductor, Mosfet>;

// A device model card (.model NAME TYPE (key=value ...)). Only numeric
// parameters exist, so a card cannot carry an expression, a path or a
// control word; circuit/models.hpp reads them from a model library.
struct ModelCard {
  std::string name;  // identifier
  std::string type;  // nmos | pmos
  std::vector<std::pair<std::string, double>> params;  // identifier = finite number
};
// Throws std::invalid_argument naming the card on a bad name, type, key or value.
void check_model_card(const ModelCard& card);

const std::string& element_name(const Element& e);

// A titled group of elements; the emitter writes a comment heading each one.
struct Block {
  std::string title;
  std::vector<std::string> notes;  // extra comment lines under the title
  std::vector<Element> elements;
};

struct Subcircuit {
  std::string name;
  std::vector<std::string> ports;
  std::vector<std::string> notes;
  std::vector<Element> elements;
};

struct TranAnalysis {
  double step = 0.0;      // print step
  double stop = 0.0;
  double max_step = 0.0;  // 0: simulator default
};

struct Circuit {
  std::string title;
  std::vector<std::string> header;  // comment lines after the title
  // deques: references returned by block()/subcircuit() stay valid as more are added.
  std::deque<Subcircuit> subcircuits;
  std::deque<Block> blocks;
  std::vector<std::pair<std::string, double>> initial_conditions;  // node -> volts (.ic)
  std::vector<std::string> saves;                                  // nodes whose voltages are saved
  // Elements whose current is saved too: voltage sources (i(name)) and
  // behavioural sources (@name[i]); written after the voltages.
  std::vector<std::string> saved_currents;
  // Device model cards, written after the header (with these comment lines).
  std::vector<std::string> model_notes;
  std::vector<ModelCard> models;
  std::vector<std::pair<std::string, std::optional<std::string>>> options;  // .options name[=value]
  std::optional<TranAnalysis> tran;                                // none: operating point only

  // Adds an element to a block, checking its name and nodes; throws
  // std::invalid_argument naming the element on a bad name, a duplicate
  // (ngspice is case-insensitive) or a non-finite value.
  void add(Block& block, Element e);
  Block& block(std::string block_title, std::vector<std::string> notes = {});
  Subcircuit& subcircuit(std::string name, std::vector<std::string> ports, std::vector<std::string> notes = {});
  // .options entries: a flag, a number, or a word (identifiers only).
  void option(const std::string& name);
  void option(const std::string& name, double value);
  void option(const std::string& name, const std::string& word);
  void add(Subcircuit& sub, Element e);
  // Adds a model card (checked; a second card of the same name is an error).
  void model(ModelCard card);
  // The block titled `title` (nullptr if none).
  Block* find_block(std::string_view block_title);

  // Every element of the top level, in order.
  std::size_t element_count() const;

 private:
  std::unordered_set<std::string> names_;  // lower-cased, for the duplicate check
};

}  // namespace memcosim::circuit
