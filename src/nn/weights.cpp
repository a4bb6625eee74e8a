#include "nn/weights.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/reflect.hpp"
#include "nn/format.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/limits.hpp"

namespace memcosim::nn {

namespace {

constexpr const char* kFormat = "memcosim-score-network";
constexpr int kVersion = 1;

std::string layer_name(std::size_t l, std::size_t num_hidden) {
  return l < num_hidden ? "hidden" + std::to_string(l + 1) : "output";
}

std::string shape_text(Eigen::Index rows, Eigen::Index cols) {
  return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
}

// ---------------------------------------------------------------------------
// Writing

void emit_number(YAML::Emitter& out, double x) { out << detail::format_double(x); }

void emit_vector(YAML::Emitter& out, const Eigen::VectorXd& v) {
  out << YAML::Flow << YAML::BeginSeq;
  for (Eigen::Index i = 0; i < v.size(); ++i) emit_number(out, v[i]);
  out << YAML::EndSeq;
}

void emit_dense(YAML::Emitter& out, const std::string& name, const Dense& d) {
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << name;
  out << YAML::Key << "shape" << YAML::Value << YAML::Flow << YAML::BeginSeq << d.W.rows()
      << d.W.cols() << YAML::EndSeq;
  out << YAML::Key << "weight" << YAML::Value << YAML::BeginSeq;
  for (Eigen::Index r = 0; r < d.W.rows(); ++r) emit_vector(out, d.W.row(r).transpose());
  out << YAML::EndSeq;
  out << YAML::Key << "bias" << YAML::Value;
  emit_vector(out, d.b);
  out << YAML::EndMap;
}

// ---------------------------------------------------------------------------
// Reading: every check appends a Diagnostic and reading goes on, so one pass
// reports everything it can.

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  std::vector<Diagnostic>& diagnostics() { return diags_; }

  SourceLocation where(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    if (m.line < 0) return {file_, 0, 0};
    return {file_, m.line + 1, m.column + 1};  // yaml-cpp marks are 0-based
  }
  void error(const YAML::Node& at, const std::string& path, const std::string& message) {
    diags_.push_back({where(at), path, message});
  }

  // A value of a map together with its key node. Errors about a null value
  // are reported at the key (the null node's mark is where the parser went on).
  struct Field {
    YAML::Node key, value;
    std::string path;
    const YAML::Node& at() const { return value.IsNull() ? key : value; }
  };

  // map[key]; a missing required key is reported at the map.
  std::optional<Field> field(const YAML::Node& map, const std::string& map_path,
                             const std::string& key, bool required = true) {
    const std::string path = map_path.empty() ? key : map_path + "." + key;
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

  void reject_unknown_keys(const YAML::Node& map, const std::string& map_path,
                           std::initializer_list<const char*> allowed) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
      bool known = false;
      for (const char* a : allowed) known = known || key == a;
      if (!known) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        error(it->first, map_path.empty() ? key : map_path + "." + key,
              "unknown key (expected one of: " + list + ")");
      }
    }
  }

  // Everywhere in the tree: a key given twice in one mapping (yaml-cpp
  // keeps both, and lookups would see only the first).
  void reject_duplicate_keys(const YAML::Node& n, const std::string& path) {
    if (n.IsSequence()) {
      for (std::size_t i = 0; i < n.size(); ++i) reject_duplicate_keys(n[i], path + "[" + std::to_string(i) + "]");
      return;
    }
    if (!n.IsMap()) return;
    std::vector<std::pair<std::string, int>> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
      const std::string sub = path.empty() ? key : path + "." + key;
      const auto first = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == key; });
      if (first != seen.end())
        error(it->first, sub, "duplicate key (first given on line " + std::to_string(first->second) + ")");
      else
        seen.emplace_back(key, it->first.Mark().line + 1);
      reject_duplicate_keys(it->second, sub);
    }
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

  std::optional<std::string> text(const Field& f) {
    if (!f.value.IsScalar()) {
      error(f.at(), f.path, "expected a string, got " + kind(f.value));
      return std::nullopt;
    }
    return f.value.Scalar();
  }

  // A flow or block sequence of exactly `size` numbers. The length is
  // checked before anything is allocated.
  std::optional<Eigen::VectorXd> vector(const YAML::Node& n, const YAML::Node& at,
                                        const std::string& path, Eigen::Index size) {
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
  std::optional<Eigen::MatrixXd> matrix(const YAML::Node& n, const YAML::Node& at,
                                        const std::string& path, Eigen::Index rows,
                                        Eigen::Index cols) {
    if (!expect_sequence(n, at, path)) return std::nullopt;
    if (static_cast<Eigen::Index>(n.size()) != rows) {
      error(at, path, "expected " + std::to_string(rows) + " rows of " + std::to_string(cols) +
                          " values (shape " + shape_text(rows, cols) + "), got " +
                          std::to_string(n.size()) + " rows");
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
      case YAML::NodeType::Null: return "nothing (null)";
      case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
      case YAML::NodeType::Sequence: return "a sequence";
      case YAML::NodeType::Map: return "a mapping";
      default: return "nothing";
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
      return negative ? -std::numeric_limits<double>::infinity()
                      : std::numeric_limits<double>::infinity();
    if ((v == ".nan" || v == ".NaN" || v == ".NAN") && s.size() == v.size())
      return std::numeric_limits<double>::quiet_NaN();
    if (v.empty() || !(std::isdigit(static_cast<unsigned char>(v[0])) || v[0] == '.'))
      return std::nullopt;  // rejects from_chars' "nan", "inf" and a doubled sign
    double x = 0.0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc{} || ptr != v.data() + v.size()) return std::nullopt;
    return negative ? -x : x;
  }

  std::string file_;
  std::vector<Diagnostic> diags_;
};

// One Dense layer: {name, shape, weight, bias}. expected_rows/cols come from
// the architecture (or, if that is invalid, from the layer's own shape).
std::optional<Dense> read_dense(Reader& rd, const YAML::Node& node, const YAML::Node& at,
                                const std::string& path, const std::string& name,
                                std::optional<std::pair<Eigen::Index, Eigen::Index>> expected) {
  if (!rd.expect_map(node, at, path)) return std::nullopt;
  rd.reject_unknown_keys(node, path, {"name", "shape", "weight", "bias"});
  if (const auto f = rd.field(node, path, "name")) {
    const auto got = rd.text(*f);
    if (got && *got != name) rd.error(f->at(), f->path, "expected '" + name + "', got '" + *got + "'");
  }
  if (const auto f = rd.field(node, path, "shape")) {
    std::optional<std::pair<Eigen::Index, Eigen::Index>> declared;
    if (rd.expect_sequence(f->value, f->at(), f->path)) {
      if (f->value.size() != 2) {
        rd.error(f->at(), f->path, "expected [outputs, inputs], got " +
                                       std::to_string(f->value.size()) + " values");
      } else {
        const auto r = rd.integer<long long>(f->value[0], f->value[0], f->path + "[0]");
        const auto c = rd.integer<long long>(f->value[1], f->value[1], f->path + "[1]");
        if (r && c && (*r > limits::kMaxWidth || *c > limits::kMaxWidth || *r < 0 || *c < 0))
          rd.error(f->at(), f->path, "each size must be 0.." + std::to_string(limits::kMaxWidth) + ", got " +
                                         shape_text(static_cast<Eigen::Index>(*r), static_cast<Eigen::Index>(*c)));
        else if (r && c)
          declared = {{static_cast<Eigen::Index>(*r), static_cast<Eigen::Index>(*c)}};
      }
    }
    if (declared && expected && *declared != *expected)
      rd.error(f->at(), f->path,
               "expected " + shape_text(expected->first, expected->second) +
                   " (from the architecture), got " + shape_text(declared->first, declared->second));
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
std::optional<std::vector<Dense>> read_dense_list(
    Reader& rd, const Reader::Field& f, const std::vector<std::string>& names,
    const std::vector<std::optional<std::pair<Eigen::Index, Eigen::Index>>>& shapes,
    const std::string& count_rule) {
  if (!rd.expect_sequence(f.value, f.at(), f.path)) return std::nullopt;
  if (f.value.size() != names.size()) {
    rd.error(f.at(), f.path, "expected " + std::to_string(names.size()) + " layers (" +
                                 count_rule + "), got " + std::to_string(f.value.size()));
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

std::string widths_text(const std::vector<int>& h) {
  std::string s = "[";
  for (std::size_t i = 0; i < h.size(); ++i) s += (i ? ", " : "") + std::to_string(h[i]);
  return s + "]";
}

}  // namespace

// ---------------------------------------------------------------------------

void save_weights(const std::string& path, const ScoreNet& net,
                  const sde::VpSchedule& trained_schedule, const Provenance& provenance) {
  const Architecture& a = net.arch();
  if (!net.params().allFinite() || !net.frequencies().allFinite())
    throw std::invalid_argument("save_weights: the network has non-finite parameters");
  if (!std::isfinite(trained_schedule.beta_min) || !std::isfinite(trained_schedule.beta_max))
    throw std::invalid_argument("save_weights: the schedule is not finite");

  YAML::Emitter out;
  out << YAML::Comment(
      "memcosim score network. weight rows are output neurons; see src/nn/weights.hpp");
  out << YAML::BeginMap;
  out << YAML::Key << "format" << YAML::Value << kFormat;
  out << YAML::Key << "version" << YAML::Value << kVersion;

  out << YAML::Key << "architecture" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "input_dim" << YAML::Value << a.input_dim;
  out << YAML::Key << "hidden" << YAML::Value << YAML::Flow << a.hidden;
  out << YAML::Key << "output_dim" << YAML::Value << a.output_dim;
  out << YAML::Key << "num_classes" << YAML::Value << a.num_classes;
  out << YAML::Key << "output_gain" << YAML::Value;
  emit_number(out, a.output_gain);
  out << YAML::Key << "embedding_scale" << YAML::Value;
  emit_number(out, a.embedding_scale);
  out << YAML::EndMap;

  out << YAML::Key << "schedule" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "kind" << YAML::Value << "vp-linear";
  out << YAML::Key << "beta_min" << YAML::Value;
  emit_number(out, trained_schedule.beta_min);
  out << YAML::Key << "beta_max" << YAML::Value;
  emit_number(out, trained_schedule.beta_max);
  out << YAML::EndMap;

  out << YAML::Key << "time_embedding" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "frequencies" << YAML::Value;
  emit_vector(out, net.frequencies());
  out << YAML::EndMap;

  out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
  for (std::size_t l = 0; l < net.layers().size(); ++l)
    emit_dense(out, layer_name(l, a.hidden.size()), net.layers()[l]);
  out << YAML::EndSeq;

  if (a.num_classes > 0) {
    out << YAML::Key << "class_embedding" << YAML::Value << YAML::BeginSeq;
    for (std::size_t l = 0; l < net.class_layers().size(); ++l)
      emit_dense(out, "class" + std::to_string(l + 1), net.class_layers()[l]);
    out << YAML::EndSeq;
  }

  const Provenance& p = provenance;
  out << YAML::Key << "provenance" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "config" << YAML::Value << p.config;
  out << YAML::Key << "seed" << YAML::Value << p.seed;
  out << YAML::Key << "epochs" << YAML::Value << p.epochs;
  out << YAML::Key << "steps" << YAML::Value << p.steps;
  out << YAML::Key << "final_loss" << YAML::Value;
  emit_number(out, p.final_loss);
  out << YAML::Key << "train_seconds" << YAML::Value;
  emit_number(out, p.train_seconds);
  out << YAML::Key << "dataset" << YAML::Value << p.dataset;
  out << YAML::Key << "memcosim_version" << YAML::Value << p.memcosim_version;
  out << YAML::EndMap;
  out << YAML::EndMap;
  if (!out.good()) throw Error("save_weights: YAML emitter error: " + out.GetLastError());

  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw Error("cannot write weights file '" + path + "': " + std::strerror(errno));
  f << out.c_str() << '\n';
  f.close();
  if (!f) throw Error("error while writing weights file '" + path + "'");
}

LoadedModel load_weights(const std::string& path) {
  check_input_file(path, "weights file");
  // (yaml-cpp's Node::operator= rebinds the referenced node, so nodes are
  // only ever copy-constructed here.)
  const YAML::Node root = [&] {
    try {
      return config::load_one_document(path, "weights file");
    } catch (const YAML::ParserException& e) {
      throw InputError(Diagnostic{SourceLocation{path, e.mark.line + 1, e.mark.column + 1}, "",
                                  "YAML syntax error: " + e.msg});
    } catch (const YAML::Exception& e) {
      throw InputError(
          Diagnostic{SourceLocation{path, 0, 0}, "", std::string("YAML error: ") + e.what()});
    }
  }();

  Reader rd(path);
  auto fail = [&]() { throw InputError(std::move(rd.diagnostics())); };
  rd.reject_duplicate_keys(root, "");
  if (!rd.diagnostics().empty()) fail();
  if (!root.IsMap()) {
    rd.error(root, "", "expected a mapping with 'format: " + std::string(kFormat) + "'");
    fail();
  }

  // Format and version first: without them nothing else can be interpreted.
  if (const auto f = rd.field(root, "", "format")) {
    const auto s = rd.text(*f);
    if (s && *s != kFormat)
      rd.error(f->at(), f->path, "expected '" + std::string(kFormat) + "', got '" + *s + "'");
  }
  if (const auto f = rd.field(root, "", "version")) {
    const auto v = rd.integer<long long>(*f);
    if (v && *v != kVersion)
      rd.error(f->at(), f->path, "unsupported version " + std::to_string(*v) +
                                     " (this memcosim reads version " + std::to_string(kVersion) + ")");
  }
  if (!rd.diagnostics().empty()) fail();
  rd.reject_unknown_keys(root, "", {"format", "version", "architecture", "schedule", "time_embedding",
                                    "layers", "class_embedding", "provenance"});

  // Architecture.
  Architecture arch;
  bool arch_ok = false;
  if (const auto fa = rd.field(root, "", "architecture"); fa && rd.expect_map(fa->value, fa->at(), fa->path)) {
    const YAML::Node& A = fa->value;
    const std::string& P = fa->path;
    rd.reject_unknown_keys(A, P, {"input_dim", "hidden", "output_dim", "num_classes", "output_gain",
                                  "embedding_scale"});
    bool parsed = true;
    auto read_int = [&](const char* key, int& dst) {
      const auto f = rd.field(A, P, key);
      const auto v = f ? rd.integer<int>(*f) : std::nullopt;
      if (v)
        dst = *v;
      else
        parsed = false;
    };
    auto read_real = [&](const char* key, double& dst) {
      const auto f = rd.field(A, P, key);
      const auto v = f ? rd.real(*f) : std::nullopt;
      if (v)
        dst = *v;
      else
        parsed = false;
    };
    read_int("input_dim", arch.input_dim);
    read_int("output_dim", arch.output_dim);
    read_int("num_classes", arch.num_classes);
    read_real("output_gain", arch.output_gain);
    read_real("embedding_scale", arch.embedding_scale);
    const std::optional<Reader::Field> fh = rd.field(A, P, "hidden");
    if (fh && rd.expect_sequence(fh->value, fh->at(), fh->path)) {
      arch.hidden.clear();
      for (std::size_t l = 0; l < fh->value.size(); ++l) {
        const YAML::Node e = fh->value[l];
        const auto w = rd.integer<int>(e, e, fh->path + "[" + std::to_string(l) + "]");
        if (w)
          arch.hidden.push_back(*w);
        else
          parsed = false;
      }
    } else {
      parsed = false;
    }
    if (parsed) {
      // Report each violated rule at its key ("hidden[1]" at that element).
      auto node_of = [&](const std::string& key) -> YAML::Node {
        if (key.rfind("hidden", 0) == 0) {
          const auto open = key.find('[');
          if (open == std::string::npos) return fh->at();
          return fh->value[std::stoul(key.substr(open + 1))];
        }
        if (const auto f = rd.field(A, P, key, false)) return f->at();
        return A;
      };
      for (const auto& [key, message] : arch.problems()) rd.error(node_of(key), P + "." + key, message);
      arch_ok = arch.problems().empty();
    }
  }

  // Schedule.
  sde::VpSchedule schedule;
  if (const auto fs = rd.field(root, "", "schedule"); fs && rd.expect_map(fs->value, fs->at(), fs->path)) {
    const YAML::Node& S = fs->value;
    rd.reject_unknown_keys(S, fs->path, {"kind", "beta_min", "beta_max"});
    if (const auto f = rd.field(S, fs->path, "kind")) {
      const auto k = rd.text(*f);
      if (k && *k != "vp-linear") rd.error(f->at(), f->path, "expected 'vp-linear', got '" + *k + "'");
    }
    // (Plain doubles rather than optionals: g++ 12 misreports those as
    // maybe-uninitialized here.)
    bool have_min = false, have_max = false;
    const auto fmin = rd.field(S, fs->path, "beta_min");
    const auto fmax = rd.field(S, fs->path, "beta_max");
    if (const auto v = fmin ? rd.real(*fmin) : std::nullopt) {
      schedule.beta_min = *v;
      have_min = true;
    }
    if (const auto v = fmax ? rd.real(*fmax) : std::nullopt) {
      schedule.beta_max = *v;
      have_max = true;
    }
    const std::string got_min = detail::format_double(schedule.beta_min);
    if (have_min && schedule.beta_min < 0)
      rd.error(fmin->at(), fmin->path, "must be >= 0 (got " + got_min + ")");
    if (have_min && have_max && (schedule.beta_max <= 0 || schedule.beta_max < schedule.beta_min))
      rd.error(fmax->at(), fmax->path, "must be > 0 and >= beta_min " + got_min + " (got " +
                                           detail::format_double(schedule.beta_max) + ")");
  }

  // Time embedding.
  std::optional<Eigen::VectorXd> freq;
  if (const auto ft = rd.field(root, "", "time_embedding"); ft && rd.expect_map(ft->value, ft->at(), ft->path)) {
    rd.reject_unknown_keys(ft->value, ft->path, {"frequencies"});
    if (const auto f = rd.field(ft->value, ft->path, "frequencies")) {
      if (arch_ok)
        freq = rd.vector(f->value, f->at(), f->path, arch.embedding_width() / 2);
      else if (rd.expect_sequence(f->value, f->at(), f->path))
        freq = rd.vector(f->value, f->at(), f->path, static_cast<Eigen::Index>(f->value.size()));
    }
  }

  // Layers: shapes follow from the architecture.
  std::optional<std::vector<Dense>> layers;
  if (const auto fl = rd.field(root, "", "layers")) {
    std::vector<std::string> names;
    std::vector<std::optional<std::pair<Eigen::Index, Eigen::Index>>> shapes;
    if (arch_ok) {
      Eigen::Index fan_in = arch.input_dim;
      for (std::size_t l = 0; l <= arch.hidden.size(); ++l) {
        const Eigen::Index rows = l < arch.hidden.size() ? arch.hidden[l] : arch.output_dim;
        names.push_back(layer_name(l, arch.hidden.size()));
        shapes.push_back({{rows, fan_in}});
        fan_in = rows;
      }
      layers = read_dense_list(rd, *fl, names, shapes,
                               "one per hidden width " + widths_text(arch.hidden) + " and the output");
    } else if (rd.expect_sequence(fl->value, fl->at(), fl->path)) {
      // Unknown architecture: check each layer against its own shape.
      for (std::size_t l = 0; l < fl->value.size(); ++l) {
        names.push_back(layer_name(l, fl->value.size() - 1));
        shapes.emplace_back();
      }
      read_dense_list(rd, *fl, names, shapes, "as listed");
    }
  }

  // Class embedding: present exactly for conditional networks.
  std::optional<std::vector<Dense>> class_layers;
  if (const auto fc = rd.field(root, "", "class_embedding", false)) {
    if (arch_ok && arch.num_classes == 0) {
      rd.error(fc->key, fc->path, "unexpected: architecture.num_classes is 0 (unconditional network)");
    } else if (arch_ok) {
      const Eigen::Index E = arch.embedding_width();
      class_layers = read_dense_list(rd, *fc, {"class1", "class2"},
                                     {{{E, arch.num_classes}}, {{E, E}}},
                                     "Linear(num_classes, E) and Linear(E, E)");
    } else {
      read_dense_list(rd, *fc, {"class1", "class2"}, {std::nullopt, std::nullopt},
                      "Linear(num_classes, E) and Linear(E, E)");
    }
  } else if (arch_ok && arch.num_classes > 0) {
    rd.error(root, "class_embedding",
             "missing required key 'class_embedding' (architecture.num_classes is " +
                 std::to_string(arch.num_classes) + ")");
  }

  // Provenance: optional, every field optional.
  Provenance prov;
  prov.memcosim_version.clear();
  if (const auto fp = rd.field(root, "", "provenance", false);
      fp && rd.expect_map(fp->value, fp->at(), fp->path)) {
    const YAML::Node& Pn = fp->value;
    const std::string& P = fp->path;
    rd.reject_unknown_keys(Pn, P, {"config", "seed", "epochs", "steps", "final_loss", "train_seconds",
                                   "dataset", "memcosim_version"});
    auto str = [&](const char* key, std::string& dst) {
      if (const auto f = rd.field(Pn, P, key, false))
        if (const auto v = rd.text(*f)) dst = *v;
    };
    auto num = [&](const char* key, double& dst) {
      if (const auto f = rd.field(Pn, P, key, false))
        if (const auto v = rd.real(*f)) dst = *v;
    };
    str("config", prov.config);
    str("dataset", prov.dataset);
    str("memcosim_version", prov.memcosim_version);
    num("final_loss", prov.final_loss);
    num("train_seconds", prov.train_seconds);
    if (const auto f = rd.field(Pn, P, "seed", false))
      if (const auto v = rd.integer<std::uint64_t>(*f)) prov.seed = *v;
    if (const auto f = rd.field(Pn, P, "epochs", false))
      if (const auto v = rd.integer<int>(*f)) prov.epochs = *v;
    if (const auto f = rd.field(Pn, P, "steps", false))
      if (const auto v = rd.integer<long>(*f)) prov.steps = *v;
  }

  if (!rd.diagnostics().empty()) fail();
  // Everything required parsed without a diagnostic, so all parts are present.
  LoadedModel model{ScoreNet(arch), schedule, prov};
  model.net.frequencies() = *freq;
  model.net.layers() = std::move(*layers);
  if (arch.num_classes > 0) model.net.class_layers() = std::move(*class_layers);
  return model;
}

}  // namespace memcosim::nn
