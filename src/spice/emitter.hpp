// The netlist emitter: the only code in memcosim that writes SPICE text.
//
// Output is deterministic (same IR -> byte-identical text: elements in
// insertion order, numbers as spice_number in util/numbers.hpp writes them,
// printf "%.15g": 15 significant digits, so not exact) and readable (a
// comment heading every block, long PWL sources continued over several
// lines). It runs unchanged in the ngspice command-line program and, line by
// line, through ngSpice_Circ.
#pragma once

#include <string>
#include <vector>

#include "circuit/ir.hpp"

namespace memcosim::spice {

// The netlist as lines (title first, ".end" last), ready for ngSpice_Circ.
std::vector<std::string> emit_lines(const circuit::Circuit& circuit);
// The same lines joined with '\n' (and a final newline), for a .cir file.
std::string emit(const circuit::Circuit& circuit);

// Comment text made safe for one SPICE comment line: control characters and
// line breaks become spaces.
std::string comment_text(std::string_view text);

}  // namespace memcosim::spice
