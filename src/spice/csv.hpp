// Plots as CSV: one file per plot, a header row, one row per point. The
// scale (time, frequency, sweep) is the first column, then every vector in
// the plot's order; a complex vector takes two columns, "re(name)" and
// "im(name)" (a complex scale whose imaginary parts are all zero, as
// ngspice's AC frequency, takes one). Numbers are written in the shortest
// form that reads back to the same double, independent of the locale.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <vector>

#include "spice/plot.hpp"

namespace memcosim::spice {

class NgspiceSession;

void write_csv(const Plot& plot, std::ostream& out);
// Throws memcosim::Error if the file cannot be written.
void write_csv(const Plot& plot, const std::filesystem::path& path);
// Every plot of the session except "const", as <dir>/<plot name>.csv.
std::vector<std::filesystem::path> write_plots_csv(const NgspiceSession& session, const std::filesystem::path& dir);
// The same for plots returned by a job (Job::all_plots): dir/<plot name>.csv.
std::vector<std::filesystem::path> write_plots_csv(const std::vector<Plot>& plots, const std::filesystem::path& dir);

}  // namespace memcosim::spice
