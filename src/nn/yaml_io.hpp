// Internal to src/nn: the YAML pieces every weight file shares (score
// networks in weights.cpp, plain MLPs in mlp_weights.cpp): numbers written
// as the shortest exact decimal text, dense layers {name, shape, weight,
// bias}, and a reader that collects every problem as a located diagnostic
// (file:line:column and key path) instead of stopping at the first.
#pragma once

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <Eigen/Core>

#include "nn/score_net.hpp"
#include "util/error.hpp"
#include "util/yaml_diag.hpp"

namespace memcosim::nn::detail {

std::string shape_text(Eigen::Index rows, Eigen::Index cols);

void emit_number(YAML::Emitter& out, double x);
void emit_vector(YAML::Emitter& out, const Eigen::VectorXd& v);
void emit_dense(YAML::Emitter& out, const std::string& name, const Dense& d);

// Reading a weight file: yamldiag::load_document (util/yaml_diag.hpp).
// Writes the emitter's text; Error naming the file when it cannot.
void write_yaml_document(const std::string& path, const YAML::Emitter& out, const std::string& what);

// ---------------------------------------------------------------------------
// Reading: every check appends a Diagnostic and reading goes on, so one pass
// reports everything it can.

class Reader {
 public:
  explicit Reader(std::string file) : report_(std::move(file), diags_) {}
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  std::vector<Diagnostic>& diagnostics() { return diags_; }
  // Locations, unknown keys and duplicate keys, as in every YAML file.
  const yamldiag::Reporter& report() const { return report_; }

  void error(const YAML::Node& at, const std::string& path, const std::string& message) {
    report_.error(at, path, message);
  }

  // The top of every weight file: duplicate keys anywhere, a mapping, then
  // `format: <format>` and `version: <version>`, without which nothing else
  // can be read. Throws InputError with what it found.
  void check_header(const YAML::Node& root, const std::string& format, long long version);

  // A value of a map together with its key node. Errors about a null value
  // are reported at the key (the null node's mark is where the parser went on).
  struct Field {
    YAML::Node key, value;
    std::string path;
    const YAML::Node& at() const { return value.IsNull() ? key : value; }
  };

  // map[key]; a missing required key is reported at the map.
  std::optional<Field> field(const YAML::Node& map, const std::string& map_path, const std::string& key,
                             bool required = true) {
    const std::string path = yamldiag::join_key(map_path, key);
    for (auto it = map.begin(); it != map.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == key) return Field{it->first, it->second, path};
    if (required) error(map, path, "missing required key '" + key + "'");
    return std::nullopt;
  }

  bool expect_map(const YAML::Node& n, const YAML::Node& at, const std::string& path) {
    if (n.IsMap()) return true;
    error(at, path, "expected a mapping, got " + kind(n));
    return false;
  }
  bool expect_sequence(const YAML::Node& n, const YAML::Node& at, const std::string& path) {
    if (n.IsSequence()) return true;
    error(at, path, "expected a sequence, got " + kind(n));
    return false;
  }

  std::optional<double> real(const YAML::Node& n, const YAML::Node& at, const std::string& path) {
    if (!n.IsScalar()) {
      error(at, path, "expected a number, got " + kind(n));
      return std::nullopt;
    }
    const std::string& s = n.Scalar();
    const std::optional<double> v = parse_real(s);
    if (!v) {
      error(at, path, "expected a number, got '" + s + "'");
      return std::nullopt;
    }
    if (!std::isfinite(*v)) {
      error(at, path, "must be a finite number (got " + s + ")");
      return std::nullopt;
    }
    return v;
  }
  std::optional<double> real(const Field& f) { return real(f.value, f.at(), f.path); }

  template <class Int>
  std::optional<Int> integer(const YAML::Node& n, const YAML::Node& at, const std::string& path) {
    if (!n.IsScalar()) {
      error(at, path, "expected an integer, got " + kind(n));
      return std::nullopt;
    }
    const std::string& s = n.Scalar();
    const char* first = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
    Int v{};
    const auto [ptr, ec] = std::from_chars(first, s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range) {
      error(at, path, "integer out of range (got " + s + ")");
      return std::nullopt;
    }
    if (ec != std::errc{} || ptr != s.data() + s.size() || first == s.data() + s.size()) {
      error(at, path, "expected an integer, got '" + s + "'");
      return std::nullopt;
    }
    return v;
  }
  template <class Int>
  std::optional<Int> integer(const Field& f) {
    return integer<Int>(f.value, f.at(), f.path);
  }

  // A sequence of integers into out (cleared; the valid elements, each bad
  // one reported); true when it is a sequence and every element is valid.
  template <class Int>
  bool integers(const Field& f, std::vector<Int>& out) {
    if (!expect_sequence(f.value, f.at(), f.path)) return false;
    out.clear();
    bool ok = true;
    for (std::size_t l = 0; l < f.value.size(); ++l) {
      const YAML::Node e = f.value[l];
      const auto w = integer<Int>(e, e, f.path + "[" + std::to_string(l) + "]");
      if (w)
        out.push_back(*w);
      else
        ok = false;
    }
    return ok;
  }

  // An optional scalar field (a string, a floating-point number or an
  // integer, as dst is): its value goes to dst when map has the key and the
  // value is valid; a wrong value is reported, a missing key leaves dst.
  template <class T>
  void optional(const YAML::Node& map, const std::string& map_path, const char* key, T& dst) {
    const auto f = field(map, map_path, key, false);
    if (!f) return;
    if constexpr (std::is_same_v<T, std::string>) {
      if (auto v = text(*f)) dst = *v;
    } else if constexpr (std::is_floating_point_v<T>) {
      if (auto v = real(*f)) dst = *v;
    } else {
      if (auto v = integer<T>(*f)) dst = *v;
    }
  }

  std::optional<std::string> text(const Field& f) {
    if (!f.value.IsScalar()) {
      error(f.at(), f.path, "expected a string, got " + kind(f.value));
      return std::nullopt;
    }
    return f.value.Scalar();
  }

  // A flow or block sequence of exactly `size` numbers. The length is
  // checked before anything is allocated.
  std::optional<Eigen::VectorXd> vector(const YAML::Node& n, const YAML::Node& at, const std::string& path,
                                        Eigen::Index size) {
    if (!expect_sequence(n, at, path)) return std::nullopt;
    if (static_cast<Eigen::Index>(n.size()) != size) {
      error(at, path, "expected " + std::to_string(size) + " values, got " + std::to_string(n.size()));
      return std::nullopt;
    }
    Eigen::VectorXd v(size);
    bool ok = true;
    for (Eigen::Index i = 0; i < size; ++i) {
      const YAML::Node e = n[static_cast<std::size_t>(i)];
      const auto x = real(e, e, path + "[" + std::to_string(i) + "]");
      if (x)
        v[i] = *x;
      else
        ok = false;
    }
    if (!ok) return std::nullopt;
    return v;
  }

  // A sequence of `rows` rows of `cols` numbers each.
  std::optional<Eigen::MatrixXd> matrix(const YAML::Node& n, const YAML::Node& at, const std::string& path,
                                        Eigen::Index rows, Eigen::Index cols) {
    if (!expect_sequence(n, at, path)) return std::nullopt;
    if (static_cast<Eigen::Index>(n.size()) != rows) {
      error(at, path,
            "expected " + std::to_string(rows) + " rows of " + std::to_string(cols) + " values (shape " +
                shape_text(rows, cols) + "), got " + std::to_string(n.size()) + " rows");
      return std::nullopt;
    }
    Eigen::MatrixXd m(rows, cols);
    bool ok = true;
    for (Eigen::Index r = 0; r < rows; ++r) {
      const YAML::Node row = n[static_cast<std::size_t>(r)];
      const auto v = vector(row, row, path + "[" + std::to_string(r) + "]", cols);
      if (v)
        m.row(r) = v->transpose();
      else
        ok = false;
    }
    if (!ok) return std::nullopt;
    return m;
  }

 private:
  static std::string kind(const YAML::Node& n) {
    switch (n.Type()) {
      case YAML::NodeType::Null:
        return "nothing (null)";
      case YAML::NodeType::Scalar:
        return "'" + n.Scalar() + "'";
      case YAML::NodeType::Sequence:
        return "a sequence";
      case YAML::NodeType::Map:
        return "a mapping";
      default:
        return "nothing";
    }
  }

  // YAML 1.2 floats: decimal/scientific text, .inf/.Inf/.INF with optional
  // sign, .nan/.NaN/.NAN. Parsed with std::from_chars (locale-independent,
  // correctly rounded).
  static std::optional<double> parse_real(const std::string& s) {
    std::string_view v(s);
    bool negative = false;
    if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
      negative = v[0] == '-';
      v.remove_prefix(1);
    }
    if (v == ".inf" || v == ".Inf" || v == ".INF")
      return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    if ((v == ".nan" || v == ".NaN" || v == ".NAN") && s.size() == v.size())
      return std::numeric_limits<double>::quiet_NaN();
    if (v.empty() || !(std::isdigit(static_cast<unsigned char>(v[0])) || v[0] == '.'))
      return std::nullopt;  // rejects from_chars' "nan", "inf" and a doubled sign
    double x = 0.0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc{} || ptr != v.data() + v.size()) return std::nullopt;
    return negative ? -x : x;
  }

  std::vector<Diagnostic> diags_;
  yamldiag::Reporter report_;
};

using LayerShape = std::optional<std::pair<Eigen::Index, Eigen::Index>>;

// One Dense layer: {name, shape, weight, bias}. expected: the shape the
// architecture implies (or nullopt if it is invalid; then the layer's own).
std::optional<Dense> read_dense(Reader& rd, const YAML::Node& node, const YAML::Node& at, const std::string& path,
                                const std::string& name, LayerShape expected);
// A sequence of Dense layers with the given names and expected shapes.
std::optional<std::vector<Dense>> read_dense_list(Reader& rd, const Reader::Field& f,
                                                  const std::vector<std::string>& names,
                                                  const std::vector<LayerShape>& shapes, const std::string& count_rule);

}  // namespace memcosim::nn::detail
