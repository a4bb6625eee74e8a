#include "spice/emitter.hpp"

#include <cctype>

#include "util/numbers.hpp"

namespace memcosim::spice {

using namespace memcosim::circuit;

namespace {

class Writer {
 public:
  explicit Writer(std::vector<std::string>& lines) : lines_(lines) {}

  void comment(std::string_view text) { lines_.push_back("* " + comment_text(text)); }
  void line(std::string s) { lines_.push_back(std::move(s)); }
  // A long behavioural line continued over several ("+ ...") at ", "
  // boundaries; ngspice joins continuation lines before parsing.
  void wrapped(const std::string& s) {
    constexpr std::size_t kWidth = 100;
    std::size_t begin = 0;
    bool first = true;
    while (s.size() - begin > kWidth) {
      std::size_t cut = s.rfind(", ", begin + kWidth);
      if (cut == std::string::npos || cut <= begin) break;
      line((first ? "" : "+ ") + s.substr(begin, cut + 1 - begin));
      begin = cut + 2;
      first = false;
    }
    line((first ? "" : "+ ") + s.substr(begin));
  }

  void source(const std::string& head, const SourceValue& v) {
    const std::string ac = v.ac ? " AC " + spice_number(*v.ac) : std::string();
    if (!v.pwl) {
      line(head + " DC " + spice_number(v.dc) + ac);
      return;
    }
    // PWL(t0 v0 t1 v1 ...), four pairs per line.
    const Pwl& p = *v.pwl;
    std::string cur = head + " PWL(";
    for (std::size_t i = 0; i < p.t.size(); ++i) {
      if (i > 0 && i % 4 == 0) {
        line(cur);
        cur = "+";
      }
      cur += (cur.back() == '(' ? "" : " ") + spice_number(p.t[i]) + " " + spice_number(p.v[i]);
    }
    line(cur + ")" + ac);
  }

  // .model NAME TYPE ( key=value ... ), six parameters per line.
  void model(const ModelCard& m) {
    line(".model " + m.name + " " + m.type + " (");
    std::string cur = "+";
    for (std::size_t i = 0; i < m.params.size(); ++i) {
      if (i > 0 && i % 6 == 0) {
        line(cur);
        cur = "+";
      }
      cur += " " + m.params[i].first + "=" + spice_number(m.params[i].second);
    }
    line(cur + " )");
  }

  void element(const Element& e) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, Resistor>)
            line(x.name + " " + x.a + " " + x.b + " " + spice_number(x.ohms));
          else if constexpr (std::is_same_v<T, Capacitor>)
            line(x.name + " " + x.a + " " + x.b + " " + spice_number(x.farads));
          else if constexpr (std::is_same_v<T, VoltageSource>)
            source(x.name + " " + x.plus + " " + x.minus, x.value);
          else if constexpr (std::is_same_v<T, CurrentSource>)
            source(x.name + " " + x.from + " " + x.to, x.value);
          else if constexpr (std::is_same_v<T, Vcvs>)
            line(x.name + " " + x.plus + " " + x.minus + " " + x.ctrl_plus + " " + x.ctrl_minus + " " +
                 spice_number(x.gain));
          else if constexpr (std::is_same_v<T, Vccs>)
            line(x.name + " " + x.from + " " + x.to + " " + x.ctrl_plus + " " + x.ctrl_minus + " " +
                 spice_number(x.transconductance));
          else if constexpr (std::is_same_v<T, BehavioralVoltage>)
            wrapped(x.name + " " + x.plus + " " + x.minus + " V=" + x.expr.text());
          else if constexpr (std::is_same_v<T, BehavioralCurrent>)
            wrapped(x.name + " " + x.from + " " + x.to + " I=" + x.expr.text());
          else if constexpr (std::is_same_v<T, Inductor>)
            line(x.name + " " + x.a + " " + x.b + " " + spice_number(x.henries));
          else if constexpr (std::is_same_v<T, Mosfet>) {
            std::string s = x.name + " " + x.drain + " " + x.gate + " " + x.source + " " + x.bulk + " " + x.model +
                            " W=" + spice_number(x.w) + " L=" + spice_number(x.l);
            if (x.ad > 0) s += " AD=" + spice_number(x.ad);
            if (x.as > 0) s += " AS=" + spice_number(x.as);
            if (x.pd > 0) s += " PD=" + spice_number(x.pd);
            if (x.ps > 0) s += " PS=" + spice_number(x.ps);
            if (x.delvto != 0.0) s += " delvto=" + spice_number(x.delvto);
            if (x.mulu0 != 1.0) s += " mulu0=" + spice_number(x.mulu0);
            line(s);
          } else {
            std::string s = x.name;
            for (const auto& n : x.nodes) s += " " + n;
            line(s + " " + x.subckt);
          }
        },
        e);
  }

 private:
  std::vector<std::string>& lines_;
};

}  // namespace

std::string comment_text(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

std::vector<std::string> emit_lines(const Circuit& c) {
  std::vector<std::string> lines;
  Writer w(lines);
  // The first line of a SPICE deck is its title; written as a comment it
  // also stays inert when the deck is .include'd into another one.
  w.comment(c.title.empty() ? std::string("memcosim netlist") : c.title);
  for (const auto& h : c.header) w.comment(h);

  // Everything below was checked when it entered the Circuit (circuit/ir.hpp).
  if (!c.models().empty()) {
    w.line("");
    for (const auto& n : c.model_notes) w.comment(n);
    for (const auto& m : c.models()) w.model(m);
  }

  for (const auto& sub : c.subcircuits()) {
    w.line("");
    for (const auto& n : sub.notes) w.comment(n);
    std::string head = ".subckt " + sub.name();
    for (const auto& p : sub.ports()) head += " " + p;
    w.line(head);
    for (const auto& e : sub.elements()) w.element(e);
    w.line(".ends " + sub.name());
  }

  for (const auto& b : c.blocks()) {
    w.line("");
    w.comment("---- " + b.title + " ----");
    for (const auto& n : b.notes) w.comment(n);
    for (const auto& e : b.elements()) w.element(e);
  }

  w.line("");
  if (!c.options().empty()) {
    std::string s = ".options";
    for (const auto& [name, value] : c.options()) s += " " + name + (value ? "=" + *value : "");
    w.line(s);
  }
  if (!c.initial_conditions().empty()) {
    // One .ic line per node keeps long ICs readable and diffs small.
    for (const auto& [node, volts] : c.initial_conditions()) w.line(".ic v(" + node + ")=" + spice_number(volts));
  }
  if (!c.saves().empty() || !c.saved_currents().empty()) {
    std::string s = ".save";
    auto add = [&](const std::string& item) {
      if (s.size() > 80) {
        w.line(s);
        s = ".save";
      }
      s += " " + item;
    };
    for (const auto& n : c.saves()) add("v(" + n + ")");
    // A voltage source (i(name)) or a behavioural one (@name[i]): Circuit::save_current admits no other.
    for (const auto& e : c.saved_currents())
      add(std::tolower(static_cast<unsigned char>(e[0])) == 'v' ? "i(" + e + ")" : "@" + e + "[i]");
    w.line(s);
  }
  if (c.tran) {
    std::string s = ".tran " + spice_number(c.tran->step) + " " + spice_number(c.tran->stop);
    if (c.tran->max_step > 0) s += " 0 " + spice_number(c.tran->max_step);
    w.line(s);
    // So that `ngspice -b FILE` alone simulates and prints the saved node
    // voltages (batch mode runs nothing without .print or -r); libngspice
    // ignores .print.
    std::string p = ".print tran";
    for (const auto& n : c.saves()) {
      if (p.size() > 80) {
        w.line(p);
        p = ".print tran";
      }
      p += " v(" + n + ")";
    }
    if (!c.saves().empty()) w.line(p);
  } else {
    w.line(".op");
  }
  w.line(".end");
  return lines;
}

std::string emit(const Circuit& c) {
  std::string out;
  for (const auto& l : emit_lines(c)) out += l + "\n";
  return out;
}

}  // namespace memcosim::spice
