// The `prime:` section of a config (task: prime): the PRIME memristive
// spiking network (DESIGN.md §7.2, src/tasks/prime/) on Fashion-MNIST.
//
// A prime config also uses these top-level keys: seed (weights, scores,
// training order, input spikes, image selection), model.file (the trained
// masks and weights), circuit.* (crossbar conductance range, programming
// error, wires, levels, op-amp) and simulation.* (ngspice options).
#pragma once

#include <cstdint>
#include <string>

#include "config/reflect.hpp"

namespace memcosim::config {

enum class SpikeCoding { rate, latency };

template <>
struct EnumNames<SpikeCoding> {
  static constexpr std::array<std::pair<SpikeCoding, std::string_view>, 2> values{
      {{SpikeCoding::rate, "rate"}, {SpikeCoding::latency, "latency"}}};
};

struct PrimeDataConfig {
  std::string dir = "/usr/share/datasets/fashion-mnist";
  std::string train_images = "train-images-idx3-ubyte.gz";
  std::string train_labels = "train-labels-idx1-ubyte.gz";
  std::string test_images = "t10k-images-idx3-ubyte.gz";
  std::string test_labels = "t10k-labels-idx1-ubyte.gz";
  int downsample = 2;
  SpikeCoding coding = SpikeCoding::rate;
  int steps = 20;
  double latency_cutoff = 0.1;
  int train_limit = 0;
  int test_limit = 0;
  template <class V>
  void fields(V& v) {
    v("dir", dir,
      "Folder of the Fashion-MNIST IDX files (Debian package dataset-fashion-mnist), relative to this config file "
      "unless absolute.");
    v("train_images", train_images, "Training images (IDX, gzip or plain), in dir.");
    v("train_labels", train_labels, "Training labels (IDX), in dir.");
    v("test_images", test_images, "Test images (IDX), in dir.");
    v("test_labels", test_labels, "Test labels (IDX), in dir.");
    v("downsample", downsample,
      "Average factor x factor pixel blocks (2: 28x28 -> 14x14 = 196 inputs); must divide 28.", ge(1), le(28));
    v("coding", coding,
      "Spike coding of the pixel intensities p in [0, 1] over `steps` time steps. rate: a spike with probability p "
      "per step (counter-based, seeded); latency: one spike at step round((1 - p) (steps - 1)), none below "
      "latency_cutoff.");
    v("steps", steps, "Time steps T per image.", ge(1), le(1000));
    v("latency_cutoff", latency_cutoff, "Latency coding: pixels below this intensity never spike.", ge(0), le(1));
    v("train_limit", train_limit, "Use only the first N training images; 0 = all 60000.", ge(0));
    v("test_limit", test_limit, "`train` evaluates on the first N test images; 0 = all 10000.", ge(0));
  }
  void validate(Checker& c) const {
    c.rule("downsample", "downsample divides 28", downsample > 0 && 28 % downsample == 0,
           "must divide 28 (got " + std::to_string(downsample) + ")");
  }
};

struct PrimeNetworkConfig {
  int hidden = 128;
  double beta = 0.8;
  double threshold = 0.5;
  double output_beta = 1.0;
  double weight_std_hidden = 0.15;
  double weight_std_output = 0.25;
  double sparsity = 0.5;
  double surrogate_half_width = 0.5;
  template <class V>
  void fields(V& v) {
    v("hidden", hidden, "Hidden LIF neurons H of the inputs -> H -> 10 network.", ge(1), le(4096));
    v("beta", beta, "Membrane decay per step: U <- beta U (1 - s) + I (PRIME: 0.8).", gt(0), le(1));
    v("threshold", threshold, "Spike when U > threshold (PRIME: 0.5).", gt(0));
    v("output_beta", output_beta,
      "Decay per step of the non-spiking output integrators, V <- output_beta V + W_out s (1: a pure integrator).",
      gt(0), le(1));
    v("weight_std_hidden", weight_std_hidden,
      "The fixed random weights of the hidden layer ~ N(0, std^2), like RRAM programmed to normal-distributed "
      "conductance differences (seeded, never trained in the pruned network).",
      gt(0));
    v("weight_std_output", weight_std_output, "The fixed random weights of the output layer ~ N(0, std^2).", gt(0));
    v("sparsity", sparsity,
      "Fraction of connections of each layer pruned: the kept ones are the top (1 - sparsity) by |score| (PRIME: "
      "0.5).",
      ge(0), lt(1));
    v("surrogate_half_width", surrogate_half_width,
      "Rectangular surrogate spike gradient: ds/dU = 1 / (2 a) for |U - threshold| < a (PRIME: a = 0.5).", gt(0));
  }
};

struct PrimeTrainConfig {
  int epochs = 4;
  int batch_size = 100;
  double learning_rate = 0.01;
  int weight_epochs = 4;
  double weight_learning_rate = 1e-3;
  template <class V>
  void fields(V& v) {
    v("epochs", epochs, "Epochs of topology training (Adam on the scores; weights fixed).", ge(0));
    v("batch_size", batch_size, "Minibatch size of both trainings.", ge(1), le(60000));
    v("learning_rate", learning_rate, "Adam learning rate of the scores.", gt(0));
    v("weight_epochs", weight_epochs,
      "Epochs of the weight-trained network of the same size (dense, for context); 0 skips it.", ge(0));
    v("weight_learning_rate", weight_learning_rate, "Adam learning rate of the weight-trained network.", gt(0));
  }
};

struct PrimeEarlyStopConfig {
  bool enabled = true;
  double temperature = 2.0;
  double confidence = 0.8;
  int min_steps = 1;
  template <class V>
  void fields(V& v) {
    v("enabled", enabled, "Stop an image's time steps as soon as the output is confident (software and circuit).");
    v("temperature", temperature, "Confidence = the largest softmax(output / temperature) (PRIME: 2).", gt(0));
    v("confidence", confidence, "Stop after the first step whose confidence exceeds this (PRIME: 0.8).", gt(0), lt(1));
    v("min_steps", min_steps, "Never stop before this many steps.", ge(1));
  }
};

struct PrimeCircuitConfig {
  double step = 1e-6;
  double pulse_width = 200e-9;
  double pulse_amplitude = 0.1;
  double edge = 10e-9;
  double v_threshold = 0.2;
  double output_volts = 0.02;
  double g_off = 0.1e-6;
  double g_off_spread = 0.5;
  double comparator_width = 1e-3;
  double reset_conductance = 1e-3;
  double max_step = 0.0;
  int images = 20;
  int first_image = 0;
  template <class V>
  void fields(V& v) {
    v("step", step, "Length of one time step of the circuit (s).", gt(0));
    v("pulse_width", pulse_width,
      "Width of the read pulses on the crossbar rows (s): an input spike in step t is a pulse starting at 0.1 step, "
      "a hidden spike one starting at 0.5 step.",
      gt(0));
    v("pulse_amplitude", pulse_amplitude,
      "Read-pulse amplitude (V): +amplitude on the row of G+, -amplitude on the row of G- (tens to a few hundred mV "
      "keeps RRAM reads non-disturbing).",
      gt(0));
    v("edge", edge, "Rise and fall time of every pulse and clock (s).", gt(0));
    v("v_threshold", v_threshold,
      "Membrane voltage of the LIF threshold (V); the membrane capacitor is chosen so that network.threshold "
      "reaches it.",
      gt(0));
    v("output_volts", output_volts, "Output integrators: volts per unit of the output (sets their capacitors).", gt(0));
    v("g_off", g_off,
      "Pruned connections: both cells of the pair are left unprogrammed in the off (high-resistance) state after "
      "forming, conductance g_off (S), with the access transistor on like every cell of the row.",
      gt(0));
    v("g_off_spread", g_off_spread,
      "Log-normal spread (sigma of ln G) of the off-state conductance; the pair's mismatch leaks into the column.",
      ge(0));
    v("comparator_width", comparator_width, "Behavioural comparator: tanh transition width (V).", gt(0));
    v("reset_conductance", reset_conductance, "Reset switch across the membrane capacitor, when on (S).", gt(0));
    v("max_step", max_step, "Largest transient time step (s); 0 = edge (every pulse edge resolved).", ge(0));
    v("images", images, "Test images `run` simulates (N of a seeded permutation of the test set, from first_image on).",
      ge(1), le(10000));
    v("first_image", first_image,
      "Position in that permutation where `run` starts: it simulates positions first_image .. first_image + images "
      "- 1. Shards of one long run (on several machines, or continued after an interruption) give together the "
      "images.csv of one run.",
      ge(0), le(9999));
  }
  void validate(Checker& c) const {
    const auto num = [](double x) { return exact_number(x); };
    c.rule("first_image", "first_image + images <= 10000 (the test set)", first_image + images <= 10000,
           "first_image " + std::to_string(first_image) + " plus images " + std::to_string(images) +
               " runs past the 10000 test images");
    c.rule("pulse_width", "an input pulse (0.1 step + pulse_width + 2 edge) ends before 0.4 step",
           0.1 * step + pulse_width + 2 * edge < 0.4 * step,
           "an input pulse (from 0.1 step, plus its edges) must end before 0.4 step, where the comparators decide "
           "(got pulse_width " +
               num(pulse_width) + " with step " + num(step) + ")");
    c.rule("edge", "edge < pulse_width / 2", pulse_width > 2 * edge,
           "must be shorter than half the pulse width (got " + num(edge) + ")");
  }
};

struct PrimeConfig {
  PrimeDataConfig data;
  PrimeNetworkConfig network;
  PrimeTrainConfig train;
  PrimeEarlyStopConfig early_stop;
  PrimeCircuitConfig circuit;
  template <class V>
  void fields(V& v) {
    v("data", data, "Fashion-MNIST files, down-sampling and spike coding.");
    v("network", network, "The spiking network: LIF hidden layer, integrating outputs, fixed random weights, pruning.");
    v("train", train, "Topology training (and the weight-trained network for context).");
    v("early_stop", early_stop, "Input-aware early stop (PRIME): stop once the output is confident.");
    v("circuit", circuit, "The spiking circuit: pulses, LIF neurons, output integrators, pruned cells.");
  }
};

}  // namespace memcosim::config
