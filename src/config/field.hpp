// The `field:` section of a config (task: field): a neural field f(x, y) ->
// attenuation fitted to sparse-view parallel-beam projections of a phantom,
// with a Gaussian (random Fourier feature) encoder whose frequencies are the
// spread of RRAM cells programmed to one conductance, hardware-aware
// quantisation, and SPICE inference (DESIGN.md §7.3, src/tasks/field/).
//
// A field config also uses these top-level keys: seed (every stream of the
// task derives from it), model.file (the field's weight file) and circuit.*
// (the crossbars, op-amps and rectifiers of `memcosim run`).
#pragma once

#include <vector>

#include "config/reflect.hpp"
#include "util/limits.hpp"

namespace memcosim::config {

enum class PhantomKind { modified_shepp_logan, shepp_logan };

template <>
struct EnumNames<PhantomKind> {
  static constexpr std::array<std::pair<PhantomKind, std::string_view>, 2> values{
      {{PhantomKind::modified_shepp_logan, "modified_shepp_logan"}, {PhantomKind::shepp_logan, "shepp_logan"}}};
};

enum class FieldInference { dc_sweep, alter };

template <>
struct EnumNames<FieldInference> {
  static constexpr std::array<std::pair<FieldInference, std::string_view>, 2> values{
      {{FieldInference::dc_sweep, "dc_sweep"}, {FieldInference::alter, "alter"}}};
};

struct FieldPhantomConfig {
  PhantomKind kind = PhantomKind::modified_shepp_logan;
  int resolution = 128;
  int supersample = 4;
  template <class V>
  void fields(V& v) {
    v("kind", kind,
      "modified_shepp_logan (Toft's higher-contrast intensities, as MATLAB's phantom('Modified Shepp-Logan')) or "
      "shepp_logan (the original 1974 intensities). Ten ellipses on the square [-1, 1]^2.");
    v("resolution", resolution, "Pixels per side of the reference image (and of every reconstruction).", ge(4),
      le(4096));
    v("supersample", supersample,
      "The reference image is the mean of supersample^2 point values per pixel (a box-filtered phantom).", ge(1),
      le(16));
  }
};

struct FieldProjectionConfig {
  int angles = 20;
  int detectors = 0;
  double noise = 0.0;
  template <class V>
  void fields(V& v) {
    v("angles", angles, "Parallel-beam views, equally spaced over [0, pi).", ge(1), le(4096));
    v("detectors", detectors,
      "Detector bins per view, centred at s_k = (k - (n - 1)/2) * 2 sqrt(2) / n, spanning the phantom's diagonal; 0 = "
      "ceil(sqrt(2) * resolution).",
      ge(0), le(16384));
    v("noise", noise,
      "Detector noise: Gaussian, standard deviation noise x the largest projection value (seeded); 0 = exact line "
      "integrals.",
      ge(0));
  }
};

struct FieldEncoderConfig {
  int frequencies = 16;
  double sigma = 3.0;
  double g_nominal = 50e-6;
  double spread = 0.1;
  template <class V>
  void fields(V& v) {
    v("frequencies", frequencies,
      "Rows m of the encoder matrix B (m x 2): gamma(x) = [x, sin 2 pi B x, cos 2 pi B x] has 2 + 2m features.", ge(1),
      le(limits::kMaxWidth));
    v("sigma", sigma,
      "Standard deviation of the entries of B (cycles per unit length; coordinates span [-1, 1]); the encoder's TIA "
      "gain realises it.",
      gt(0));
    v("g_nominal", g_nominal,
      "Conductance (S) every encoder cell is programmed to. Each entry of B is a differential pair of two such cells: "
      "B_ij = sigma (G+_ij - G-_ij) / (sqrt(2) spread g_nominal).",
      gt(0));
    v("spread", spread,
      "Relative programming spread of the encoder cells (the device model's programming error, seeded): the "
      "Gaussian of the encoder.",
      gt(0), lt(1));
  }
};

struct FieldTrainConfig {
  std::vector<int> hidden = {64, 64};
  int steps = 3000;
  int rays = 256;
  int samples = 96;
  double learning_rate = 2e-3;
  double final_learning_rate = 1e-4;
  double weight_decay = 0.0;
  template <class V>
  void fields(V& v) {
    v("hidden", hidden, "Hidden-layer widths of the field's ReLU MLP (after the encoder).", ge(1),
      le(limits::kMaxWidth));
    v("steps", steps, "Adam steps.", ge(1), le(10000000));
    v("rays", rays, "Rays (detector bins of any view) per step, drawn with replacement (seeded).", ge(1), le(1000000));
    v("samples", samples,
      "Points per ray inside the unit disc that holds the phantom: stratified, one uniform draw per segment; the "
      "predicted line integral is their mean times the chord length.",
      ge(1), le(4096));
    v("learning_rate", learning_rate, "Adam learning rate of the first step.", gt(0));
    v("final_learning_rate", final_learning_rate, "Learning rate of the last step (exponential decay).", gt(0));
    v("weight_decay", weight_decay, "Coupled L2 weight decay of Adam.", ge(0));
  }
};

struct FieldHaqConfig {
  int cells = 8;
  double ratio = 1.5;
  double cell_noise = 0.15;
  template <class V>
  void fields(V& v) {
    v("cells", cells,
      "Binary RRAM cells per weight (each on or off, in the + or - column of the pair). HAQ gives cell k the "
      "significance ratio^k; PTQ, the baseline, the same number of equal cells.",
      ge(1), le(32));
    v("ratio", ratio, "Significance ratio between neighbouring HAQ cells (published: 1.5).", gt(1), le(2));
    v("cell_noise", cell_noise,
      "Relative programming noise of each switched-on cell (Gaussian, seeded; published sigma ~ 0.15).", ge(0));
  }
};

struct FieldCircuitConfig {
  FieldInference method = FieldInference::dc_sweep;
  double k_in = 0.05;
  double k_phase = 0.02;
  double k_out = 0.2;
  double row_swing = 0.3;
  int compare_methods = 64;
  template <class V>
  void fields(V& v) {
    v("method", method,
      "How `run` evaluates the pixels in one session: dc_sweep (one nested DC sweep of the coordinate sources per "
      "image row) or alter (alter the two sources, one operating point per pixel).");
    v("k_in", k_in, "Volts per unit of the encoder features x, sin, cos on the first MLP crossbar's rows.", gt(0));
    v("k_phase", k_phase, "Volts per unit of B x at the encoder TIAs (the sin/cos sources read it).", gt(0));
    v("k_out", k_out, "Volts per unit of attenuation at the output TIA.", gt(0));
    v("row_swing", row_swing,
      "Hidden activations are scaled so that the largest the software field reaches on the image is this many volts.",
      gt(0));
    v("compare_methods", compare_methods,
      "`run` also times the other method on this many pixels (0: not), so the faster one is measured, not assumed.",
      ge(0), le(1000000));
  }
};

struct FieldConfig {
  FieldPhantomConfig phantom;
  FieldProjectionConfig projections;
  FieldEncoderConfig encoder;
  FieldTrainConfig train;
  FieldHaqConfig haq;
  FieldCircuitConfig circuit;
  template <class V>
  void fields(V& v) {
    v("phantom", phantom, "The 2-D phantom (analytic ellipses) and its reference image.");
    v("projections", projections, "Parallel-beam projections: exact line integrals of the ellipses.");
    v("encoder", encoder, "Gaussian encoder B from RRAM cells programmed to one conductance.");
    v("train", train, "The field's MLP and its training on the projections only (Adam).");
    v("haq", haq, "Hardware-aware quantisation of the trained weights into binary cells, and the PTQ baseline.");
    v("circuit", circuit, "SPICE inference of the field (`memcosim run`).");
  }
};

}  // namespace memcosim::config
