// A user's netlist file as ngspice would read it, and the policy for what
// such a netlist may contain.
//
// read_deck expands .include/.inc and .lib FILE SECTION itself, resolving
// each path against the folder of the file that names it (then the working
// folder, as the ngspice program does), and keeps for every line the file
// and line it came from. The deck handed to ngspice therefore has no
// includes left, and the policy below is checked on what ngspice would
// actually run, not on the top file's text:
//
// - A user netlist describes a circuit and its analyses. A .control ...
//   .endc block (in the file, in an included file or in a library section)
//   is refused unless the caller allows it (`memcosim sim --control`, which
//   runs it in a worker process). A title line "*ng_script", which makes
//   ngspice run the whole file as commands, is always refused: that is a
//   command script, not a netlist.
// - Every included file must be a readable regular file; includes nest at
//   most kMaxIncludeDepth deep (a file including itself is an error).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace memcosim::spice {

inline constexpr int kMaxIncludeDepth = 32;

struct DeckLine {
  std::string text;
  SourceLocation where;  // file and line it comes from
};

struct Deck {
  std::vector<DeckLine> lines;       // the title first
  std::vector<std::size_t> control;  // indices of the lines that open a .control block
  bool script_title = false;         // title starts with *ng_script
  std::vector<std::string> files;    // every file read, the top file first

  // The deck as one text, lines joined by '\n' (what ngspice is given).
  std::string text() const;
  // Where deck line `line` (1-based, as ngspice and SpiceError count) comes from.
  SourceLocation where(int line) const;
  bool has_control() const { return script_title || !control.empty(); }
};

struct DeckPolicy {
  bool allow_control = false;  // else InputError at the first control line
};

// Reads `file` and everything it includes. Throws InputError naming the
// file and line (the .include line for a missing file, the .control line
// for a refused block).
Deck read_deck(const std::filesystem::path& file, const DeckPolicy& policy = {});

// The policy check alone, on a deck built elsewhere.
void check_deck_policy(const Deck& deck, const DeckPolicy& policy);

// True if `line` is a card ngspice reads as an include (.include, .inc...)
// or library reference (.lib).
bool is_include_card(const std::string& line);

}  // namespace memcosim::spice
