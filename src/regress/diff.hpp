// Line diffs of netlists, in unified format, naming the netlist blocks the
// changes fall in (the emitter heads every block with "* ---- title ----"
// and every subcircuit with ".subckt name").
#pragma once

#include <string>
#include <vector>

namespace memcosim::regress {

struct NetlistDiff {
  bool same = true;
  std::string unified;              // "--- a\n+++ b\n@@ ... @@ block\n..." ("" when same)
  std::vector<std::string> blocks;  // blocks with changes, in order, each once
  long added = 0, removed = 0;
};

std::vector<std::string> split_lines(const std::string& text);

// Diff from `golden` (the expected text) to `actual`, with `context` lines
// around each change.
NetlistDiff diff_netlists(const std::vector<std::string>& golden, const std::vector<std::string>& actual,
                          const std::string& golden_label, const std::string& actual_label, int context = 3);

}  // namespace memcosim::regress
