// Weights as binary RRAM cells: hardware-aware quantisation (HAQ) and the
// plain post-training quantisation (PTQ) baseline with the same cell budget.
//
// HAQ. Each weight w of a layer is n binary cells (on or off, each in the +
// or - column of its differential pair) of nominal significances Delta r^k,
// k = 0 .. n-1 (r = field.haq.ratio, 1.5 published): w ~ Delta sum_k s_k r^k
// with s_k in {-1, 0, +1}. The bits are chosen greedily on the residual,
// from the most significant cell down: cell k is switched on (with the
// residual's sign) when |residual| >= Delta r^k / 2, and the residual is then
// reduced by what the cell actually conducts after programming (its nominal
// value times 1 + cell_noise z, read back): a ratio below 2 leaves the lower
// cells the redundancy to correct the programming error of the upper ones.
// The layer's step is Delta = max |w| / S_n, S_n = sum_k r^k =
// (r^n - 1) / (r - 1). Error bound without noise (1 < r <= 2): every
// |w| <= Delta (S_n + 1/2) is reproduced within Delta / 2 — before cell k the
// residual is within Delta (S_{k+1} + 1/2), which the greedy choice carries
// to Delta (S_k + 1/2) because r^k / 2 <= S_k + 1/2 when r <= 2. With noise
// the closed loop keeps most weights within Delta/2 plus the lowest cell's
// error, but not near full scale, where every cell is on and none is left to
// correct with (the test measures HAQ against PTQ under noise instead).
//
// PTQ, the baseline: plain post-training quantisation into the same n cells
// as an n-bit binary number, significances Delta' 2^k, Delta' =
// max |w| / (2^n - 1): the bits of round(|w| / Delta') with the sign of w,
// programmed once (open loop). Bound without noise: Delta' / 2.
//
// Programming noise: every switched-on cell conducts (1 + cell_noise z) of
// its nominal value, z ~ N(0, 1) counter-based on (layer, weight, cell).
// Biases are quantised with their layer's weights (one step per layer).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "config/field.hpp"
#include "nn/mlp.hpp"

namespace memcosim::tasks::field {

// The HAQ cell pattern of w (s_0 .. s_{n-1}, s_k for significance ratio^k).
std::vector<int> haq_bits(double w, double step, int cells, double ratio);
// The HAQ value of w as programmed: the greedy loop on the residual of what
// the cells conduct, cell k conducting step ratio^k (1 + noise(k)); counts
// the cells switched on into *on.
double haq_program(double w, double step, int cells, double ratio, const std::function<double(int)>& noise,
                   long* on = nullptr);
// Delta sum_k s_k ratio^k.
double haq_value(const std::vector<int>& bits, double step, double ratio);
// S_n = sum_{k<n} ratio^k.
double haq_span(int cells, double ratio);

enum class Quantiser { haq, ptq };

struct QuantReport {
  std::vector<double> steps;  // Delta per layer
  double max_error = 0;       // largest |w - quantised w| before noise
  long cells_on = 0;          // switched-on cells over the network
  long cells_total = 0;       // cells over the network (n per weight and bias)
};

// The network with every weight and bias quantised and (noise_seed, the
// config's cell_noise) programmed. Normalisation is kept as it is.
nn::Mlp quantise(const nn::Mlp& net, Quantiser q, const config::FieldHaqConfig& cfg, std::uint64_t noise_seed,
                 QuantReport* report = nullptr);

}  // namespace memcosim::tasks::field
