#include "tasks/field/model.hpp"

#include <cmath>
#include <numbers>

#include "circuit/nonideal.hpp"
#include "tasks/field/ct.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::field {

Encoder make_encoder(const config::FieldEncoderConfig& cfg, std::uint64_t seed) {
  // The device model with only the relative programming error on, and a
  // conductance window that never clips (the spread is the point).
  config::CrossbarConfig xb;
  xb.g_min = 1e-15;
  xb.g_max = 1.0;
  xb.levels = 0;
  xb.programming_error = cfg.spread;
  Rng rng(derive_seed(seed, "programming"));
  const circuit::DeviceSeeds seeds(seed);
  Encoder e;
  const int m = cfg.frequencies;
  e.g_plus.resize(m, 2);
  e.g_minus.resize(m, 2);
  std::uint64_t cell = 0;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < 2; ++j) {
      e.g_plus(i, j) = circuit::program_conductance(cfg.g_nominal, xb, rng, seeds, 0, cell++);
      e.g_minus(i, j) = circuit::program_conductance(cfg.g_nominal, xb, rng, seeds, 0, cell++);
    }
  e.B = (e.g_plus - e.g_minus) * (cfg.sigma / (std::numbers::sqrt2 * cfg.spread * cfg.g_nominal));
  return e;
}

std::uint64_t encoder_seed(const config::Config& cfg) {
  return cfg.circuit.crossbar.device_seed ? derive_seed(*cfg.circuit.crossbar.device_seed, "field encoder")
                                          : derive_seed(cfg.seed, "field encoder");
}

Eigen::MatrixXd encode(const Eigen::MatrixXd& B, const Eigen::Ref<const Eigen::MatrixXd>& p) {
  const Eigen::Index m = B.rows();
  Eigen::MatrixXd g(2 + 2 * m, p.cols());
  g.topRows(2) = p;
  const Eigen::MatrixXd phase = (2.0 * std::numbers::pi) * (B * p);
  g.middleRows(2, m) = phase.array().sin().matrix();
  g.bottomRows(m) = phase.array().cos().matrix();
  return g;
}

Eigen::MatrixXd Field::operator()(const Eigen::Ref<const Eigen::MatrixXd>& p) const {
  return net(encode(encoder.B, p));
}

Eigen::MatrixXd pixel_points(int n) {
  Eigen::MatrixXd p(2, static_cast<Eigen::Index>(n) * n);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) {
      p(0, static_cast<Eigen::Index>(r) * n + c) = pixel_x(c, n);
      p(1, static_cast<Eigen::Index>(r) * n + c) = pixel_y(r, n);
    }
  return p;
}

Eigen::MatrixXd Field::image(int n) const {
  const Eigen::MatrixXd v = (*this)(pixel_points(n));
  Eigen::MatrixXd img(n, n);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) img(r, c) = v(0, static_cast<Eigen::Index>(r) * n + c);
  return img;
}

void save_field(const std::string& path, const Field& f, nn::MlpProvenance prov) {
  prov.system = "field_ct";
  prov.system_description = "neural field for sparse-view CT; encoder B (" + std::to_string(f.encoder.B.rows()) +
                            " x 2) recorded as b<i>_<j>";
  prov.system_parameters.clear();
  for (Eigen::Index i = 0; i < f.encoder.B.rows(); ++i)
    for (Eigen::Index j = 0; j < 2; ++j)
      prov.system_parameters.emplace_back("b" + std::to_string(i) + "_" + std::to_string(j), f.encoder.B(i, j));
  nn::save_mlp(path, f.net, prov);
}

Field load_field(const config::Config& cfg) {
  const std::string path = cfg.resolve_input("model.file", cfg.model.file).string();
  auto fail = [&](const std::string& why) {
    return InputError(Diagnostic{cfg.locations.find("model.file"), "model.file", path + ": " + why});
  };
  nn::LoadedMlp loaded = [&] {
    try {
      return nn::load_mlp(path);
    } catch (const InputError& e) {
      std::vector<Diagnostic> d{Diagnostic{
          cfg.locations.find("model.file"), "model.file",
          "the field's weight file " + path + " is not usable (run `memcosim train " + cfg.source + "` to make it)"}};
      d.insert(d.end(), e.diagnostics().begin(), e.diagnostics().end());
      throw InputError(std::move(d));
    }
  }();
  Field f;
  f.encoder = make_encoder(cfg.field.encoder, encoder_seed(cfg));
  const Eigen::Index m = f.encoder.B.rows();
  if (loaded.provenance.system != "field_ct")
    throw fail("not a neural-field weight file (system '" + loaded.provenance.system + "')");
  if (loaded.net.input_dim() != f.encoder.features() || loaded.net.output_dim() != 1)
    throw fail("holds a network " + std::to_string(loaded.net.input_dim()) + " -> " +
               std::to_string(loaded.net.output_dim()) + ", but field.encoder.frequencies = " + std::to_string(m) +
               " needs " + std::to_string(f.encoder.features()) + " -> 1");
  if (static_cast<Eigen::Index>(loaded.provenance.system_parameters.size()) != 2 * m)
    throw fail("records " + std::to_string(loaded.provenance.system_parameters.size()) + " encoder entries, not " +
               std::to_string(2 * m));
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = 0; j < 2; ++j) {
      const double stored = loaded.provenance.system_parameters[static_cast<std::size_t>(2 * i + j)].second;
      if (std::abs(stored - f.encoder.B(i, j)) > 1e-12 * (1 + std::abs(stored)))
        throw fail("was trained with another encoder B (entry " + std::to_string(i) + "," + std::to_string(j) + ": " +
                   exact_number(stored) + " in the file, " + exact_number(f.encoder.B(i, j)) +
                   " from the config's seed and device model); retrain");
    }
  f.net = std::move(loaded.net);
  return f;
}

}  // namespace memcosim::tasks::field
