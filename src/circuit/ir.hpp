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
  static Expr v(std::string_view node);                          // V(node)
  static Expr v(std::string_view plus, std::string_view minus);  // V(plus, minus)
  static Expr time();                                            // simulation time
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
struct Resistor {
  std::string name, a, b;
  double ohms;
};
struct Capacitor {
  std::string name, a, b;
  double farads;
};
struct VoltageSource {
  std::string name, plus, minus;
  SourceValue value;
};
struct CurrentSource {
  std::string name, from, to;
  SourceValue value;
};  // current flows from -> to through the source
struct Vcvs {
  std::string name, plus, minus, ctrl_plus, ctrl_minus;
  double gain;
};  // E
struct Vccs {
  std::string name, from, to, ctrl_plus, ctrl_minus;
  double transconductance;
};  // G
struct BehavioralVoltage {
  std::string name, plus, minus;
  Expr expr;
};  // B ... V=
struct BehavioralCurrent {
  std::string name, from, to;
  Expr expr;
};  // B ... I=
struct Instance {
  std::string name;
  std::vector<std::string> nodes;
  std::string subckt;
};  // X
struct Inductor {
  std::string name, a, b;
  double henries;
};  // L
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
  std::string name;                                    // identifier
  std::string type;                                    // nmos | pmos
  std::vector<std::pair<std::string, double>> params;  // identifier = finite number
};
// Throws std::invalid_argument naming the card on a bad name, type, key or value.
void check_model_card(const ModelCard& card);

const std::string& element_name(const Element& e);

// What an element is for beyond its SPICE text: set by the code that creates
// it, read by the code that meters supplies or pairs a block's rails, so no
// one has to guess an element's purpose from its name. Only a voltage source
// has a role other than none, and a block has at most one source of each.
enum class Role {
  none,
  supply_positive,  // the positive rail (vdd) of a block's transistor-level circuits
  supply_negative,  // their negative rail (vss)
  word_line,        // the word line of a block's 1T1R cells
  bulk,             // the bulk of those cells' access transistors
};
std::string_view to_string(Role role);
// Every role but none marks a source that powers transistor-level circuits
// (flow/energy.hpp meters these as supply energy).
constexpr bool is_supply(Role role) { return role != Role::none; }

// A block's rails: the names of its supply_positive and supply_negative sources.
struct SupplyPair {
  std::string positive, negative;
};

class Circuit;

// A titled group of elements; the emitter writes a comment heading each one.
// Title and notes are free text (comments, which the emitter keeps on one
// line); the elements are added and replaced only through the Circuit, which
// checks them.
class Block {
 public:
  std::string title;
  std::vector<std::string> notes;  // extra comment lines under the title

  const std::vector<Element>& elements() const { return elements_; }
  // The role of elements()[i].
  Role role(std::size_t i) const { return roles_.at(i); }
  // The block's source of `role` (nullptr if it has none).
  const VoltageSource* source(Role role) const;
  // Its supply_positive and supply_negative sources; nullopt when it has
  // neither, std::logic_error when it has only one.
  std::optional<SupplyPair> supply_pair() const;

 private:
  friend class Circuit;
  Block(std::string block_title, std::vector<std::string> block_notes)
      : title(std::move(block_title)), notes(std::move(block_notes)) {}
  std::vector<Element> elements_;
  std::vector<Role> roles_;  // one per element
};

// A subcircuit definition; its name and ports are checked when it is
// created, its elements when they are added (Circuit::add).
class Subcircuit {
 public:
  std::vector<std::string> notes;  // comment lines above the .subckt line

  const std::string& name() const { return name_; }
  const std::vector<std::string>& ports() const { return ports_; }
  const std::vector<Element>& elements() const { return elements_; }

 private:
  friend class Circuit;
  Subcircuit(std::string name, std::vector<std::string> ports, std::vector<std::string> sub_notes)
      : notes(std::move(sub_notes)), name_(std::move(name)), ports_(std::move(ports)) {}
  std::string name_;
  std::vector<std::string> ports_;
  std::vector<Element> elements_;
};

struct TranAnalysis {
  double step = 0.0;  // print step
  double stop = 0.0;
  double max_step = 0.0;  // 0: simulator default
};

// Everything that reaches the netlist as SPICE text (elements, subcircuits,
// model cards, options, initial conditions, .save entries) is held privately
// and changed only through the methods below, which check it; the emitter
// writes it as it is. The public members are comments (made single-line by
// the emitter) and the analysis's numbers.
class Circuit {
 public:
  std::string title;
  std::vector<std::string> header;       // comment lines after the title
  std::vector<std::string> model_notes;  // comment lines above the model cards
  std::optional<TranAnalysis> tran;      // none: operating point only

  // deques: references returned by block()/subcircuit() stay valid as more are added.
  const std::deque<Subcircuit>& subcircuits() const { return subcircuits_; }
  const std::deque<Block>& blocks() const { return blocks_; }
  // Device model cards, written after the header (with model_notes).
  const std::vector<ModelCard>& models() const { return models_; }
  const std::vector<std::pair<std::string, std::optional<std::string>>>& options() const {
    return options_;
  }  // .options name[=value]
  const std::vector<std::pair<std::string, double>>& initial_conditions() const {
    return initial_conditions_;
  }                                                                 // node -> volts (.ic)
  const std::vector<std::string>& saves() const { return saves_; }  // nodes whose voltages are saved
  // Elements whose current is saved too: voltage sources (i(name)) and
  // behavioural sources (@name[i]); written after the voltages.
  const std::vector<std::string>& saved_currents() const { return saved_currents_; }

  // Adds an element to a block of this circuit, checking its name and nodes;
  // throws std::invalid_argument naming the element on a bad name, a
  // duplicate (ngspice is case-insensitive), a non-finite value, a role on
  // anything but a voltage source or a second source of the same role in
  // the block, and std::logic_error when the block is not this circuit's.
  void add(const Block& block, Element e, Role role = Role::none);
  // Replaces the top-level element of the same name (checked like add(); it
  // keeps its block, place and role). Throws std::invalid_argument when
  // there is none.
  void replace(Element e);
  // The top-level element named `name` (exact spelling; nullptr if none).
  const Element* find(std::string_view name) const;
  Block& block(std::string block_title, std::vector<std::string> notes = {});
  const Subcircuit& subcircuit(std::string name, std::vector<std::string> ports, std::vector<std::string> notes = {});
  void add(const Subcircuit& sub, Element e);
  // .options entries: a flag, a number, or a word (identifiers only).
  void option(const std::string& name);
  void option(const std::string& name, double value);
  void option(const std::string& name, const std::string& word);
  // Adds a model card (checked; a second card of the same name is an error).
  void model(ModelCard card);
  // Sets the .ic of `node` (replacing an earlier one; new nodes in order).
  void initial_condition(const std::string& node, double volts);
  // Appends to the .save line: a node's voltage, or the current of a voltage
  // or behavioural source (by element name). Nodes may be hierarchical
  // (x1.n1); throws std::invalid_argument on anything else.
  void save(const std::string& node);
  void save_current(const std::string& element);
  // Empties the .save line (voltages and currents).
  void clear_saves();
  // The block titled `title` (nullptr if none).
  Block* find_block(std::string_view block_title);
  const Block* find_block(std::string_view block_title) const;

  // Every element of the top level, in order.
  std::size_t element_count() const;

 private:
  std::deque<Subcircuit> subcircuits_;
  std::deque<Block> blocks_;
  std::vector<ModelCard> models_;
  std::vector<std::pair<std::string, std::optional<std::string>>> options_;
  std::vector<std::pair<std::string, double>> initial_conditions_;
  std::vector<std::string> saves_;
  std::vector<std::string> saved_currents_;
  std::unordered_set<std::string> names_;  // lower-cased, for the duplicate check
};

}  // namespace memcosim::circuit
