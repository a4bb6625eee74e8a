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

// The name the ngspice program's rawfile gives a vector of a session's plot:
// node voltages "v(out)", branch currents "i(v1)" (from "v1#branch"), every
// other voltage wrapped ("v(zero(1))"), other names as they are ("time",
// "frequency", "onoise_spectrum").
std::string raw_vector_name(const Vector& v);

// Writes every plot to one rawfile (ngspice's layout: one header and data
// block per plot, as `ngspice -b -r FILE` writes them), vector names as
// raw_vector_name. ascii: "Values:" as raw_number (util/numbers.hpp,
// printf "%.17e": 18 significant digits, read back exactly); else "Binary:"
// IEEE doubles in host order. Throws Error if the file cannot be written.
void write_raw_file(const std::vector<Plot>& plots, const std::filesystem::path& path, bool ascii);

}  // namespace memcosim::spice
