// The PRIME spiking network in discrete time (DESIGN.md §7.2): inputs ->
// H LIF neurons -> 10 non-spiking output integrators, with fixed random
// weights and a learned topology (binary masks).
//
// Per time step t = 1..T, for a batch of images (one column each):
//   I_t = (W1 . M1) x_t
//   U_t = beta U_{t-1} (1 - s_{t-1}) + I_t,   s_t = [U_t > threshold]
//   O_t = beta_out O_{t-1} + (W2 . M2) s_t      (the output, never spikes)
// with x_t the input spikes and "." the element-wise product. The class is
// argmax O_t; early stop ends an image at the first t >= min_steps with
// max softmax(O_t / temperature) > confidence.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Core>

#include "config/prime.hpp"

namespace memcosim::tasks::prime {

struct SpikingNet {
  Eigen::MatrixXf w1, w2;  // H x N, 10 x H: the fixed random weights
  Eigen::MatrixXf m1, m2;  // masks (1 kept, 0 pruned), same shapes
  double beta = 0.8, threshold = 0.5, output_beta = 1.0;

  Eigen::Index inputs() const { return w1.cols(); }
  Eigen::Index hidden() const { return w1.rows(); }
  Eigen::Index outputs() const { return w2.rows(); }
  Eigen::MatrixXf w1_effective() const { return w1.cwiseProduct(m1); }
  Eigen::MatrixXf w2_effective() const { return w2.cwiseProduct(m2); }
};

// Fixed random weights N(0, std^2) drawn from derive_seed(seed,
// "prime-weights"), masks all ones.
SpikingNet random_network(const config::PrimeNetworkConfig& net, Eigen::Index inputs, Eigen::Index outputs,
                          std::uint64_t seed);

// One image through the network, step by step.
struct ImageResult {
  int predicted = -1;                                // argmax of the output after the last step run
  int predicted_full = -1;                           // argmax after all T steps (equal when not stopped early)
  int steps = 0;                                     // steps run (T without early stop)
  std::vector<Eigen::VectorXf> outputs;              // O_t for t = 1..T (all steps, also after an early stop)
  std::vector<double> confidence;                    // max softmax(O_t / temperature), t = 1..T
  long input_spikes = 0, hidden_spikes = 0;          // over all T steps
  long input_spikes_run = 0, hidden_spikes_run = 0;  // over the steps run
  Eigen::MatrixXf hidden_trace;                      // H x T spikes
};

// The largest softmax(o / temperature).
double confidence(const Eigen::VectorXf& o, double temperature);
// The first step (1-based) at which the early-stop criterion holds, or T.
int stop_step(const std::vector<double>& confidence, const config::PrimeEarlyStopConfig& es);

// Runs all T steps of the spikes (N x T) and applies early stop.
ImageResult run_image(const SpikingNet& net, const Eigen::MatrixXf& spikes, const config::PrimeEarlyStopConfig& es);

// The digital inference a processor would run (the baseline of the speed and
// energy projection): event-driven, so each step adds the masked weight
// columns of the inputs that spiked and of the hidden neurons that fired,
// and it stops at the early-stop step rather than running all T. Gives the
// class and step count of run_image. w1 and w2 are the masked (effective)
// weights, computed once as a deployed network holds them.
struct Inference {
  int predicted = -1;
  int steps = 0;
};
Inference infer(const SpikingNet& net, const Eigen::MatrixXf& w1, const Eigen::MatrixXf& w2,
                const Eigen::MatrixXf& spikes, const config::PrimeEarlyStopConfig& es);

}  // namespace memcosim::tasks::prime
