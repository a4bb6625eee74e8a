#include "circuit/mismatch.hpp"

#include <cctype>
#include <cmath>

#include "util/random.hpp"

namespace memcosim::circuit {

MismatchDraw mismatch_draw(const config::MismatchConfig& m, const std::string& path, bool pmos, double w, double l) {
  if (!m.enabled) return {};
  std::string key;
  for (char ch : path) key += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const std::uint64_t device = derive_seed(static_cast<std::uint64_t>(m.seed), key);
  const double root_area = std::sqrt(w * l);
  const double sigma_vt = (pmos ? m.avt_p : m.avt_n) / root_area;
  const double sigma_beta = (pmos ? m.abeta_p : m.abeta_n) / root_area;
  const auto draw = static_cast<std::uint64_t>(m.draw);
  return {sigma_vt * counter_normal(device, draw, 0, 0), sigma_beta * counter_normal(device, draw, 1, 0)};
}

void apply_mismatch(Mosfet& m, const config::MismatchConfig& cfg, const std::string& path, bool pmos) {
  if (!cfg.enabled) return;
  const MismatchDraw d = mismatch_draw(cfg, path, pmos, m.w, m.l);
  m.delvto = d.delvto;
  m.mulu0 = 1.0 + d.beta;
}

}  // namespace memcosim::circuit
