// Reading SPICE rawfiles as ngspice writes them: `write <file>` in a
// session, or `ngspice -b -r <file>` in batch mode. ASCII ("Values:") and
// binary ("Binary:", IEEE doubles in host order), real or complex, one or
// several plots per file.
//
// Vectors keep the rawfile's names ("v(out)", "i(v1)"); Plot::find also
// accepts the in-session names ("out", "v1#branch"), so a rawfile and a
// session's plot can be compared vector by vector. The scale is the first
// variable, except in an operating point, which has none.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "spice/plot.hpp"

namespace memcosim::spice {

// Throws memcosim::InputError (file:line: what is wrong) on malformed input.
std::vector<Plot> parse_raw(std::string_view data, const std::string& source_name = "<raw>");
std::vector<Plot> read_raw_file(const std::filesystem::path& path);

}  // namespace memcosim::spice
