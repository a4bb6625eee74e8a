// Device model libraries (models/*.lib) read into IR model cards.
//
// A library may hold only ".model NAME nmos|pmos (key=number ...)"
// statements, continued over "+" lines, plus comment lines ("*", and "$" or
// ";" comments at the end of a line) and blank lines. Every value must be a
// number (SPICE suffixes allowed). Anything else - .include, .lib, .param,
// .control, expressions in braces or quotes, other element lines - is
// rejected with its file and line, so a library cannot smuggle text into a
// netlist: the emitter writes the cards from the parsed numbers.
//
// Corners are cards named <base>_<corner> (nch_tt, pch_ff, ...);
// corner_cards() picks one corner and renames its cards to the base names
// the circuit uses (nch, pch).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "circuit/ir.hpp"

namespace memcosim::circuit {

// Parses a library. `source` names it in errors (a path as the user gave it).
// Throws InputError (file:line, what is wrong) on anything but model cards.
std::vector<ModelCard> parse_model_library(std::string_view text, const std::string& source);

// The cards named <base>_<corner> for each base, renamed to <base>. Throws
// InputError naming the library if a base has no card for that corner.
std::vector<ModelCard> corner_cards(const std::vector<ModelCard>& library, std::string_view corner,
                                    const std::vector<std::string>& bases, const std::string& source);

// The value of a parameter (case-insensitive key); throws std::out_of_range.
double model_param(const ModelCard& card, std::string_view key);

}  // namespace memcosim::circuit
