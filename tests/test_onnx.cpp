// ONNX import (`memcosim import`, model.file: x.onnx): the fixtures in
// tests/data/onnx/ come from scripts/make-onnx-fixtures.py (PyTorch modules
// exported with torch.onnx.export); <name>.reference.csv holds torch's own
// forward pass of the exported weights (in float64), the independent check.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <numbers>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "flow/common.hpp"
#include "flow/import.hpp"
#include "flow/task.hpp"
#include "nn/onnx_import.hpp"
#include "nn/weights.hpp"
#include "support.hpp"
#include "tasks/diffusion/setup.hpp"
#include "util/error.hpp"
#include "util/process.hpp"

using namespace memcosim;

namespace {

std::string fixture(const std::string& name) { return test::data_path("onnx/" + name).string(); }

// Rows of a reference CSV (comment lines '#' and the header skipped).
std::vector<std::vector<double>> read_reference(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<std::vector<double>> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<double> row;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) row.push_back(std::stod(cell));
    rows.push_back(row);
  }
  return rows;
}

// |got - want| <= 1e-6 |want| (plus 1e-12 for values at zero).
void check_close(double got, double want) {
  INFO("got " << got << ", torch " << want);
  CHECK(std::abs(got - want) <= 1e-6 * std::abs(want) + 1e-12);
}

void check_score_against_torch(const nn::ScoreNet& net, const std::string& reference) {
  const auto rows = read_reference(reference);
  REQUIRE(rows.size() >= 5);
  for (const auto& r : rows) {
    REQUIRE(r.size() == 5);  // x0, x1, t, y0, y1
    Eigen::MatrixXd x(2, 1), y(2, 1);
    x << r[0], r[1];
    net.forward(x, net.time_embedding(r[2]), nullptr, y);
    INFO("x = (" << r[0] << ", " << r[1] << "), t = " << r[2]);
    check_close(y(0, 0), r[3]);
    check_close(y(1, 0), r[4]);
  }
}

bool have_onnx() {
  if (!nn::onnx::supported()) WARN("this build has no ONNX support (MEMCOSIM_WITH_ONNX=OFF): ONNX tests skipped");
  return nn::onnx::supported();
}

}  // namespace

TEST_CASE(
    "onnx: the exported ring network equals torch's forward pass to 1e-6 (Gemm opset 14 and 11, MatMul + Add opset "
    "17)") {
  if (!have_onnx()) return;
  for (const auto& [model, reference] : std::vector<std::pair<std::string, std::string>>{
           {"ring_score.onnx", "ring_score.reference.csv"},
           {"ring_score_opset11.onnx", "ring_score.reference.csv"},
           {"ring_score_matmul.onnx", "ring_score_matmul.reference.csv"}}) {
    INFO(model);
    const nn::OnnxImport imp = nn::import_onnx(fixture(model), nn::ImportTask::diffusion, sde::VpSchedule{});
    REQUIRE(imp.score);
    const nn::ScoreNet& net = imp.score->net;
    CHECK(net.arch().hidden == std::vector<int>{14, 14});
    CHECK(net.arch().input_dim == 2);
    CHECK(net.arch().output_gain == 5.0);
    check_score_against_torch(net, fixture(reference));

    // The module holds memcosim's shipped ring weights: the import is them,
    // rounded to float32 as the export stores them.
    const nn::LoadedModel shipped = nn::load_weights(test::source_path("models/ring_score.yaml").string());
    for (Eigen::Index k = 0; k < shipped.net.frequencies().size(); ++k)
      CHECK(net.frequencies()[k] == static_cast<double>(static_cast<float>(shipped.net.frequencies()[k])));
    for (std::size_t l = 0; l < 3; ++l) {
      const nn::Dense& a = net.layers()[l];
      const nn::Dense& b = shipped.net.layers()[l];
      REQUIRE(a.W.rows() == b.W.rows());
      REQUIRE(a.W.cols() == b.W.cols());
      CHECK(a.W == b.W.cast<float>().cast<double>());
      CHECK(a.b == b.b.cast<float>().cast<double>());
    }
  }
}

TEST_CASE("onnx: the conditional letters network (class embedding through GELU) equals torch's forward pass") {
  if (!have_onnx()) return;
  const nn::OnnxImport imp =
      nn::import_onnx(fixture("letters_score.onnx"), nn::ImportTask::diffusion, sde::VpSchedule{});
  REQUIRE(imp.score);
  const nn::ScoreNet& net = imp.score->net;
  CHECK(net.arch().num_classes == 3);
  CHECK(net.arch().hidden == std::vector<int>{32, 32});
  const auto rows = read_reference(fixture("letters_score.reference.csv"));
  REQUIRE(rows.size() >= 5);
  int masked = 0;
  for (const auto& r : rows) {
    REQUIRE(r.size() == 8);  // x0, x1, t, c0, c1, c2, y0, y1
    int cls = -1;
    for (int c = 0; c < 3; ++c)
      if (r[3 + static_cast<std::size_t>(c)] == 1.0) cls = c;
    masked += cls < 0;
    Eigen::MatrixXd x(2, 1), y(2, 1);
    x << r[0], r[1];
    const Eigen::VectorXd cemb = net.class_embedding(cls);
    net.forward(x, net.time_embedding(r[2]), &cemb, y);
    INFO("class " << cls << ", t = " << r[2]);
    check_close(y(0, 0), r[6]);
    check_close(y(1, 0), r[7]);
  }
  CHECK(masked >= 1);
  // memcosim's shipped letters weights, float32-rounded; the class
  // embedding's output bias summed into the hidden biases.
  const nn::LoadedModel shipped = nn::load_weights(test::source_path("models/letters_score.yaml").string());
  const auto f = [](const auto& m) { return m.template cast<float>().template cast<double>().eval(); };
  CHECK(net.class_layers()[0].W == f(shipped.net.class_layers()[0].W));
  CHECK(net.class_layers()[1].W == f(shipped.net.class_layers()[1].W));
  CHECK(net.class_layers()[1].b.isZero(0.0));
  const Eigen::VectorXd b1 = f(shipped.net.layers()[0].b) + f(shipped.net.class_layers()[1].b);
  CHECK((net.layers()[0].b - b1).cwiseAbs().maxCoeff() <= 1e-15 * b1.cwiseAbs().maxCoeff());
}

TEST_CASE("onnx: a plain MLP imports for the neural-ODE twin and equals torch's forward pass") {
  if (!have_onnx()) return;
  const nn::OnnxImport imp = nn::import_onnx(fixture("twin_mlp.onnx"), nn::ImportTask::neural_ode, sde::VpSchedule{});
  REQUIRE(imp.mlp);
  const nn::Mlp& net = imp.mlp->net;
  CHECK(net.shape().input_dim == 3);
  CHECK(net.shape().hidden == std::vector<int>{16, 16});
  const auto rows = read_reference(fixture("twin_mlp.reference.csv"));
  REQUIRE(rows.size() >= 5);
  for (const auto& r : rows) {
    REQUIRE(r.size() == 5);  // x0, x1, x2, y0, y1
    Eigen::MatrixXd x(3, 1);
    x << r[0], r[1], r[2];
    const Eigen::MatrixXd y = net(x);
    check_close(y(0, 0), r[3]);
    check_close(y(1, 0), r[4]);
  }
  // model.file: x.onnx for a twin config (the HP memristor's shape, 2 -> 16 -> 16 -> 1).
  const config::Config hp = config::load_config(test::source_path("configs/hp_memristor.yaml").string(),
                                                {"model.file=../tests/data/onnx/hp_twin_mlp.onnx"});
  std::ostringstream warn;
  CHECK_NOTHROW(flow::load_task(hp, warn));
  CHECK(flow::load_onnx_mlp(hp).net.params() ==
        nn::import_onnx(fixture("hp_twin_mlp.onnx"), nn::ImportTask::neural_ode, sde::VpSchedule{}).mlp->net.params());
  const config::Config wrong = config::load_config(test::source_path("configs/hp_memristor.yaml").string(),
                                                   {"model.file=../tests/data/onnx/twin_mlp.onnx"});
  CHECK_THROWS_WITH(flow::load_task(wrong, warn), Catch::Contains("holds a network 3 -> 2"));
  // A score network without a time embedding is refused for the diffusion task.
  CHECK_THROWS_WITH(nn::import_onnx(fixture("twin_mlp.onnx"), nn::ImportTask::diffusion, sde::VpSchedule{}),
                    Catch::Contains("no time embedding found"));
}

TEST_CASE("onnx: memcosim import writes the weight file run reads, and prints what it recognised") {
  if (!have_onnx()) return;
  test::TempDir tmp("onnx_import");
  const std::string out = (tmp / "ring.yaml").string();
  const auto r = test::run_cli_argv({"import", fixture("ring_score.onnx"), "-o", out, "--config", "configs/ring.yaml"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("hidden1: dense 14x2 + bias + time embedding, ReLU '/Relu'"));
  CHECK_THAT(r.out, Catch::Contains("output: dense 2x14 + bias, gain 5 (/Mul)"));
  CHECK_THAT(r.out, Catch::Contains("7 frequencies"));
  CHECK_THAT(r.out, Catch::Contains("read as 2 pi"));
  const nn::LoadedModel written = nn::load_weights(out);
  const nn::OnnxImport direct =
      nn::import_onnx(fixture("ring_score.onnx"), nn::ImportTask::diffusion, sde::VpSchedule{});
  CHECK(written.net.params() == direct.score->net.params());
  CHECK(written.net.frequencies() == direct.score->net.frequencies());
  check_score_against_torch(written.net, fixture("ring_score.reference.csv"));

  const auto twin = test::run_cli_argv(
      {"import", fixture("twin_mlp.onnx"), "-o", (tmp / "mlp.yaml").string(), "--task", "neural_ode"});
  INFO(twin.out << twin.err);
  CHECK(twin.exit_code == 0);
  CHECK_THAT(twin.out, Catch::Contains("(memcosim-mlp)"));
}

TEST_CASE("onnx: model.file may name an .onnx file directly") {
  if (!have_onnx()) return;
  const config::Config cfg = config::load_config(test::source_path("configs/ring.yaml").string(),
                                                 {"model.file=../tests/data/onnx/ring_score.onnx"});
  std::ostringstream warn;
  const nn::LoadedModel m = tasks::diffusion::load_model(cfg, warn);
  CHECK(warn.str().empty());
  check_score_against_torch(m.net, fixture("ring_score.reference.csv"));
  CHECK(m.schedule.beta_max == cfg.schedule.beta_max);
  CHECK_NOTHROW(flow::load_task(cfg, warn));
  // The netlist command builds the circuit from it.
  const auto r =
      test::run_cli_argv({"netlist", "configs/ring.yaml", "--set", "model.file=../tests/data/onnx/ring_score.onnx"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("hidden"));
  // A broken one is reported at model.file and at the ONNX file.
  const auto bad =
      test::run_cli_argv({"netlist", "configs/ring.yaml", "--set", "model.file=../tests/data/onnx/bad_tanh.onnx"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("model.file"));
  CHECK_THAT(bad.err, Catch::Contains("bad_tanh.onnx: node '/Tanh' (Tanh"));
}

TEST_CASE("onnx: unsupported or malformed models are refused with exit 2, naming the node or the file") {
  if (!have_onnx()) return;
  struct Case {
    std::string file;
    std::vector<std::string> says;
  };
  const std::vector<Case> cases = {
      {"bad_tanh.onnx", {"node '/Tanh' (Tanh, inputs: /Add_output_0)", "rectifiers only"}},
      {"bad_conv.onnx",
       {"node '/conv/Conv' (Conv, inputs: /Unsqueeze_output_0, conv.weight, conv.bias)", "convolution"}},
      {"bad_dynamic_shape.onnx", {"graph input 'x' has a dynamic size 'features' in dimension 1"}},
      {"bad_nan_weights.onnx",
       {"node '/l2/Gemm' (Gemm, inputs: /Relu_output_0, l2.weight, l2.bias)", "holds nan at flat index 47"}},
      {"bad_truncated.onnx", {"not a readable ONNX model"}},
      {"bad_projected_embedding.onnx", {"node '/proj/Gemm' (Gemm", "a learned projection"}},
      {"bad_int_weights.onnx", {"node '/l1/Gemm' (Gemm", "has data type INT32: weights must be FLOAT or DOUBLE"}},
  };
  test::TempDir tmp("onnx_refuse");
  for (const Case& c : cases) {
    const std::string out = (tmp / "out.yaml").string();
    const auto r = test::run_cli_argv({"import", fixture(c.file), "-o", out});
    INFO(c.file << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("tests/data/onnx/" + c.file + ": "));
    for (const auto& s : c.says) CHECK_THAT(r.err, Catch::Contains(s));
    CHECK_FALSE(test::fs::exists(out));
  }
  // A missing file, and a file that is not ONNX at all.
  const auto missing = test::run_cli_argv({"import", (tmp / "none.onnx").string(), "-o", (tmp / "x.yaml").string()});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("none.onnx"));
  const auto yaml = test::run_cli_argv({"import", "configs/ring.yaml", "-o", (tmp / "x.yaml").string()});
  CHECK(yaml.exit_code == 2);
  CHECK_THAT(yaml.err, Catch::Contains("configs/ring.yaml: not a readable ONNX model"));
}

TEST_CASE("onnx: hand-built graphs: the embedding layout, skip connections and opsets are checked", "[onnx]") {
  // A graph written by hand (no protobuf): x [N, 2], t [N]; h = relu(W x + b + [sin, cos](2 pi w t)); y = 3 (V h + c).
  nn::onnx::Graph g;
  g.file = "hand.onnx";
  g.opsets = {{"", 13}};
  auto input = [](const std::string& name, std::vector<std::optional<std::int64_t>> dims) {
    nn::onnx::ValueInfo v;
    v.name = name;
    v.data_type = 1;
    v.has_shape = true;
    v.dims = dims;
    v.dim_names.assign(dims.size(), "batch");
    return v;
  };
  g.inputs = {input("x", {std::nullopt, 2}), input("t", {std::nullopt})};
  g.outputs = {input("y", {std::nullopt, 2})};
  auto tensor = [](const std::string& name, std::vector<std::int64_t> dims, std::vector<double> v) {
    nn::onnx::Tensor t;
    t.name = name;
    t.data_type = 1;
    t.dims = dims;
    t.values = v;
    return t;
  };
  auto ints = [](const std::string& name, std::vector<std::int64_t> v) {
    nn::onnx::Tensor t;
    t.name = name;
    t.data_type = 7;
    t.dims = {static_cast<std::int64_t>(v.size())};
    t.ints = v;
    return t;
  };
  g.initializers = {tensor("W", {2, 2}, {1, 2, 3, 4}),
                    tensor("b", {2}, {0.5, -0.5}),
                    tensor("w", {1, 1}, {0.25}),
                    tensor("twopi", {}, {6.283185307179586}),
                    tensor("V", {2, 2}, {1, -1, 2, 0.5}),
                    tensor("c", {2}, {0.1, 0.2}),
                    tensor("gain", {}, {3.0}),
                    ints("axes", {1})};
  auto node = [](const std::string& name, const std::string& op, std::vector<std::string> in, std::string out) {
    nn::onnx::Node n;
    n.name = name;
    n.op_type = op;
    n.inputs = in;
    n.outputs = {out};
    return n;
  };
  nn::onnx::Node concat = node("cat", "Concat", {"s", "co"}, "e");
  nn::onnx::Attribute axis;
  axis.name = "axis";
  axis.kind = nn::onnx::Attribute::Kind::integer;
  axis.i = -1;
  concat.attributes = {axis};
  nn::onnx::Node gemm = node("g1", "Gemm", {"x", "W", "b"}, "z");
  nn::onnx::Attribute transB;
  transB.name = "transB";
  transB.kind = nn::onnx::Attribute::Kind::integer;
  transB.i = 1;
  gemm.attributes = {transB};
  g.nodes = {node("u", "Unsqueeze", {"t", "axes"}, "tu"),
             node("m1", "Mul", {"tu", "w"}, "p1"),
             node("m2", "Mul", {"p1", "twopi"}, "p"),
             node("sin", "Sin", {"p"}, "s"),
             node("cos", "Cos", {"p"}, "co"),
             concat,
             gemm,
             node("a", "Add", {"z", "e"}, "pre"),
             node("r", "Relu", {"pre"}, "h"),
             node("mm", "MatMul", {"h", "V"}, "o"),
             node("ab", "Add", {"o", "c"}, "oc"),
             node("mg", "Mul", {"oc", "gain"}, "y")};

  const nn::OnnxImport imp = nn::import_graph(g, nn::ImportTask::diffusion, sde::VpSchedule{});
  REQUIRE(imp.score);
  const nn::ScoreNet& net = imp.score->net;
  // By hand: x = (1, -1), t = 0.5: phase = 2 pi 0.25 0.5 = pi/4.
  Eigen::MatrixXd x(2, 1), y(2, 1);
  x << 1, -1;
  net.forward(x, net.time_embedding(0.5), nullptr, y);
  const double s = std::sin(std::numbers::pi / 4), co = std::cos(std::numbers::pi / 4);
  const double h0 = std::max(0.0, 1 * 1 + 2 * -1 + 0.5 + s), h1 = std::max(0.0, 3 * 1 + 4 * -1 - 0.5 + co);
  // MatMul: o = h V, so o_j = sum_i h_i V[i][j].
  check_close(y(0, 0), 3.0 * (h0 * 1 + h1 * 2 + 0.1));
  check_close(y(1, 0), 3.0 * (h0 * -1 + h1 * 0.5 + 0.2));
  CHECK(net.arch().output_gain == 3.0);

  SECTION("cos before sin is not memcosim's layout") {
    g.nodes[5].inputs = {"co", "s"};
    CHECK_THROWS_WITH(nn::import_graph(g, nn::ImportTask::diffusion, sde::VpSchedule{}),
                      Catch::Contains("hand.onnx: hidden layer at Relu 'r': unit 0 receives cos"));
  }
  SECTION("a skip connection from the input to the output") {
    g.initializers.push_back(tensor("S", {2, 2}, {1, 0, 0, 1}));
    g.nodes.insert(g.nodes.end() - 1, node("skip", "MatMul", {"x", "S"}, "xs"));
    g.nodes.insert(g.nodes.end() - 1, node("res", "Add", {"oc", "xs"}, "ocs"));
    g.nodes.back().inputs[0] = "ocs";
    CHECK_THROWS_WITH(nn::import_graph(g, nn::ImportTask::diffusion, sde::VpSchedule{}),
                      Catch::Contains("skip or residual connection"));
  }
  SECTION("an opset outside 9 .. 17") {
    g.opsets = {{"", 18}};
    CHECK_THROWS_WITH(nn::import_graph(g, nn::ImportTask::diffusion, sde::VpSchedule{}),
                      Catch::Contains("opset ai.onnx 18 is not supported"));
  }
  SECTION("a product of two signals") {
    g.nodes.back().inputs = {"oc", "oc"};
    CHECK_THROWS_WITH(nn::import_graph(g, nn::ImportTask::diffusion, sde::VpSchedule{}),
                      Catch::Contains("node 'mg' (Mul, inputs: oc, oc): multiplies two signals"));
  }
  SECTION("a weight of the wrong shape") {
    g.initializers[0] = tensor("W", {2, 3}, {1, 2, 3, 4, 5, 6});
    CHECK_THROWS_WITH(
        nn::import_graph(g, nn::ImportTask::diffusion, sde::VpSchedule{}),
        Catch::Contains("node 'g1' (Gemm, inputs: x, W, b): the weight has 3 inputs, the signal 2 features"));
  }
  SECTION("an infinite bias") {
    g.initializers[1] = tensor("b", {2}, {0.5, INFINITY});
    CHECK_THROWS_WITH(nn::import_graph(g, nn::ImportTask::diffusion, sde::VpSchedule{}),
                      Catch::Contains("bias 'b' [2] holds inf at flat index 1"));
  }
}

TEST_CASE("onnx: scripts/make-onnx-fixtures.py regenerates the committed fixtures", "[slow]") {
  if (!have_onnx()) return;
  if (std::system("/usr/bin/python3 -c 'import torch, onnx, yaml' > /dev/null 2>&1") != 0) {
    WARN(
        "python3-torch, python3-onnx or python3-yaml not installed for /usr/bin/python3: fixture regeneration skipped");
    return;
  }
  test::TempDir tmp("onnx_fixtures");
  ProgramOptions o;
  o.cwd = test::source_path("");
  o.stdout_file = tmp / "log";
  o.stderr_file = tmp / "log.err";
  o.timeout_s = 600;
  const ProgramResult r = run_program(
      {"/usr/bin/python3", test::source_path("scripts/make-onnx-fixtures.py").string(), (tmp / "fx").string()}, o);
  INFO(test::read_text(tmp / "log.err"));
  REQUIRE(r.exit_code == 0);
  for (const std::string ref : {"ring_score.reference.csv", "ring_score_matmul.reference.csv", "twin_mlp.reference.csv",
                                "letters_score.reference.csv"}) {
    INFO(ref);
    const auto a = read_reference((tmp / "fx" / ref).string());
    const auto b = read_reference(fixture(ref));
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      REQUIRE(a[i].size() == b[i].size());
      for (std::size_t j = 0; j < a[i].size(); ++j)
        CHECK(std::abs(a[i][j] - b[i][j]) <= 1e-12 * std::abs(b[i][j]) + 1e-15);
    }
  }
  for (const std::string model :
       {"ring_score.onnx", "ring_score_opset11.onnx", "ring_score_matmul.onnx", "letters_score.onnx"}) {
    INFO(model);
    const auto a = nn::import_onnx((tmp / "fx" / model).string(), nn::ImportTask::diffusion, sde::VpSchedule{});
    const auto b = nn::import_onnx(fixture(model), nn::ImportTask::diffusion, sde::VpSchedule{});
    CHECK(a.score->net.params() == b.score->net.params());
    CHECK(a.score->net.frequencies() == b.score->net.frequencies());
    CHECK(a.score->net.arch() == b.score->net.arch());
  }
  for (const std::string model : {"twin_mlp.onnx", "hp_twin_mlp.onnx"}) {
    INFO(model);
    const auto a = nn::import_onnx((tmp / "fx" / model).string(), nn::ImportTask::neural_ode, sde::VpSchedule{});
    const auto b = nn::import_onnx(fixture(model), nn::ImportTask::neural_ode, sde::VpSchedule{});
    CHECK(a.mlp->net.params() == b.mlp->net.params());
  }
  for (const std::string bad : {"bad_tanh.onnx", "bad_conv.onnx", "bad_dynamic_shape.onnx", "bad_nan_weights.onnx",
                                "bad_truncated.onnx", "bad_projected_embedding.onnx", "bad_int_weights.onnx"}) {
    INFO(bad);
    CHECK_THROWS_AS(nn::import_onnx((tmp / "fx" / bad).string(), nn::ImportTask::diffusion, sde::VpSchedule{}),
                    InputError);
  }
}

TEST_CASE("onnx: a twin network with state and drive inputs concatenated in the graph", "[onnx]") {
  // Hand-built: s [N, 2], u [N, 1]; y = V relu(W concat(s, u) + b) + c, by hand for one point.
  nn::onnx::Graph g;
  g.file = "twin.onnx";
  g.opsets = {{"", 14}};
  auto input = [](const std::string& name, std::int64_t width) {
    nn::onnx::ValueInfo v;
    v.name = name;
    v.data_type = 1;
    v.has_shape = true;
    v.dims = {std::nullopt, width};
    v.dim_names = {"batch", ""};
    return v;
  };
  g.inputs = {input("s", 2), input("u", 1)};
  g.outputs = {input("y", 2)};
  auto tensor = [](const std::string& name, std::vector<std::int64_t> dims, std::vector<double> v) {
    nn::onnx::Tensor t;
    t.name = name;
    t.data_type = 11;
    t.dims = dims;
    t.values = v;
    return t;
  };
  g.initializers = {tensor("W", {3, 2}, {1, -1, 2, 0.5, -3, 1}), tensor("b", {2}, {0.1, -0.2}),
                    tensor("V", {2, 2}, {1, 2, -1, 0.5}), tensor("c", {2}, {0.3, 0.4})};
  auto node = [](const std::string& name, const std::string& op, std::vector<std::string> in, std::string out) {
    nn::onnx::Node n;
    n.name = name;
    n.op_type = op;
    n.inputs = in;
    n.outputs = {out};
    return n;
  };
  nn::onnx::Node cat = node("cat", "Concat", {"s", "u"}, "su");
  nn::onnx::Attribute axis;
  axis.name = "axis";
  axis.kind = nn::onnx::Attribute::Kind::integer;
  axis.i = 1;
  cat.attributes = {axis};
  g.nodes = {cat,
             node("mm", "MatMul", {"su", "W"}, "z"),
             node("ab", "Add", {"z", "b"}, "pre"),
             node("r", "Relu", {"pre"}, "h"),
             node("mm2", "MatMul", {"h", "V"}, "o"),
             node("ac", "Add", {"o", "c"}, "y")};
  const nn::OnnxImport imp = nn::import_graph(g, nn::ImportTask::neural_ode, sde::VpSchedule{});
  REQUIRE(imp.mlp);
  CHECK(imp.mlp->net.input_dim() == 3);
  Eigen::MatrixXd x(3, 1);
  x << 0.5, -1.0, 2.0;  // s = (0.5, -1), u = 2
  const Eigen::MatrixXd y = imp.mlp->net(x);
  // MatMul su (1x3) W (3x2): z_j = sum_i su_i W[i][j].
  const double h0 = std::max(0.0, 0.5 * 1 + -1.0 * 2 + 2.0 * -3 + 0.1);
  const double h1 = std::max(0.0, 0.5 * -1 + -1.0 * 0.5 + 2.0 * 1 - 0.2);
  check_close(y(0, 0), h0 * 1 + h1 * -1 + 0.3);
  check_close(y(1, 0), h0 * 2 + h1 * 0.5 + 0.4);
  CHECK(h1 > 0.0);  // the point exercises an active unit
  CHECK_THROWS_WITH(nn::import_graph(g, nn::ImportTask::diffusion, sde::VpSchedule{}),
                    Catch::Contains("twin.onnx: no time embedding found"));
}
