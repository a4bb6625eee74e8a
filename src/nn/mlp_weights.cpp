#include "nn/mlp_weights.hpp"

#include <stdexcept>

#include "nn/yaml_io.hpp"
#include "util/numbers.hpp"

namespace memcosim::nn {

using namespace detail;

namespace {

constexpr const char* kFormat = "memcosim-mlp";
constexpr int kVersion = 1;

std::string layer_name(std::size_t l, std::size_t num_hidden) {
  return l < num_hidden ? "hidden" + std::to_string(l + 1) : "output";
}

void emit_key_number(YAML::Emitter& out, const std::string& key, double v) {
  out << YAML::Key << key << YAML::Value;
  emit_number(out, v);
}

}  // namespace

void save_mlp(const std::string& path, const Mlp& net, const MlpProvenance& p) {
  if (!net.params().allFinite() || !net.input_offset().allFinite() || !net.input_scale().allFinite() ||
      !net.output_scale().allFinite())
    throw std::invalid_argument("save_mlp: the network has non-finite values");
  if ((net.input_scale().array() <= 0).any() || (net.output_scale().array() <= 0).any())
    throw std::invalid_argument("save_mlp: normalisation scales must be > 0");
  const MlpShape& a = net.shape();
  YAML::Emitter out;
  out << YAML::Comment("memcosim MLP. weight rows are output neurons; see src/nn/mlp_weights.hpp");
  out << YAML::BeginMap;
  out << YAML::Key << "format" << YAML::Value << kFormat;
  out << YAML::Key << "version" << YAML::Value << kVersion;
  out << YAML::Key << "architecture" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "input_dim" << YAML::Value << a.input_dim;
  out << YAML::Key << "hidden" << YAML::Value << YAML::Flow << a.hidden;
  out << YAML::Key << "output_dim" << YAML::Value << a.output_dim;
  out << YAML::Key << "activation" << YAML::Value << "relu";
  out << YAML::EndMap;
  out << YAML::Key << "normalization" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "input_offset" << YAML::Value;
  emit_vector(out, net.input_offset());
  out << YAML::Key << "input_scale" << YAML::Value;
  emit_vector(out, net.input_scale());
  out << YAML::Key << "output_scale" << YAML::Value;
  emit_vector(out, net.output_scale());
  out << YAML::EndMap;
  if (!p.system.empty()) {
    out << YAML::Key << "system" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "kind" << YAML::Value << p.system;
    out << YAML::Key << "description" << YAML::Value << p.system_description;
    out << YAML::Key << "parameters" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : p.system_parameters) emit_key_number(out, k, v);
    out << YAML::EndMap << YAML::EndMap;
  }
  out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
  for (std::size_t l = 0; l < net.layers().size(); ++l)
    emit_dense(out, layer_name(l, a.hidden.size()), net.layers()[l]);
  out << YAML::EndSeq;
  out << YAML::Key << "training" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "config" << YAML::Value << p.config;
  out << YAML::Key << "seed" << YAML::Value << p.seed;
  out << YAML::Key << "derivative_epochs" << YAML::Value << p.derivative_epochs;
  out << YAML::Key << "trajectory_steps" << YAML::Value << p.trajectory_steps;
  out << YAML::Key << "steps" << YAML::Value << p.steps;
  emit_key_number(out, "derivative_loss", p.derivative_loss);
  emit_key_number(out, "trajectory_loss", p.trajectory_loss);
  emit_key_number(out, "train_seconds", p.train_seconds);
  out << YAML::Key << "dataset" << YAML::Value << p.dataset;
  out << YAML::Key << "memcosim_version" << YAML::Value << p.memcosim_version;
  out << YAML::EndMap;
  out << YAML::EndMap;
  write_yaml_document(path, out, "MLP weights file");
}

LoadedMlp load_mlp(const std::string& path) {
  const YAML::Node root = yamldiag::load_document(path, "MLP weights file");
  Reader rd(path);
  auto fail = [&]() { throw InputError(std::move(rd.diagnostics())); };
  rd.check_header(root, kFormat, kVersion);
  rd.report().check_unknown_keys(
      root, "", {"format", "version", "architecture", "normalization", "system", "layers", "training"});

  // Architecture.
  MlpShape shape;
  bool shape_ok = false;
  if (const auto fa = rd.field(root, "", "architecture"); fa && rd.expect_map(fa->value, fa->at(), fa->path)) {
    const YAML::Node& A = fa->value;
    const std::string& P = fa->path;
    rd.report().check_unknown_keys(A, P, {"input_dim", "hidden", "output_dim", "activation"});
    bool parsed = true;
    auto read_int = [&](const char* key, int& dst) {
      const auto f = rd.field(A, P, key);
      const auto v = f ? rd.integer<int>(*f) : std::nullopt;
      if (v)
        dst = *v;
      else
        parsed = false;
    };
    read_int("input_dim", shape.input_dim);
    read_int("output_dim", shape.output_dim);
    if (const auto f = rd.field(A, P, "activation")) {
      const auto s = rd.text(*f);
      if (s && *s != "relu") rd.error(f->at(), f->path, "expected 'relu', got '" + *s + "'");
    }
    const std::optional<Reader::Field> fh = rd.field(A, P, "hidden");
    if (!fh || !rd.integers(*fh, shape.hidden)) parsed = false;
    if (parsed) {
      for (const auto& [key, message] : shape.problems()) {
        YAML::Node at = A;
        if (key.rfind("hidden[", 0) == 0)
          at = fh->value[std::stoul(key.substr(7))];
        else if (const auto f = rd.field(A, P, key, false))
          at = f->at();
        rd.error(at, P + "." + key, message);
      }
      shape_ok = shape.problems().empty();
    }
  }

  // Normalisation.
  std::optional<Eigen::VectorXd> offset, in_scale, out_scale;
  if (const auto fn = rd.field(root, "", "normalization"); fn && rd.expect_map(fn->value, fn->at(), fn->path)) {
    rd.report().check_unknown_keys(fn->value, fn->path, {"input_offset", "input_scale", "output_scale"});
    auto read_vec = [&](const char* key, Eigen::Index n, bool positive) -> std::optional<Eigen::VectorXd> {
      const auto f = rd.field(fn->value, fn->path, key);
      if (!f || !shape_ok) return std::nullopt;
      auto v = rd.vector(f->value, f->at(), f->path, n);
      if (v && positive)
        for (Eigen::Index i = 0; i < v->size(); ++i)
          if (!((*v)[i] > 0)) {
            const YAML::Node e = f->value[static_cast<std::size_t>(i)];
            rd.error(e, f->path + "[" + std::to_string(i) + "]", "must be > 0 (got " + exact_number((*v)[i]) + ")");
            v.reset();
            break;
          }
      return v;
    };
    offset = read_vec("input_offset", shape.input_dim, false);
    in_scale = read_vec("input_scale", shape.input_dim, true);
    out_scale = read_vec("output_scale", shape.output_dim, true);
  }

  MlpProvenance prov;
  prov.memcosim_version.clear();
  // System: optional.
  if (const auto fs = rd.field(root, "", "system", false); fs && rd.expect_map(fs->value, fs->at(), fs->path)) {
    rd.report().check_unknown_keys(fs->value, fs->path, {"kind", "description", "parameters"});
    if (const auto f = rd.field(fs->value, fs->path, "kind"))
      if (const auto v = rd.text(*f)) prov.system = *v;
    if (const auto f = rd.field(fs->value, fs->path, "description", false))
      if (const auto v = rd.text(*f)) prov.system_description = *v;
    if (const auto f = rd.field(fs->value, fs->path, "parameters", false);
        f && rd.expect_map(f->value, f->at(), f->path))
      for (auto it = f->value.begin(); it != f->value.end(); ++it) {
        const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
        if (const auto v = rd.real(it->second, it->second, f->path + "." + key))
          prov.system_parameters.emplace_back(key, *v);
      }
  }

  // Layers.
  std::optional<std::vector<Dense>> layers;
  if (const auto fl = rd.field(root, "", "layers")) {
    std::vector<std::string> names;
    std::vector<LayerShape> shapes;
    if (shape_ok) {
      Eigen::Index fan_in = shape.input_dim;
      for (std::size_t l = 0; l <= shape.hidden.size(); ++l) {
        const Eigen::Index rows = l < shape.hidden.size() ? shape.hidden[l] : shape.output_dim;
        names.push_back(layer_name(l, shape.hidden.size()));
        shapes.push_back({{rows, fan_in}});
        fan_in = rows;
      }
      layers = read_dense_list(rd, *fl, names, shapes, "one per hidden width and the output");
    } else if (rd.expect_sequence(fl->value, fl->at(), fl->path)) {
      for (std::size_t l = 0; l < fl->value.size(); ++l) {
        names.push_back(layer_name(l, fl->value.size() - 1));
        shapes.emplace_back();
      }
      read_dense_list(rd, *fl, names, shapes, "as listed");
    }
  }

  // Training summary: optional, every field optional.
  if (const auto ft = rd.field(root, "", "training", false); ft && rd.expect_map(ft->value, ft->at(), ft->path)) {
    const YAML::Node& T = ft->value;
    const std::string& P = ft->path;
    rd.report().check_unknown_keys(
        T, P,
        {"config", "seed", "derivative_epochs", "trajectory_steps", "steps", "derivative_loss", "trajectory_loss",
         "train_seconds", "dataset", "memcosim_version"});
    rd.optional(T, P, "config", prov.config);
    rd.optional(T, P, "dataset", prov.dataset);
    rd.optional(T, P, "memcosim_version", prov.memcosim_version);
    rd.optional(T, P, "derivative_loss", prov.derivative_loss);
    rd.optional(T, P, "trajectory_loss", prov.trajectory_loss);
    rd.optional(T, P, "train_seconds", prov.train_seconds);
    rd.optional(T, P, "seed", prov.seed);
    rd.optional(T, P, "derivative_epochs", prov.derivative_epochs);
    rd.optional(T, P, "trajectory_steps", prov.trajectory_steps);
    rd.optional(T, P, "steps", prov.steps);
  }

  if (!rd.diagnostics().empty()) fail();
  LoadedMlp m{Mlp(shape), prov};
  m.net.layers() = std::move(*layers);
  m.net.input_offset() = *offset;
  m.net.input_scale() = *in_scale;
  m.net.output_scale() = *out_scale;
  return m;
}

}  // namespace memcosim::nn
