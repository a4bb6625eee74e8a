#include "tasks/prime/model.hpp"

#include "nn/yaml_io.hpp"
#include "util/error.hpp"
#include "util/limits.hpp"

namespace memcosim::tasks::prime {

namespace {

constexpr const char* kFormat = "memcosim-prime-1";
constexpr const char* kWhat = "PRIME model file";

void emit_mask(YAML::Emitter& out, const Eigen::MatrixXf& m) {
  out << YAML::BeginSeq;
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    std::string row(static_cast<std::size_t>(m.cols()), '0');
    for (Eigen::Index c = 0; c < m.cols(); ++c)
      if (m(r, c) != 0.0f) row[static_cast<std::size_t>(c)] = '1';
    out << YAML::DoubleQuoted << row;
  }
  out << YAML::EndSeq;
}

void emit_json(YAML::Emitter& out, const nlohmann::json& j) {
  if (j.is_object()) {
    out << YAML::BeginMap;
    for (auto it = j.begin(); it != j.end(); ++it) {
      out << YAML::Key << it.key() << YAML::Value;
      emit_json(out, it.value());
    }
    out << YAML::EndMap;
  } else if (j.is_array()) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& e : j) emit_json(out, e);
    out << YAML::EndSeq;
  } else if (j.is_number_float()) {
    nn::detail::emit_number(out, j.get<double>());
  } else if (j.is_number()) {
    out << j.dump();
  } else if (j.is_boolean()) {
    out << (j.get<bool>() ? "true" : "false");
  } else if (j.is_string()) {
    out << YAML::DoubleQuoted << j.get<std::string>();
  } else {
    out << YAML::Null;
  }
}

std::optional<Eigen::MatrixXf> read_mask(nn::detail::Reader& rd, const nn::detail::Reader::Field& f, Eigen::Index rows,
                                         Eigen::Index cols) {
  if (!rd.expect_sequence(f.value, f.at(), f.path)) return std::nullopt;
  if (static_cast<Eigen::Index>(f.value.size()) != rows) {
    rd.error(f.at(), f.path, "expected " + std::to_string(rows) + " rows, got " + std::to_string(f.value.size()));
    return std::nullopt;
  }
  Eigen::MatrixXf m(rows, cols);
  bool ok = true;
  for (Eigen::Index r = 0; r < rows; ++r) {
    const YAML::Node row = f.value[static_cast<std::size_t>(r)];
    const std::string path = f.path + "[" + std::to_string(r) + "]";
    if (!row.IsScalar() || static_cast<Eigen::Index>(row.Scalar().size()) != cols ||
        row.Scalar().find_first_not_of("01") != std::string::npos) {
      rd.error(row, path, "expected a string of " + std::to_string(cols) + " characters 0 or 1");
      ok = false;
      continue;
    }
    for (Eigen::Index c = 0; c < cols; ++c) m(r, c) = row.Scalar()[static_cast<std::size_t>(c)] == '1' ? 1.0f : 0.0f;
  }
  if (!ok) return std::nullopt;
  return m;
}

}  // namespace

void write_model(const std::string& path, const SpikingNet& net, double sparsity, const nlohmann::json& training) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "format" << YAML::Value << kFormat;
  out << YAML::Key << "inputs" << YAML::Value << net.inputs();
  out << YAML::Key << "hidden" << YAML::Value << net.hidden();
  out << YAML::Key << "outputs" << YAML::Value << net.outputs();
  out << YAML::Key << "beta" << YAML::Value;
  nn::detail::emit_number(out, net.beta);
  out << YAML::Key << "threshold" << YAML::Value;
  nn::detail::emit_number(out, net.threshold);
  out << YAML::Key << "output_beta" << YAML::Value;
  nn::detail::emit_number(out, net.output_beta);
  out << YAML::Key << "sparsity" << YAML::Value;
  nn::detail::emit_number(out, sparsity);
  out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
  nn::detail::emit_dense(out, "hidden", nn::Dense{net.w1.cast<double>(), Eigen::VectorXd::Zero(net.hidden())});
  nn::detail::emit_dense(out, "output", nn::Dense{net.w2.cast<double>(), Eigen::VectorXd::Zero(net.outputs())});
  out << YAML::EndSeq;
  out << YAML::Key << "masks" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "hidden" << YAML::Value;
  emit_mask(out, net.m1);
  out << YAML::Key << "output" << YAML::Value;
  emit_mask(out, net.m2);
  out << YAML::EndMap;
  out << YAML::Key << "training" << YAML::Value;
  emit_json(out, training);
  out << YAML::EndMap;
  nn::detail::write_yaml_document(path, out, kWhat);
}

LoadedModel read_model(const std::string& path) {
  const YAML::Node doc = yamldiag::load_document(path, kWhat);
  nn::detail::Reader rd(path);
  rd.report().check_duplicate_keys(doc, "", true);
  if (!rd.expect_map(doc, doc, "")) throw InputError(rd.diagnostics());
  rd.report().check_unknown_keys(doc, "",
                                 {"format", "inputs", "hidden", "outputs", "beta", "threshold", "output_beta",
                                  "sparsity", "layers", "masks", "training"});
  if (const auto f = rd.field(doc, "", "format")) {
    const auto v = rd.text(*f);
    if (v && *v != kFormat) rd.error(f->at(), f->path, "expected '" + std::string(kFormat) + "', got '" + *v + "'");
  }
  auto size = [&](const char* key) -> Eigen::Index {
    const auto f = rd.field(doc, "", key);
    if (!f) return -1;
    const auto v = rd.integer<long long>(*f);
    if (v && (*v < 1 || *v > limits::kMaxWidth)) {
      rd.error(f->at(), f->path,
               "must be 1.." + std::to_string(limits::kMaxWidth) + " (got " + std::to_string(*v) + ")");
      return -1;
    }
    return v ? static_cast<Eigen::Index>(*v) : -1;
  };
  const Eigen::Index n_in = size("inputs"), n_hid = size("hidden"), n_out = size("outputs");
  LoadedModel m;
  m.path = path;
  auto real = [&](const char* key, double& into) {
    if (const auto f = rd.field(doc, "", key))
      if (const auto v = rd.real(*f)) into = *v;
  };
  real("beta", m.net.beta);
  real("threshold", m.net.threshold);
  real("output_beta", m.net.output_beta);
  real("sparsity", m.sparsity);
  const bool sizes = n_in > 0 && n_hid > 0 && n_out > 0;
  if (const auto f = rd.field(doc, "", "layers"); f && sizes) {
    const auto layers = nn::detail::read_dense_list(rd, *f, {"hidden", "output"},
                                                    {std::pair{n_hid, n_in}, std::pair{n_out, n_hid}}, "2 layers");
    if (layers) {
      m.net.w1 = (*layers)[0].W.cast<float>();
      m.net.w2 = (*layers)[1].W.cast<float>();
    }
  }
  if (const auto f = rd.field(doc, "", "masks"); f && sizes && rd.expect_map(f->value, f->at(), f->path)) {
    rd.report().check_unknown_keys(f->value, f->path, {"hidden", "output"});
    if (const auto h = rd.field(f->value, f->path, "hidden"))
      if (auto mk = read_mask(rd, *h, n_hid, n_in)) m.net.m1 = std::move(*mk);
    if (const auto o = rd.field(f->value, f->path, "output"))
      if (auto mk = read_mask(rd, *o, n_out, n_hid)) m.net.m2 = std::move(*mk);
  }
  if (!rd.diagnostics().empty()) throw InputError(rd.diagnostics());
  return m;
}

}  // namespace memcosim::tasks::prime
