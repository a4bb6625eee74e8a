// Reading ngspice's console output for failures.
//
// libngspice reports almost nothing through return codes: ngSpice_Circ
// returns 0 for a netlist it could not parse and `run` returns 0 after a
// convergence failure. What it does do is print, so NgspiceSession captures
// every line (SendChar callback) and these functions decide from the lines of
// one phase (loading a netlist, running an analysis, one control command)
// whether it failed, and pick out the simulator's own words, the netlist
// line and the element or node it blames.
//
// The patterns were taken from what ngspice 39.3 and 46 actually print; they
// are pure functions of the text so they are unit-tested without ngspice.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace memcosim::spice {

struct OutputLine {
  bool is_stderr = false;
  std::string text;  // without the "stdout "/"stderr " prefix and line end
};

enum class ProblemKind {
  none,
  parse,        // netlist rejected (or, strict, an element silently dropped)
  convergence,  // analysis aborted: timestep too small, gmin/source stepping failed, ...
  interrupted,  // analysis stopped by bg_halt (our timeout)
  no_analysis,  // nothing to run: no .tran/.op/... and no analysis command
  command,      // a control command complained
};

struct Problem {
  ProblemKind kind = ProblemKind::none;
  std::string summary;             // one line: the most specific thing ngspice said
  std::vector<std::string> quote;  // ngspice's own lines about it, verbatim, de-duplicated
  int line = 0;                    // netlist line ngspice names (1-based), 0 if none
  std::string element;             // element or node ngspice blames (lower case), "" if none
  bool cannot_recover = false;     // ngspice announced a controlled exit

  explicit operator bool() const { return kind != ProblemKind::none; }
};

// strict: also fail on lines ngspice only warns about although the circuit
// it builds differs from the netlist ("'r1 in out' is not a valid resistor
// instance line, ignored!").
Problem analyze_load_output(const std::vector<OutputLine>& lines, bool strict);
Problem analyze_run_output(const std::vector<OutputLine>& lines);
Problem analyze_command_output(const std::vector<OutputLine>& lines);

// "Using KLU as Direct Linear Solver" -> "KLU"; "Using SPARSE 1.3 ..." ->
// "SPARSE"; "" if the lines do not say (ngspice 39 never does).
std::string solver_from_output(const std::vector<OutputLine>& lines);

// 1-based number of the first line of `netlist` (after the title line)
// whose first token is `element`, compared case-insensitively; 0 if none.
int find_element_line(std::string_view netlist, std::string_view element);
// Line `number` (1-based) of `netlist` without surrounding blanks; "" if
// out of range.
std::string netlist_line(std::string_view netlist, int number);

}  // namespace memcosim::spice
