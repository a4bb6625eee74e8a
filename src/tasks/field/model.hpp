// The neural field of the CT task: a Gaussian encoder whose frequencies are
// RRAM cells, and a ReLU MLP on the encoded coordinates.
//
//   gamma(p) = [p; sin(2 pi B p); cos(2 pi B p)]     p = (x, y), B m x 2
//   f(p)     = MLP(gamma(p))                          ReLU hidden layers, linear output
//
// Encoder B. Every entry is a differential pair of RRAM cells, both
// programmed to the one nominal conductance g_nominal with the device
// model's programming error (circuit::program_conductance, relative spread
// field.encoder.spread, seeded): G+ - G- is then zero-mean Gaussian with
// standard deviation sqrt(2) spread g_nominal, and
//   B_ij = sigma (G+_ij - G-_ij) / (sqrt(2) spread g_nominal)
// has standard deviation sigma: the device spread *is* the Gaussian of the
// encoder. The circuit realises the factor with its TIA gain. The trained
// field is tied to its B: the weight file records B, and loading checks it
// against the B the config's seed and device model give.
//
// Activation: ReLU, not sine (SIREN). The shared network-to-circuit path has
// rectifiers at every level (ideal, behavioural, transistor); a sine
// activation per hidden unit would be a new circuit block with no transistor
// level. The encoder's sin/cos are the only periodic functions, 2m of them,
// on the encoder's outputs only.
#pragma once

#include <cstdint>
#include <string>

#include <Eigen/Core>

#include "config/config.hpp"
#include "nn/mlp.hpp"
#include "nn/mlp_weights.hpp"

namespace memcosim::tasks::field {

struct Encoder {
  Eigen::MatrixXd B;                // m x 2
  Eigen::MatrixXd g_plus, g_minus;  // m x 2 programmed conductances (S)
  int features() const { return 2 + 2 * static_cast<int>(B.rows()); }
};

// The encoder the config's device model gives (seeded from `seed`).
Encoder make_encoder(const config::FieldEncoderConfig& cfg, std::uint64_t seed);
// The seed of the encoder cells of a config.
std::uint64_t encoder_seed(const config::Config& cfg);

// gamma(p) for the columns of p (2 x N): (2 + 2m) x N.
Eigen::MatrixXd encode(const Eigen::MatrixXd& B, const Eigen::Ref<const Eigen::MatrixXd>& p);

struct Field {
  Encoder encoder;
  nn::Mlp net{nn::MlpShape{}};
  // f at the columns of p (2 x N): 1 x N.
  Eigen::MatrixXd operator()(const Eigen::Ref<const Eigen::MatrixXd>& p) const;
  // f at the pixel centres of an N x N image (row 0 at the top).
  Eigen::MatrixXd image(int resolution) const;
};

// The pixel centres of an N x N image as 2 x N^2 columns, row-major
// (column index r N + c).
Eigen::MatrixXd pixel_points(int resolution);

// The weight file: the MLP (nn/mlp_weights.hpp) with system "field_ct" and
// the encoder B as system parameters b<i>_<j>.
void save_field(const std::string& path, const Field& f, nn::MlpProvenance provenance);
// Loads the config's model.file and checks that its B is the config's
// (InputError at model.file otherwise, and for a missing file).
Field load_field(const config::Config& cfg);

}  // namespace memcosim::tasks::field
