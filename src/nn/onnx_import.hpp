// `memcosim import`: networks exported to ONNX (torch.onnx.export) as
// memcosim weight files.
//
// The recogniser evaluates the graph symbolically, node by node: every
// value is a constant tensor or an affine function of the sources
//   gain * (sum_s A_s s + b)
// where a source is a graph input, a hidden layer's ReLU output, or the sines
// or cosines of a time input (sin(2 pi w_k t)). Gemm, MatMul, Add, Sub, Mul
// and Div by constants, Neg, Concat, Unsqueeze/Reshape/Flatten of the batch
// layout, Identity and Dropout transform that form exactly; Relu starts a
// hidden layer; Sin and Cos of (time input x constants) make the Gaussian
// Fourier embedding. The result must be the network the circuit computes
// (nn/score_net.hpp for the diffusion task, nn/mlp.hpp for the neural-ODE
// twins): a chain of dense layers with ReLU, the time embedding added
// unchanged to every hidden layer (diffusion), a scalar output gain. Every
// other node, and every graph that is not such a chain, is refused with an
// InputError naming the file and the node (name, op type, inputs) and why:
// nothing is approximated.
//
// Numbers: weights are read as stored (FLOAT values become the doubles they
// are exactly). A scalar factor of the time phase within 1e-6 of 2 pi
// (torch's `* 2 * math.pi` is the FLOAT 6.2831855) is read as 2 pi, so the
// frequencies are the module's W exactly; other factors are divided by 2 pi.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nn/mlp_weights.hpp"
#include "nn/onnx_graph.hpp"
#include "nn/weights.hpp"
#include "sde/schedule.hpp"

namespace memcosim::nn {

enum class ImportTask { diffusion, neural_ode };

// ai.onnx opset versions the recogniser knows the operator semantics of.
inline constexpr int kOnnxOpsetMin = 9;
inline constexpr int kOnnxOpsetMax = 17;

struct OnnxImport {
  std::vector<std::string> recognised;  // what was found, one line per item, for the user
  std::optional<LoadedModel> score;     // ImportTask::diffusion
  std::optional<LoadedMlp> mlp;         // ImportTask::neural_ode
};

// The network of a parsed graph. `schedule` is written into the score
// network's weight file (ONNX carries none). Throws InputError (see above).
OnnxImport import_graph(const onnx::Graph& graph, ImportTask task, const sde::VpSchedule& schedule);
// read_graph + import_graph.
OnnxImport import_onnx(const std::string& path, ImportTask task, const sde::VpSchedule& schedule);

// True when the path names an ONNX file (extension .onnx, any case).
bool is_onnx_path(const std::string& path);

}  // namespace memcosim::nn
