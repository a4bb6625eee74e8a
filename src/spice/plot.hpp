// Simulation output as plain data: vectors and plots.
//
// A Plot is what ngspice calls a plot (tran1, op1, ac1, ...): one scale vector
// (time, frequency, sweep) and the vectors computed over it. The same structs
// carry data copied out of a live libngspice session, data parsed from a
// rawfile and data sent back by a worker process, so they hold no pointers
// into the simulator.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace memcosim::spice {

struct Vector {
  std::string name;  // as ngspice names it in the plot: "out", "v1#branch", "time"
  std::string type;  // "time", "frequency", "voltage", "current", ... ("notype" if unknown)
  bool is_complex = false;
  std::vector<double> re;  // the values (the real parts if complex)
  std::vector<double> im;  // imaginary parts; empty unless is_complex

  std::size_t size() const { return re.size(); }
};

struct Plot {
  std::string name;             // ngspice's plot type name: "tran1", "op1", "ac1"; "" for rawfiles
  std::string title;            // the circuit title (first netlist line)
  std::string kind;             // "Transient Analysis", "Operating Point", "AC Analysis", ...
  std::string scale;            // name of the scale vector; "" if the plot has none (op)
  std::vector<Vector> vectors;  // the scale (if any) first, then ngspice's creation order

  // The vector called `name`, or nullptr. Names compare case-insensitively
  // and the rawfile spellings are accepted too: "v(out)" finds "out" and
  // "i(v1)" finds "v1#branch" (see same_vector_name).
  const Vector* find(std::string_view name) const;
  // Like find() but throws memcosim::SimulationError naming the plot and
  // the vectors it has.
  const Vector& at(std::string_view name) const;
  const Vector* scale_vector() const { return scale.empty() ? nullptr : find(scale); }
};

// Maps a rawfile / `print` spelling to the name the vector has in a plot:
// "v(out)" -> "out", "i(v1)" -> "v1#branch", "V(Out)" -> "out"; anything
// else is lower-cased and returned unchanged.
std::string canonical_vector_name(std::string_view name);

// True if a and b name the same vector (after canonical_vector_name).
bool same_vector_name(std::string_view a, std::string_view b);

}  // namespace memcosim::spice
