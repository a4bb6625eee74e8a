#include "spice/plot.hpp"

#include "spice/text.hpp"
#include "util/error.hpp"

namespace memcosim::spice {

std::string canonical_vector_name(std::string_view name) {
  std::string s = text::lower(name);
  // "v(node)" and "i(source)" as written by `write` and by batch mode.
  if (s.size() > 3 && s[1] == '(' && s.back() == ')' && s.find(',') == std::string::npos) {
    std::string inner = s.substr(2, s.size() - 3);
    if (s[0] == 'v') return inner;
    if (s[0] == 'i') return inner + "#branch";
  }
  return s;
}

bool same_vector_name(std::string_view a, std::string_view b) {
  return canonical_vector_name(a) == canonical_vector_name(b);
}

const Vector* Plot::find(std::string_view wanted) const {
  const std::string key = canonical_vector_name(wanted);
  for (const Vector& v : vectors)
    if (canonical_vector_name(v.name) == key) return &v;
  return nullptr;
}

const Vector& Plot::at(std::string_view wanted) const {
  if (const Vector* v = find(wanted)) return *v;
  std::string have;
  for (const Vector& v : vectors) have += (have.empty() ? "" : ", ") + v.name;
  throw SimulationError("plot '" + name + "' has no vector '" + std::string(wanted) +
                        "' (it has: " + (have.empty() ? "nothing" : have) + ")");
}

}  // namespace memcosim::spice
