#include "nn/onnx_import.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numbers>
#include <set>
#include <variant>

#include <Eigen/Core>

#include "util/error.hpp"
#include "util/numbers.hpp"

namespace memcosim::nn {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using onnx::Node;
using onnx::Tensor;

constexpr double kTwoPi = 2.0 * std::numbers::pi;

// A signal the affine values are built from.
struct Source {
  enum class Kind { input, hidden, sine, cosine, gelu } kind;
  std::string name;  // graph input name, or the Relu / Sin / Cos node
  Index width = 0;
  VectorXd freq;        // sine, cosine: w_k (the phase is 2 pi w_k t)
  int time_input = -1;  // sine, cosine: the source index of t
  int layer = -1;       // hidden: index into layers
  int gelu = -1;        // gelu: index into gelus_
};

// gain * (sum_s A[s] s + b); rank 1 ([N], one feature) or 2 ([N, F]).
struct Lin {
  int rank = 2;
  std::map<int, MatrixXd> A;
  VectorXd b;
  double gain = 1.0;
  std::vector<std::string> gain_nodes;  // the Mul/Div nodes that set gain
  std::vector<std::string> trail;       // nodes that built it (for the report)
  std::string mixed_time;               // a node that mixed embedding features
  std::string layout_error;             // set: a layout memcosim cannot follow (refused where it is used)
  Index features() const { return b.size(); }
  void fold() {
    if (gain == 1.0) return;
    for (auto& [s, a] : A) a *= gain;
    b *= gain;
    gain = 1.0;
    gain_nodes.clear();
  }
};

// A GELU in the making, as torch exports nn.GELU() (opset < 20):
// u / sqrt 2 -> Erf -> + 1 -> u * (.) -> * 0.5. stage 1: erf(u / sqrt 2),
// 2: 1 + erf(..), 3: u (1 + erf(..)).
struct GeluPart {
  int stage = 1;
  Lin u;
  std::vector<std::string> nodes;
};

using Value = std::variant<Tensor, Lin, GeluPart>;

struct Layer {
  Lin pre;           // pre-activation
  std::string relu;  // the Relu node
};

std::string dims_text(const std::vector<std::int64_t>& d) {
  std::string s = "[";
  for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

bool is_activation(const std::string& op) {
  static const std::set<std::string> a = {
      "Tanh",     "Sigmoid",  "Gelu",        "Elu",       "Selu", "LeakyRelu", "PRelu",
      "Softplus", "Softsign", "HardSigmoid", "HardSwish", "Mish", "Celu",      "ThresholdedRelu",
      "Erf",      "Softmax",  "LogSoftmax",  "Clip",      "Exp",  "Log",       "Sqrt",
      "Abs",      "Pow",      "Max",         "Min"};
  return a.count(op) > 0;
}

class Recogniser {
 public:
  Recogniser(const onnx::Graph& g, ImportTask task) : g_(g), task_(task) {}

  OnnxImport run(const sde::VpSchedule& schedule) {
    check_opsets();
    declare_inputs();
    for (const auto& t : g_.initializers) values_[t.name] = t;
    for (const Node& n : g_.nodes) evaluate(n);
    return finish(schedule);
  }

 private:
  // ---------------------------------------------------------------- errors
  [[noreturn]] void refuse(const std::string& why) const {
    throw InputError(Diagnostic{SourceLocation{g_.file}, "", why});
  }
  [[noreturn]] void refuse(const Node& n, const std::string& why) const { refuse("node " + n.describe() + ": " + why); }

  // ---------------------------------------------------------------- setup
  void check_opsets() {
    for (const auto& [domain, version] : g_.opsets) {
      if (domain.empty() || domain == "ai.onnx") {
        opset_ = version;
        if (version < kOnnxOpsetMin || version > kOnnxOpsetMax)
          refuse("opset ai.onnx " + std::to_string(version) + " is not supported (memcosim reads opsets " +
                 std::to_string(kOnnxOpsetMin) + " to " + std::to_string(kOnnxOpsetMax) +
                 "; export with torch.onnx.export(..., opset_version=14))");
      }
    }
    if (opset_ == 0) refuse("the model imports no ai.onnx opset");
  }

  void declare_inputs() {
    for (const auto& v : g_.inputs) {
      if (v.data_type != 1 && v.data_type != 11)
        refuse("graph input '" + v.name + "' has element type " +
               (v.data_type < 0 ? std::string("(not a tensor)") : onnx::type_name(v.data_type)) +
               ": inputs must be FLOAT or DOUBLE tensors");
      if (!v.has_shape) refuse("graph input '" + v.name + "' has no shape: export it with a fixed number of features");
      const std::size_t rank = v.dims.size();
      if (rank != 1 && rank != 2)
        refuse("graph input '" + v.name + "' has rank " + std::to_string(rank) +
               ": memcosim's networks take [batch, features] (or a time vector [batch])");
      Index width = 1;
      if (rank == 2) {
        if (!v.dims[1])
          refuse("graph input '" + v.name + "' has a dynamic size '" + v.dim_names[1] +
                 "' in dimension 1 (its features): the circuit needs a fixed number of inputs; export without "
                 "that entry in dynamic_axes");
        width = *v.dims[1];
        if (width < 1 || width > 4096)
          refuse("graph input '" + v.name + "' has " + std::to_string(width) + " features (1 .. 4096 supported)");
      }
      const int s = add_source({Source::Kind::input, v.name, width, {}, -1, -1});
      Lin l;
      l.rank = static_cast<int>(rank);
      l.A[s] = MatrixXd::Identity(width, width);
      l.b = VectorXd::Zero(width);
      values_[v.name] = l;
    }
    if (g_.inputs.empty()) refuse("the graph has no inputs");
  }

  int add_source(Source s) {
    sources_.push_back(std::move(s));
    return static_cast<int>(sources_.size()) - 1;
  }

  // ---------------------------------------------------------------- values
  const Value& value(const Node& n, std::size_t i) const {
    if (i >= n.inputs.size() || n.inputs[i].empty())
      refuse(n, "needs input " + std::to_string(i + 1) + ", which is missing");
    const auto it = values_.find(n.inputs[i]);
    if (it == values_.end()) refuse(n, "its input '" + n.inputs[i] + "' is produced by no earlier node");
    if (const auto* l = std::get_if<Lin>(&it->second); l && !l->layout_error.empty())
      refuse(n, "its input '" + n.inputs[i] + "' comes from node " + l->layout_error);
    return it->second;
  }
  bool has_input(const Node& n, std::size_t i) const { return i < n.inputs.size() && !n.inputs[i].empty(); }

  // A constant used as a number (weight, bias, factor): FLOAT or DOUBLE, finite.
  const Tensor& real_constant(const Node& n, std::size_t i, const std::string& role) const {
    const Value& v = value(n, i);
    if (!std::holds_alternative<Tensor>(v))
      refuse(n, role + " '" + n.inputs[i] + "' must be a constant (an initializer), but it depends on the inputs");
    const Tensor& t = std::get<Tensor>(v);
    if (!t.is_real())
      refuse(n, role + " '" + n.inputs[i] + "' has data type " + onnx::type_name(t.data_type) +
                    ": weights must be FLOAT or DOUBLE");
    for (std::size_t k = 0; k < t.values.size(); ++k)
      if (!std::isfinite(t.values[k]))
        refuse(n, role + " '" + n.inputs[i] + "' " + dims_text(t.dims) + " holds " + exact_number(t.values[k]) +
                      " at flat index " + std::to_string(k) + ": weights must be finite");
    return t;
  }

  std::vector<std::int64_t> int_constant(const Node& n, std::size_t i, const std::string& role) const {
    const Value& v = value(n, i);
    if (!std::holds_alternative<Tensor>(v) || !std::get<Tensor>(v).is_integer())
      refuse(n, role + " '" + n.inputs[i] + "' must be a constant INT64 tensor");
    return std::get<Tensor>(v).ints;
  }

  const Lin& lin(const Node& n, std::size_t i) const {
    const Value& v = value(n, i);
    if (std::holds_alternative<GeluPart>(v))
      refuse(n, "input '" + n.inputs[i] +
                    "' is part of a GELU (x/2 (1 + erf(x / sqrt 2))) used other than as torch exports it");
    if (!std::holds_alternative<Lin>(v)) refuse(n, "input '" + n.inputs[i] + "' was expected to depend on the inputs");
    return std::get<Lin>(v);
  }

  void set(const Node& n, Value v) {
    if (n.outputs.empty()) refuse(n, "has no output");
    if (auto* l = std::get_if<Lin>(&v)) l->trail.push_back(n.op_type + " '" + n.name + "'");
    values_[n.outputs[0]] = std::move(v);
  }

  std::vector<std::int64_t> axes_of(const Node& n) const {
    if (const auto* a = n.attribute("axes")) return a->ints;
    if (has_input(n, 1)) return int_constant(n, 1, "axes");
    return {};
  }

  // ---------------------------------------------------------------- nodes
  void evaluate(const Node& n) {
    if (!(n.domain.empty() || n.domain == "ai.onnx"))
      refuse(n, "operator domain '" + n.domain + "' is not supported (ai.onnx only)");
    const std::string& op = n.op_type;
    if (op == "Constant") return constant(n);
    if (op == "Identity" || op == "Dropout") return set(n, value(n, 0));
    if (op == "Unsqueeze" || op == "Squeeze") return squeeze(n, op == "Unsqueeze");
    if (op == "Reshape") return reshape(n);
    if (op == "Flatten") return flatten(n);
    if (op == "Mul" || op == "Div") return scale(n, op == "Div");
    if (op == "Add" || op == "Sub") return add(n, op == "Sub" ? -1.0 : 1.0);
    if (op == "Neg") {
      Lin l = lin(n, 0);
      l.gain = -l.gain;
      l.gain_nodes.push_back(n.name);
      return set(n, std::move(l));
    }
    if (op == "Gemm") return gemm(n);
    if (op == "MatMul") return matmul(n);
    if (op == "Relu") return relu(n);
    if (op == "Sin" || op == "Cos") return trig(n, op == "Sin");
    if (op == "Concat") return concat(n);
    if (op == "Erf") return erf(n);
    if (op.rfind("Conv", 0) == 0 || op.find("Pool") != std::string::npos)
      refuse(n,
             "a convolution or pooling layer cannot be put on memcosim's crossbars (dense layers only: Gemm, "
             "MatMul + Add)");
    if (is_activation(op))
      refuse(n, "activation or function " + op +
                    " is not supported: memcosim's circuit has rectifiers only (Relu after each hidden layer)");
    refuse(n, "operator " + op +
                  " is not supported (memcosim recognises Gemm, MatMul, Add, Sub, Mul, Div, Neg, Relu, Sin, Cos, "
                  "Concat, Unsqueeze, Squeeze, Reshape, Flatten, Identity, Dropout, Constant)");
  }

  void constant(const Node& n) {
    Tensor t;
    t.name = n.outputs.empty() ? n.name : n.outputs[0];
    const auto* value_t = n.attribute("value");
    const auto* value_f = n.attribute("value_float");
    const auto* value_fs = n.attribute("value_floats");
    const auto* value_i = n.attribute("value_int");
    const auto* value_is = n.attribute("value_ints");
    if (value_t && value_t->t) {
      t = *value_t->t;
    } else if (value_f) {
      t.data_type = 1;
      t.values = {value_f->f};
    } else if (value_fs) {
      t.data_type = 1;
      t.values = value_fs->floats;
      t.dims = {static_cast<std::int64_t>(value_fs->floats.size())};
    } else if (value_i) {
      t.data_type = 7;
      t.ints = {value_i->i};
    } else if (value_is) {
      t.data_type = 7;
      t.ints = value_is->ints;
      t.dims = {static_cast<std::int64_t>(value_is->ints.size())};
    } else {
      refuse(n, "a Constant without a numeric value (sparse or string constants are not supported)");
    }
    set(n, std::move(t));
  }

  void squeeze(const Node& n, bool unsqueeze) {
    const Value& v = value(n, 0);
    const auto axes = axes_of(n);
    if (const auto* t = std::get_if<Tensor>(&v)) {
      Tensor out = *t;
      if (unsqueeze) {
        auto dims = out.dims;
        std::vector<std::int64_t> sorted = axes;
        const auto rank = static_cast<std::int64_t>(dims.size() + axes.size());
        for (auto& a : sorted) a = a < 0 ? a + rank : a;
        std::sort(sorted.begin(), sorted.end());
        for (auto a : sorted) {
          if (a < 0 || a > static_cast<std::int64_t>(dims.size())) refuse(n, "axis out of range");
          dims.insert(dims.begin() + a, 1);
        }
        out.dims = dims;
      } else {
        std::vector<std::int64_t> dims;
        for (auto d : out.dims)
          if (d != 1) dims.push_back(d);
        out.dims = dims;
      }
      return set(n, std::move(out));
    }
    Lin l = lin(n, 0);
    const bool batch_feature_axis = axes.size() == 1 && (axes[0] == 1 || axes[0] == -1);
    if (unsqueeze && l.rank == 1 && batch_feature_axis) {
      l.rank = 2;
      return set(n, std::move(l));
    }
    if (!unsqueeze && l.rank == 2 && l.features() == 1 && (axes.empty() || batch_feature_axis)) {
      l.rank = 1;
      return set(n, std::move(l));
    }
    l.layout_error = n.describe() + ", which changes the [batch, features] layout of a signal (rank " +
                     std::to_string(l.rank) + ", " + std::to_string(l.features()) + " features)";
    set(n, std::move(l));
  }

  void reshape(const Node& n) {
    const Value& v = value(n, 0);
    const auto shape = int_constant(n, 1, "shape");
    if (const auto* t = std::get_if<Tensor>(&v)) {
      Tensor out = *t;
      std::int64_t known = 1, unknown = -1;
      for (std::size_t i = 0; i < shape.size(); ++i) {
        const std::int64_t d = shape[i] == 0 && i < t->dims.size() ? t->dims[i] : shape[i];
        if (d == -1)
          unknown = static_cast<std::int64_t>(i);
        else
          known *= d;
      }
      out.dims.clear();
      for (std::size_t i = 0; i < shape.size(); ++i) {
        const std::int64_t d = shape[i] == 0 && i < t->dims.size() ? t->dims[i] : shape[i];
        out.dims.push_back(static_cast<std::int64_t>(i) == unknown ? (known ? t->size() / known : 0) : d);
      }
      if (out.size() != t->size()) refuse(n, "reshapes " + dims_text(t->dims) + " to " + dims_text(shape));
      return set(n, std::move(out));
    }
    Lin l = lin(n, 0);
    const auto F = static_cast<std::int64_t>(l.features());
    const bool batch_first = !shape.empty() && (shape[0] == -1 || shape[0] == 0);
    if (batch_first && shape.size() == 2 && (shape[1] == F || (shape[1] == -1 && shape[0] == 0))) {
      if (l.rank == 1 && F != 1) refuse(n, "reshape of a vector signal");
      l.rank = 2;
      return set(n, std::move(l));
    }
    if (shape.size() == 1 && shape[0] == -1 && F == 1) {
      l.rank = 1;
      return set(n, std::move(l));
    }
    l.layout_error = n.describe() + ", which reshapes a signal of " + std::to_string(F) + " features to " +
                     dims_text(shape) + ": only the [batch, features] layout is supported";
    set(n, std::move(l));
  }

  void flatten(const Node& n) {
    const Lin& l = lin(n, 0);
    const auto* a = n.attribute("axis");
    if ((a && a->i != 1) || l.rank != 2) refuse(n, "flattens other than [batch, features] to [batch, features]");
    set(n, l);
  }

  // y = c * x (Mul) or x / c (Div); c a constant broadcast over the batch.
  void scale(const Node& n, bool divide) {
    const Value& a = value(n, 0);
    const Value& b = value(n, 1);
    if (std::holds_alternative<GeluPart>(a) || std::holds_alternative<GeluPart>(b)) return gelu_product(n, divide);
    if (std::holds_alternative<Tensor>(a) && std::holds_alternative<Tensor>(b))
      return set(n, elementwise(n, real_constant(n, 0, "operand"), real_constant(n, 1, "operand"), divide ? '/' : '*'));
    if (std::holds_alternative<Lin>(a) && std::holds_alternative<Lin>(b))
      refuse(n, "multiplies two signals: a product of signals is not a crossbar operation");
    if (divide && std::holds_alternative<Tensor>(a)) refuse(n, "divides a constant by a signal");
    const std::size_t ci = std::holds_alternative<Tensor>(a) ? 0 : 1;
    Lin l = std::get<Lin>(ci == 0 ? b : a);
    const Tensor& c = real_constant(n, ci, divide ? "divisor" : "factor");
    VectorXd cv = Eigen::Map<const VectorXd>(c.values.data(), static_cast<Index>(c.values.size()));
    if (divide) {
      if ((cv.array() == 0.0).any()) refuse(n, "divides by zero");
      cv = cv.cwiseInverse();
    }
    if (cv.size() == 1) {
      l.gain *= cv[0];
      l.gain_nodes.push_back(n.name);
      return set(n, std::move(l));
    }
    check_row_constant(n, c, ci);
    if (l.rank != 2) refuse(n, "scales a [batch] signal by a vector " + dims_text(c.dims));
    if (cv.size() == l.features()) {
      for (auto& [s, m] : l.A) m = cv.asDiagonal() * m;
      l.b = cv.asDiagonal() * l.b;
      return set(n, std::move(l));
    }
    if (l.features() == 1) {                // [N, 1] * [1, K] -> [N, K]
      for (auto& [s, m] : l.A) m = cv * m;  // K x 1 times 1 x width
      l.b = cv * l.b[0];
      return set(n, std::move(l));
    }
    refuse(n, "a factor of shape " + dims_text(c.dims) + " does not fit a signal of " + std::to_string(l.features()) +
                  " features");
  }

  // A constant that broadcasts along the batch: shape [K] or [1, K].
  void check_row_constant(const Node& n, const Tensor& c, std::size_t i) const {
    const auto& d = c.dims;
    const bool ok = d.size() == 1 || (d.size() == 2 && d[0] == 1);
    if (!ok)
      refuse(n, "constant '" + n.inputs[i] + "' has shape " + dims_text(d) +
                    ": only scalars and [features] / [1, features] constants broadcast over the batch");
  }

  Tensor elementwise(const Node& n, const Tensor& x, const Tensor& y, char op) const {
    const bool xs = x.values.size() == 1, ys = y.values.size() == 1;
    if (!xs && !ys && x.values.size() != y.values.size())
      refuse(n, "constant operands of shapes " + dims_text(x.dims) + " and " + dims_text(y.dims));
    Tensor out = xs && !ys ? y : x;
    out.data_type = (x.data_type == 11 || y.data_type == 11) ? 11 : 1;
    const std::size_t m = std::max(x.values.size(), y.values.size());
    out.values.resize(m);
    for (std::size_t k = 0; k < m; ++k) {
      const double a = x.values[xs ? 0 : k], b = y.values[ys ? 0 : k];
      out.values[k] = op == '*' ? a * b : op == '/' ? a / b : op == '+' ? a + b : a - b;
    }
    return out;
  }

  void add(const Node& n, double sign) {
    const Value& a = value(n, 0);
    const Value& b = value(n, 1);
    if (std::holds_alternative<GeluPart>(a) || std::holds_alternative<GeluPart>(b)) {
      // 1 + erf(u / sqrt 2)
      const std::size_t gi = std::holds_alternative<GeluPart>(a) ? 0 : 1;
      GeluPart g = std::get<GeluPart>(gi == 0 ? a : b);
      const Value& other = gi == 0 ? b : a;
      if (g.stage != 1 || sign < 0 || !std::holds_alternative<Tensor>(other) ||
          real_constant(n, 1 - gi, "constant").values.size() != 1 ||
          real_constant(n, 1 - gi, "constant").values[0] != 1.0)
        refuse(n, "does not continue a GELU (x/2 (1 + erf(x / sqrt 2))); other uses of Erf are not supported");
      g.stage = 2;
      g.nodes.push_back(n.name);
      return set(n, std::move(g));
    }
    if (std::holds_alternative<Tensor>(a) && std::holds_alternative<Tensor>(b))
      return set(n,
                 elementwise(n, real_constant(n, 0, "operand"), real_constant(n, 1, "operand"), sign > 0 ? '+' : '-'));
    if (std::holds_alternative<Lin>(a) && std::holds_alternative<Lin>(b)) {
      Lin x = std::get<Lin>(a), y = std::get<Lin>(b);
      x.fold();
      y.fold();
      if (x.rank != y.rank || x.features() != y.features())
        refuse(n, "adds signals of " + std::to_string(x.features()) + " and " + std::to_string(y.features()) +
                      " features (rank " + std::to_string(x.rank) + " and " + std::to_string(y.rank) + ")");
      for (auto& [s, m] : y.A) {
        auto it = x.A.find(s);
        if (it == x.A.end())
          x.A[s] = sign * m;
        else
          it->second += sign * m;
      }
      x.b += sign * y.b;
      x.trail.insert(x.trail.end(), y.trail.begin(), y.trail.end());
      if (x.mixed_time.empty()) x.mixed_time = y.mixed_time;
      return set(n, std::move(x));
    }
    const bool lin_first = std::holds_alternative<Lin>(a);
    const std::size_t ci = lin_first ? 1 : 0;
    Lin l = std::get<Lin>(lin_first ? a : b);
    const Tensor& c = real_constant(n, ci, "bias");
    l.fold();
    if (!lin_first && sign < 0) {  // c - x
      for (auto& [s, m] : l.A) m = -m;
      l.b = -l.b;
      sign = 1.0;
    }
    if (c.values.size() == 1) {
      l.b.array() += sign * c.values[0];
    } else {
      check_row_constant(n, c, ci);
      if (static_cast<Index>(c.values.size()) != l.features() || l.rank != 2)
        refuse(n, "a bias of shape " + dims_text(c.dims) + " does not fit a signal of " + std::to_string(l.features()) +
                      " features");
      l.b += sign * Eigen::Map<const VectorXd>(c.values.data(), l.features());
    }
    set(n, std::move(l));
  }

  // W (outputs x features) applied to a signal.
  Lin apply(const Node& n, Lin x, const MatrixXd& W) const {
    x.fold();
    if (x.rank != 2) refuse(n, "a dense layer on a [batch] vector; the input must be [batch, features]");
    if (W.cols() != x.features())
      refuse(n, "the weight has " + std::to_string(W.cols()) + " inputs, the signal " + std::to_string(x.features()) +
                    " features");
    for (auto& [s, m] : x.A) {
      const auto k = sources_[static_cast<std::size_t>(s)].kind;
      if ((k == Source::Kind::sine || k == Source::Kind::cosine) && x.mixed_time.empty()) x.mixed_time = n.describe();
      m = W * m;
    }
    x.b = W * x.b;
    return x;
  }

  static MatrixXd matrix_of(const Tensor& t, bool transpose) {
    const Index r = t.dims[0], c = t.dims[1];
    MatrixXd m(r, c);  // row-major data
    for (Index i = 0; i < r; ++i)
      for (Index j = 0; j < c; ++j) m(i, j) = t.values[static_cast<std::size_t>(i * c + j)];
    return transpose ? MatrixXd(m.transpose()) : m;
  }

  void gemm(const Node& n) {
    const Lin& x = lin(n, 0);
    const Tensor& B = real_constant(n, 1, "weight");
    if (B.dims.size() != 2) refuse(n, "weight '" + n.inputs[1] + "' has shape " + dims_text(B.dims) + ", not 2-D");
    auto attr = [&](const char* k, double def) {
      const auto* a = n.attribute(k);
      return a ? (a->kind == onnx::Attribute::Kind::real ? a->f : static_cast<double>(a->i)) : def;
    };
    if (attr("transA", 0) != 0) refuse(n, "transA = 1 (a transposed signal) is not a dense layer");
    const double alpha = attr("alpha", 1.0), beta = attr("beta", 1.0);
    MatrixXd W = alpha * matrix_of(B, attr("transB", 0) == 0);  // outputs x inputs
    Lin y = apply(n, x, W);
    if (has_input(n, 2)) {
      const Tensor& C = real_constant(n, 2, "bias");
      if (C.values.size() == 1) {
        y.b.array() += beta * C.values[0];
      } else {
        check_row_constant(n, C, 2);
        if (static_cast<Index>(C.values.size()) != W.rows())
          refuse(n, "bias '" + n.inputs[2] + "' has " + std::to_string(C.values.size()) + " values for " +
                        std::to_string(W.rows()) + " outputs");
        y.b += beta * Eigen::Map<const VectorXd>(C.values.data(), W.rows());
      }
    }
    set(n, std::move(y));
  }

  void matmul(const Node& n) {
    if (std::holds_alternative<Tensor>(value(n, 0)))
      refuse(n, "a constant times a signal (x @ W with the signal first is supported)");
    const Tensor& B = real_constant(n, 1, "weight");
    if (B.dims.size() != 2) refuse(n, "weight '" + n.inputs[1] + "' has shape " + dims_text(B.dims) + ", not 2-D");
    set(n, apply(n, lin(n, 0), matrix_of(B, true)));
  }

  void erf(const Node& n) {
    const Lin& v = lin(n, 0);
    constexpr double kSqrt2 = std::numbers::sqrt2;
    if (std::abs(v.gain * kSqrt2 - 1.0) > 1e-6 || v.rank != 2)
      refuse(n,
             "Erf is supported only as part of a GELU, erf(x / sqrt 2) (memcosim's circuit has rectifiers; a "
             "GELU is computed for the class embedding only)");
    GeluPart g;
    g.u = v;
    g.u.gain = 1.0;  // v = u / sqrt(2) with sqrt(2) as stored (FLOAT 1.4142135)
    g.u.gain_nodes.clear();
    g.nodes = {n.name};
    set(n, std::move(g));
  }

  // u * (1 + erf(u / sqrt 2)), then * 0.5: a GELU of u.
  void gelu_product(const Node& n, bool divide) {
    const Value& a = value(n, 0);
    const Value& b = value(n, 1);
    const std::size_t gi = std::holds_alternative<GeluPart>(a) ? 0 : 1;
    GeluPart g = std::get<GeluPart>(gi == 0 ? a : b);
    const Value& other = gi == 0 ? b : a;
    auto same = [](const Lin& x, const Lin& y) {
      if (x.A.size() != y.A.size() || x.b != y.b || x.gain != y.gain) return false;
      for (const auto& [s, m] : x.A) {
        const auto it = y.A.find(s);
        if (it == y.A.end() || it->second != m) return false;
      }
      return true;
    };
    if (!divide && g.stage == 2 && std::holds_alternative<Lin>(other) && same(std::get<Lin>(other), g.u)) {
      g.stage = 3;
      g.nodes.push_back(n.name);
      return set(n, std::move(g));
    }
    if (g.stage == 3 && gi == (divide ? 0u : gi) && std::holds_alternative<Tensor>(other)) {
      const Tensor& c = real_constant(n, 1 - gi, "factor");
      if (c.values.size() == 1 && (divide ? c.values[0] == 2.0 : c.values[0] == 0.5)) {
        g.nodes.push_back(n.name);
        Lin pre = g.u;
        pre.fold();
        const int s =
            add_source({Source::Kind::gelu, n.name, pre.features(), {}, -1, -1, static_cast<int>(gelus_.size())});
        gelus_.push_back({pre, join(g.nodes)});
        Lin y;
        y.A[s] = MatrixXd::Identity(pre.features(), pre.features());
        y.b = VectorXd::Zero(pre.features());
        return set(n, std::move(y));
      }
    }
    refuse(n, "does not continue a GELU (x/2 (1 + erf(x / sqrt 2))) as torch exports it");
  }

  void relu(const Node& n) {
    Lin pre = lin(n, 0);
    pre.fold();
    if (pre.rank != 2) refuse(n, "a rectifier on a [batch] vector; hidden layers are [batch, features]");
    const int s = add_source({Source::Kind::hidden, n.name, pre.features(), {}, -1, static_cast<int>(layers_.size())});
    layers_.push_back({pre, n.name});
    Lin h;
    h.A[s] = MatrixXd::Identity(pre.features(), pre.features());
    h.b = VectorXd::Zero(pre.features());
    set(n, std::move(h));
  }

  // sin / cos of (time input x constants): the Gaussian Fourier features.
  void trig(const Node& n, bool sine) {
    const Lin& x = lin(n, 0);
    int t = -1;
    for (const auto& [s, m] : x.A)
      if (sources_[static_cast<std::size_t>(s)].kind == Source::Kind::input &&
          sources_[static_cast<std::size_t>(s)].width == 1 && x.A.size() == 1)
        t = s;
    if (t < 0)
      refuse(n, "the argument of " + n.op_type +
                    " must be one time input [batch] or [batch, 1] times constants (a Gaussian Fourier embedding)");
    if (!x.b.isZero(0.0))
      refuse(n, "the phase has a constant offset (only sin(2 pi w t) and cos(2 pi w t) are recognised)");
    const VectorXd coef = x.A.at(t).col(0);
    VectorXd freq(coef.size());
    const bool two_pi = std::abs(x.gain / kTwoPi - 1.0) <= 1e-6;
    if (two_pi) {
      freq = coef;
      if (!two_pi_noted_) {
        two_pi_noted_ = true;
        recognised_.push_back("time phase factor " + exact_number(x.gain) + " (" + join(x.gain_nodes) +
                              ") read as 2 pi");
      }
    } else {
      freq = coef * (x.gain / kTwoPi);
    }
    const int s = add_source({sine ? Source::Kind::sine : Source::Kind::cosine, n.name, coef.size(), freq, t, -1});
    Lin y;
    y.rank = 2;
    y.A[s] = MatrixXd::Identity(coef.size(), coef.size());
    y.b = VectorXd::Zero(coef.size());
    set(n, std::move(y));
  }

  void concat(const Node& n) {
    const auto* a = n.attribute("axis");
    if (!a || (a->i != 1 && a->i != -1)) refuse(n, "concatenates along an axis other than the features (axis 1 or -1)");
    std::vector<Lin> parts;
    Index F = 0;
    for (std::size_t i = 0; i < n.inputs.size(); ++i) {
      Lin l = lin(n, i);
      l.fold();
      if (l.rank != 2) refuse(n, "concatenates a [batch] vector");
      F += l.features();
      parts.push_back(std::move(l));
    }
    Lin y;
    y.b = VectorXd::Zero(F);
    Index at = 0;
    for (const Lin& p : parts) {
      for (const auto& [s, m] : p.A) {
        auto it = y.A.find(s);
        if (it == y.A.end()) it = y.A.emplace(s, MatrixXd::Zero(F, m.cols())).first;
        it->second.middleRows(at, p.features()) = m;
      }
      y.b.segment(at, p.features()) = p.b;
      if (y.mixed_time.empty()) y.mixed_time = p.mixed_time;
      y.trail.insert(y.trail.end(), p.trail.begin(), p.trail.end());
      at += p.features();
    }
    set(n, std::move(y));
  }

  // ---------------------------------------------------------------- result
  bool is_time(int s) const {
    const auto k = sources_[static_cast<std::size_t>(s)].kind;
    return k == Source::Kind::sine || k == Source::Kind::cosine;
  }

  struct Inputs {
    std::vector<int> state;  // in graph-input order
    std::set<int> time, cls;
    Index width = 0;  // of the state inputs together
  };
  OnnxImport finish(const sde::VpSchedule& schedule);
  const Lin& output_value() const;
  Inputs classify_inputs(const Lin& first) const;
  std::vector<Dense> dense_layers(const std::vector<int>& order, const Lin& out, const Inputs& in) const;
  void report(OnnxImport& result, const std::vector<int>& order, const std::vector<Dense>& dense, const Lin& out,
              const Inputs& in) const;
  std::vector<int> chain(const Lin& out) const;
  VectorXd time_frequencies(const std::vector<int>& order) const;
  std::optional<std::vector<Dense>> class_embedding(const std::vector<int>& order);
  std::string describe_layer(const std::string& name, const Lin& l, const std::string& extra) const;

  const onnx::Graph& g_;
  ImportTask task_;
  std::int64_t opset_ = 0;
  std::map<std::string, Value> values_;
  std::vector<Source> sources_;
  std::vector<Layer> layers_;
  std::vector<Layer> gelus_;  // class-embedding GELUs: pre-activation, their nodes
  std::vector<std::string> recognised_;
  bool two_pi_noted_ = false;
};

// The hidden layers from the first to the last, walking back from the output.
std::vector<int> Recogniser::chain(const Lin& out) const {
  std::vector<int> order;
  const Lin* at = &out;
  std::string at_name = "the output '" + g_.outputs[0].name + "'";
  for (;;) {
    std::vector<int> hidden;
    bool inputs = false;
    for (const auto& [s, m] : at->A) {
      const Source& src = sources_[static_cast<std::size_t>(s)];
      if (src.kind == Source::Kind::hidden) hidden.push_back(src.layer);
      if (src.kind == Source::Kind::input) inputs = true;
    }
    if (hidden.size() > 1 || (hidden.size() == 1 && inputs))
      refuse(at_name +
             " takes signals from several layers (a skip or residual connection): memcosim's circuit "
             "chains its layers");
    if (hidden.empty()) break;
    order.push_back(hidden[0]);
    at = &layers_[static_cast<std::size_t>(hidden[0])].pre;
    at_name = "hidden layer at Relu '" + layers_[static_cast<std::size_t>(hidden[0])].relu + "'";
  }
  std::reverse(order.begin(), order.end());
  return order;
}

// The memcosim embedding: layer of width h adds [sin(2 pi w_k t)]_{k<h/2} ++
// [cos(2 pi w_k t)]_{k<h/2} with coefficient 1; w from the widest layer.
VectorXd Recogniser::time_frequencies(const std::vector<int>& order) const {
  struct Row {
    bool sine;
    double w;
    int t;
  };
  auto rows_of = [&](const Layer& layer) {
    const Lin& l = layer.pre;
    const std::string where = "hidden layer at Relu '" + layer.relu + "'";
    auto wrong = [&](const std::string& why) {
      refuse(where + ": " + why +
             (l.mixed_time.empty() ? std::string()
                                   : " (the embedding passes through node " + l.mixed_time +
                                         ", a learned projection: memcosim adds the Fourier features unchanged)"));
    };
    std::vector<Row> rows(static_cast<std::size_t>(l.features()), Row{true, 0.0, -1});
    std::vector<int> count(rows.size(), 0);
    for (const auto& [s, m] : l.A) {
      if (!is_time(s)) continue;
      const Source& src = sources_[static_cast<std::size_t>(s)];
      for (Index r = 0; r < m.rows(); ++r)
        for (Index c = 0; c < m.cols(); ++c) {
          if (m(r, c) == 0.0) continue;
          if (std::abs(m(r, c) - 1.0) > 1e-12)
            wrong("time feature " + src.name + "[" + std::to_string(c) + "] enters unit " + std::to_string(r) +
                  " with weight " + exact_number(m(r, c)) + ", not 1");
          ++count[static_cast<std::size_t>(r)];
          rows[static_cast<std::size_t>(r)] = {src.kind == Source::Kind::sine, src.freq[c], src.time_input};
        }
    }
    for (std::size_t r = 0; r < rows.size(); ++r)
      if (count[r] != 1)
        wrong("unit " + std::to_string(r) + " receives " + std::to_string(count[r]) +
              " time features; memcosim's score network adds exactly one (the Fourier embedding) to every hidden unit");
    return rows;
  };
  Index E = 0;
  int widest = -1;
  for (int k : order)
    if (layers_[static_cast<std::size_t>(k)].pre.features() > E) {
      E = layers_[static_cast<std::size_t>(k)].pre.features();
      widest = k;
    }
  if (E % 2) refuse("the widest hidden layer has " + std::to_string(E) + " units: the embedding needs an even width");
  const auto top = rows_of(layers_[static_cast<std::size_t>(widest)]);
  VectorXd w(E / 2);
  for (Index k = 0; k < E / 2; ++k) w[k] = top[static_cast<std::size_t>(k)].w;
  for (int k : order) {
    const Layer& layer = layers_[static_cast<std::size_t>(k)];
    const auto rows = rows_of(layer);
    const Index h = static_cast<Index>(rows.size());
    if (h % 2) refuse("hidden layer at Relu '" + layer.relu + "' has " + std::to_string(h) + " units: must be even");
    for (Index r = 0; r < h; ++r) {
      const Row& row = rows[static_cast<std::size_t>(r)];
      const bool sine = r < h / 2;
      const double want = w[sine ? r : r - h / 2];
      if (row.sine != sine || std::abs(row.w - want) > 1e-12 * std::max(1.0, std::abs(want)) || row.t != top[0].t)
        refuse("hidden layer at Relu '" + layer.relu + "': unit " + std::to_string(r) + " receives " +
               (row.sine ? "sin" : "cos") + "(2 pi " + exact_number(row.w) + " t), memcosim's layout needs " +
               (sine ? "sin" : "cos") + "(2 pi " + exact_number(want) + " t) (the first h/2 units the sines, " +
               "the rest the cosines of the same frequencies, as torch.cat([sin, cos]))");
    }
  }
  return w;
}

// The class embedding k(c) = W2 gelu(W1 c + b1) + b2 added to the hidden
// layers (a layer of width h adds k[0:h]), as nn/score_net.hpp computes it.
// b2 reaches each layer summed with its bias, so it is written as 0 with the
// layers' biases holding the sums: the same network.
std::optional<std::vector<Dense>> Recogniser::class_embedding(const std::vector<int>& order) {
  int used = -1;
  for (int k : order)
    for (const auto& [s, m] : layers_[static_cast<std::size_t>(k)].pre.A)
      if (sources_[static_cast<std::size_t>(s)].kind == Source::Kind::gelu) {
        if (used >= 0 && used != s) refuse("the hidden layers add different class embeddings (several GELUs)");
        used = s;
      }
  if (used < 0) return std::nullopt;
  const Source& src = sources_[static_cast<std::size_t>(used)];
  const Layer& g = gelus_[static_cast<std::size_t>(src.gelu)];
  if (g.pre.A.size() != 1 || sources_[static_cast<std::size_t>(g.pre.A.begin()->first)].kind != Source::Kind::input)
    refuse("the class embedding's GELU (" + g.relu +
           ") must take one class input (one-hot [batch, classes]) through "
           "one dense layer");
  const MatrixXd& W1 = g.pre.A.begin()->second;
  Index E = 0;
  int widest = -1;
  for (int k : order)
    if (layers_[static_cast<std::size_t>(k)].pre.features() > E) {
      E = layers_[static_cast<std::size_t>(k)].pre.features();
      widest = k;
    }
  if (W1.rows() != E)
    refuse("the class embedding's GELU (" + g.relu + ") has " + std::to_string(W1.rows()) +
           " units; memcosim's class embedding is as wide as the widest hidden layer (" + std::to_string(E) + ")");
  const MatrixXd W2 = layers_[static_cast<std::size_t>(widest)].pre.A.at(used);
  for (int k : order) {
    const Layer& layer = layers_[static_cast<std::size_t>(k)];
    const auto it = layer.pre.A.find(used);
    const Index h = layer.pre.features();
    if (it == layer.pre.A.end() || it->second != W2.topRows(h))
      refuse("hidden layer at Relu '" + layer.relu + "': " +
             (it == layer.pre.A.end() ? std::string("no class embedding added")
                                      : "the class embedding added is not the first " + std::to_string(h) +
                                            " entries of the one the widest layer adds") +
             " (memcosim adds k(c)[0:h] of one embedding k(c) to every hidden layer)");
  }
  recognised_.push_back("input '" + sources_[static_cast<std::size_t>(g.pre.A.begin()->first)].name + "': " +
                        std::to_string(W1.cols()) + " classes (one-hot); class embedding dense " + std::to_string(E) +
                        "x" + std::to_string(W1.cols()) + ", GELU [" + g.relu + "], dense " + std::to_string(E) + "x" +
                        std::to_string(E) + " added to every hidden layer (its bias summed into theirs)");
  return std::vector<Dense>{{W1, g.pre.b}, {W2, VectorXd::Zero(E)}};
}

std::string Recogniser::describe_layer(const std::string& name, const Lin& l, const std::string& extra) const {
  std::string ops;
  std::vector<std::string> seen;
  for (const auto& t : l.trail)
    if (std::find(seen.begin(), seen.end(), t) == seen.end()) seen.push_back(t);
  std::vector<std::string> keep;
  for (const auto& t : seen)
    if (t.rfind("Gemm", 0) == 0 || t.rfind("MatMul", 0) == 0 || t.rfind("Add", 0) == 0 || t.rfind("Sub", 0) == 0)
      keep.push_back(t);
  return name + ": " + extra + " [" + join(keep) + "]";
}

const Lin& Recogniser::output_value() const {
  if (g_.outputs.size() != 1)
    refuse("the graph has " + std::to_string(g_.outputs.size()) + " outputs; memcosim's networks have one");
  const std::string& name = g_.outputs[0].name;
  const auto it = values_.find(name);
  if (it == values_.end()) refuse("the graph output '" + name + "' is produced by no node");
  if (!std::holds_alternative<Lin>(it->second)) refuse("the graph output '" + name + "' is not a signal of the inputs");
  const Lin& out = std::get<Lin>(it->second);
  if (!out.layout_error.empty()) refuse("the graph output comes from node " + out.layout_error);
  if (out.rank != 2) refuse("the graph output '" + name + "' is not [batch, features]");
  for (const auto& [s, m] : out.A) {
    const Source& src = sources_[static_cast<std::size_t>(s)];
    if (src.kind != Source::Kind::hidden && src.kind != Source::Kind::input)
      refuse("the " + std::string(src.kind == Source::Kind::gelu ? "class" : "time") +
             " embedding reaches the output '" + name + "' directly; memcosim adds it to the hidden layers only");
  }
  return out;
}

// Which graph inputs are the state, the time and the class.
Recogniser::Inputs Recogniser::classify_inputs(const Lin& first) const {
  Inputs in;
  for (const auto& src : sources_)
    if (src.kind == Source::Kind::sine || src.kind == Source::Kind::cosine) in.time.insert(src.time_input);
  for (const Layer& g : gelus_)
    for (const auto& [s, m] : g.pre.A)
      if (sources_[static_cast<std::size_t>(s)].kind == Source::Kind::input) in.cls.insert(s);
  for (int s = 0; s < static_cast<int>(sources_.size()); ++s)
    if (sources_[static_cast<std::size_t>(s)].kind == Source::Kind::input && !in.time.count(s) && !in.cls.count(s))
      in.state.push_back(s);
  for (const std::set<int>* set : {&in.time, &in.cls})
    for (int s : *set)
      if (first.A.count(s))
        refuse("input '" + sources_[static_cast<std::size_t>(s)].name +
               "' enters the first layer both as a signal and through an embedding");
  const bool diffusion = task_ == ImportTask::diffusion;
  if (diffusion && in.time.size() != 1)
    refuse(in.time.empty() ? "no time embedding found (sin/cos of a time input); for a network without time use "
                             "--task neural_ode"
                           : "the embedding uses several time inputs");
  if (diffusion && in.state.size() != 1)
    refuse("the score network needs one state input besides the time and class inputs (found " +
           std::to_string(in.state.size()) + ")");
  if (!diffusion && !gelus_.empty())
    refuse("a class embedding (GELU at " + gelus_[0].relu + ") was found: a neural-ODE twin network has none");
  if (!diffusion && !in.time.empty())
    refuse(
        "a time embedding (sin/cos) was found: a neural-ODE twin network takes [state, drive] only; use --task "
        "diffusion for a score network");
  for (int s : in.state) in.width += sources_[static_cast<std::size_t>(s)].width;
  return in;
}

// The hidden layers of the chain, then the output layer (without its gain).
std::vector<Dense> Recogniser::dense_layers(const std::vector<int>& order, const Lin& out, const Inputs& in) const {
  auto weights_from = [&](const Lin& l, bool first) {
    MatrixXd W = MatrixXd::Zero(l.features(), first ? in.width : 0);
    Index at = 0;
    for (const auto& [s, m] : l.A) {
      if (!first && sources_[static_cast<std::size_t>(s)].kind == Source::Kind::hidden) W = m;
    }
    if (first)
      for (int s : in.state) {  // graph-input order
        const Index w = sources_[static_cast<std::size_t>(s)].width;
        if (auto f = l.A.find(s); f != l.A.end()) W.middleCols(at, w) = f->second;
        at += w;
      }
    return W;
  };
  std::vector<Dense> dense;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Lin& pre = layers_[static_cast<std::size_t>(order[k])].pre;
    dense.push_back({weights_from(pre, k == 0), pre.b});
  }
  dense.push_back({weights_from(out, order.empty()), out.b});
  for (const Dense& d : dense)
    if (!d.W.allFinite() || !d.b.allFinite()) refuse("the folded weights are not finite (overflow)");
  return dense;
}

void Recogniser::report(OnnxImport& result, const std::vector<int>& order, const std::vector<Dense>& dense,
                        const Lin& out, const Inputs& in) const {
  const bool diffusion = task_ == ImportTask::diffusion;
  std::vector<std::string>& rep = result.recognised;
  rep.push_back(g_.file + ": ONNX IR " + std::to_string(g_.ir_version) + ", opset ai.onnx " + std::to_string(opset_) +
                (g_.producer.empty() ? "" : ", from " + g_.producer));
  for (int s : in.state)
    rep.push_back("input '" + sources_[static_cast<std::size_t>(s)].name +
                  "': " + std::to_string(sources_[static_cast<std::size_t>(s)].width) +
                  (diffusion ? " state" : " network") + " features");
  auto shape = [](const Dense& d) { return std::to_string(d.W.rows()) + "x" + std::to_string(d.W.cols()); };
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Layer& layer = layers_[static_cast<std::size_t>(order[k])];
    rep.push_back(describe_layer("hidden" + std::to_string(k + 1), layer.pre,
                                 "dense " + shape(dense[k]) + " + bias" + (diffusion ? " + time embedding" : "") +
                                     (in.cls.empty() ? "" : " + class embedding") + ", ReLU '" + layer.relu + "'"));
  }
  rep.push_back(describe_layer(
      "output", out,
      "dense " + shape(dense.back()) + " + bias" +
          (out.gain != 1.0 ? ", gain " + exact_number(out.gain) + " (" + join(out.gain_nodes) + ")" : std::string())));
  for (const auto& r : recognised_) rep.push_back(r);
}

OnnxImport Recogniser::finish(const sde::VpSchedule& schedule) {
  Lin out = output_value();
  const std::vector<int> order = chain(out);
  const bool diffusion = task_ == ImportTask::diffusion;
  if (diffusion && order.empty()) refuse("no hidden layer (Relu) found; the score network needs at least one");
  const Inputs in = classify_inputs(order.empty() ? out : layers_[static_cast<std::size_t>(order[0])].pre);
  if (!diffusion || out.gain <= 0.0) out.fold();  // the twin's MLP has no gain; a score gain must be > 0
  const std::vector<Dense> dense = dense_layers(order, out, in);
  std::vector<int> widths;
  widths.reserve(order.size());
  for (int k : order) widths.push_back(static_cast<int>(layers_[static_cast<std::size_t>(k)].pre.features()));
  const std::string dataset =
      "imported from ONNX (" + (g_.producer.empty() ? std::string("unknown producer") : g_.producer) + ")";
  auto problems_text = [](const std::vector<std::pair<std::string, std::string>>& p) {
    std::string why;
    for (const auto& [k, m] : p) why += (why.empty() ? "" : "; ") + k + " " + m;
    return why;
  };
  OnnxImport result;
  if (diffusion) {
    const VectorXd w = time_frequencies(order);
    const std::optional<std::vector<Dense>> classes = class_embedding(order);
    recognised_.push_back("input '" + sources_[static_cast<std::size_t>(*in.time.begin())].name +
                          "': diffusion time; Gaussian Fourier embedding, " + std::to_string(w.size()) +
                          " frequencies, [sin, cos] added to every hidden layer");
    Architecture arch;
    arch.input_dim = static_cast<int>(in.width);
    arch.output_dim = static_cast<int>(dense.back().W.rows());
    arch.hidden = widths;
    arch.num_classes = classes ? static_cast<int>((*classes)[0].W.cols()) : 0;
    arch.output_gain = out.gain;
    if (const auto p = arch.problems(); !p.empty())
      refuse("the network is not a memcosim score network: " + problems_text(p));
    Provenance prov;
    prov.config = g_.file;
    prov.dataset = dataset;
    LoadedModel m{ScoreNet(arch), schedule, prov};
    m.net.layers() = dense;
    m.net.frequencies() = w;
    if (classes) m.net.class_layers() = *classes;
    result.score.emplace(std::move(m));
  } else {
    MlpShape shape{static_cast<int>(in.width), widths, static_cast<int>(dense.back().W.rows())};
    if (const auto p = shape.problems(); !p.empty()) refuse("the network is not a memcosim MLP: " + problems_text(p));
    MlpProvenance prov;
    prov.config = g_.file;
    prov.dataset = dataset;
    LoadedMlp m{Mlp(shape), prov};
    m.net.layers() = dense;
    result.mlp.emplace(std::move(m));
  }
  report(result, order, dense, out, in);
  return result;
}

}  // namespace

OnnxImport import_graph(const onnx::Graph& graph, ImportTask task, const sde::VpSchedule& schedule) {
  return Recogniser(graph, task).run(schedule);
}

OnnxImport import_onnx(const std::string& path, ImportTask task, const sde::VpSchedule& schedule) {
  return import_graph(onnx::read_graph(path), task, schedule);
}

bool is_onnx_path(const std::string& path) {
  if (path.size() < 5) return false;
  std::string ext = path.substr(path.size() - 5);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".onnx";
}

}  // namespace memcosim::nn
