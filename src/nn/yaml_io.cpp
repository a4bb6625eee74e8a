#include "nn/yaml_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "util/error.hpp"
#include "util/files.hpp"
#include "util/limits.hpp"
#include "util/numbers.hpp"

namespace memcosim::nn::detail {

void Reader::check_header(const YAML::Node& root, const std::string& format, long long version) {
  auto fail = [&]() { throw InputError(std::move(diags_)); };
  report_.check_duplicate_keys(root, "", true);
  if (!diags_.empty()) fail();
  if (!root.IsMap()) {
    error(root, "", "expected a mapping with 'format: " + format + "'");
    fail();
  }
  if (const auto f = field(root, "", "format")) {
    const auto s = text(*f);
    if (s && *s != format) error(f->at(), f->path, "expected '" + format + "', got '" + *s + "'");
  }
  if (const auto f = field(root, "", "version")) {
    const auto v = integer<long long>(*f);
    if (v && *v != version)
      error(f->at(), f->path,
            "unsupported version " + std::to_string(*v) + " (this memcosim reads version " + std::to_string(version) +
                ")");
  }
  if (!diags_.empty()) fail();
}

std::string shape_text(Eigen::Index rows, Eigen::Index cols) {
  return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
}

// ---------------------------------------------------------------------------
// Writing

void emit_number(YAML::Emitter& out, double x) { out << exact_number(x); }

void emit_vector(YAML::Emitter& out, const Eigen::VectorXd& v) {
  out << YAML::Flow << YAML::BeginSeq;
  for (Eigen::Index i = 0; i < v.size(); ++i) emit_number(out, v[i]);
  out << YAML::EndSeq;
}

void emit_dense(YAML::Emitter& out, const std::string& name, const Dense& d) {
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << name;
  out << YAML::Key << "shape" << YAML::Value << YAML::Flow << YAML::BeginSeq << d.W.rows() << d.W.cols()
      << YAML::EndSeq;
  out << YAML::Key << "weight" << YAML::Value << YAML::BeginSeq;
  for (Eigen::Index r = 0; r < d.W.rows(); ++r) emit_vector(out, d.W.row(r).transpose());
  out << YAML::EndSeq;
  out << YAML::Key << "bias" << YAML::Value;
  emit_vector(out, d.b);
  out << YAML::EndMap;
}

void write_yaml_document(const std::string& path, const YAML::Emitter& out, const std::string& what) {
  if (!out.good()) throw Error("writing " + what + ": YAML emitter error: " + out.GetLastError());
  write_file(path, std::string(out.c_str()) + '\n', what);
}

// One Dense layer: {name, shape, weight, bias}. expected_rows/cols come from
// the architecture (or, if that is invalid, from the layer's own shape).
std::optional<Dense> read_dense(Reader& rd, const YAML::Node& node, const YAML::Node& at, const std::string& path,
                                const std::string& name, LayerShape expected) {
  if (!rd.expect_map(node, at, path)) return std::nullopt;
  rd.report().check_unknown_keys(node, path, {"name", "shape", "weight", "bias"});
  if (const auto f = rd.field(node, path, "name")) {
    const auto got = rd.text(*f);
    if (got && *got != name) rd.error(f->at(), f->path, "expected '" + name + "', got '" + *got + "'");
  }
  if (const auto f = rd.field(node, path, "shape")) {
    std::optional<std::pair<Eigen::Index, Eigen::Index>> declared;
    if (rd.expect_sequence(f->value, f->at(), f->path)) {
      if (f->value.size() != 2) {
        rd.error(f->at(), f->path, "expected [outputs, inputs], got " + std::to_string(f->value.size()) + " values");
      } else {
        const auto r = rd.integer<long long>(f->value[0], f->value[0], f->path + "[0]");
        const auto c = rd.integer<long long>(f->value[1], f->value[1], f->path + "[1]");
        if (r && c && (*r > limits::kMaxWidth || *c > limits::kMaxWidth || *r < 0 || *c < 0))
          rd.error(f->at(), f->path,
                   "each size must be 0.." + std::to_string(limits::kMaxWidth) + ", got " +
                       shape_text(static_cast<Eigen::Index>(*r), static_cast<Eigen::Index>(*c)));
        else if (r && c)
          declared = {{static_cast<Eigen::Index>(*r), static_cast<Eigen::Index>(*c)}};
      }
    }
    if (declared && expected && *declared != *expected)
      rd.error(f->at(), f->path,
               "expected " + shape_text(expected->first, expected->second) + " (from the architecture), got " +
                   shape_text(declared->first, declared->second));
    if (!expected && declared && declared->first >= 0 && declared->second >= 0) expected = declared;
  }
  const auto fw = rd.field(node, path, "weight");
  const auto fb = rd.field(node, path, "bias");
  if (!expected) return std::nullopt;
  std::optional<Eigen::MatrixXd> W;
  std::optional<Eigen::VectorXd> b;
  if (fw) W = rd.matrix(fw->value, fw->at(), fw->path, expected->first, expected->second);
  if (fb) b = rd.vector(fb->value, fb->at(), fb->path, expected->first);
  if (!W || !b) return std::nullopt;
  return Dense{std::move(*W), std::move(*b)};
}

// A sequence of Dense layers with the given names and expected shapes
// (nullopt entries: shapes unknown because the architecture is invalid).
std::optional<std::vector<Dense>> read_dense_list(Reader& rd, const Reader::Field& f,
                                                  const std::vector<std::string>& names,
                                                  const std::vector<LayerShape>& shapes,
                                                  const std::string& count_rule) {
  if (!rd.expect_sequence(f.value, f.at(), f.path)) return std::nullopt;
  if (f.value.size() != names.size()) {
    rd.error(f.at(), f.path,
             "expected " + std::to_string(names.size()) + " layers (" + count_rule + "), got " +
                 std::to_string(f.value.size()));
  }
  std::vector<Dense> out;
  bool ok = f.value.size() == names.size();
  const std::size_t n = std::min<std::size_t>(f.value.size(), names.size());
  for (std::size_t l = 0; l < n; ++l) {
    const YAML::Node item = f.value[l];
    auto d = read_dense(rd, item, item, f.path + "[" + std::to_string(l) + "]", names[l], shapes[l]);
    if (d)
      out.push_back(std::move(*d));
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace memcosim::nn::detail
