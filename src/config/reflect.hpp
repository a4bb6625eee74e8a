// One field list per config struct drives everything a config needs:
// reading YAML with located errors, printing the normalised config, and the
// generated key reference in configs/README.md.
//
// A struct takes part by defining
//
//   template <class V> void fields(V& v) {
//     v("rtol", rtol, "Relative tolerance of the adaptive stepper.", gt(0));
//     v("ode", ode, "Settings of the PF-ODE solver.");   // nested struct
//   }
//
// and optionally `void validate(Checker&) const` for rules that tie several
// of its keys together, each with a one-line description:
//
//   void validate(Checker& c) const {
//     c.rule("beta_max", "beta_max > beta_min", beta_max > beta_min, "must be > " + c.path("beta_min") + ...);
//   }
//
// read_struct calls the hooks of all structs in the value (children first);
// the Documenter lists the rules under their section in configs/README.md.
// A rule's text must not depend on values, and every rule() call is made
// whatever the values (conditions go into `ok`), so that the reference lists
// them all. A section whose rules apply only sometimes says so in its field:
// v("twin", twin, "...", when(task == Task::twin, "task is twin")).
// Supported member types: double, int, std::uint64_t, bool, std::string,
// enums with an EnumNames specialisation, std::vector<int>,
// std::vector<double>, std::optional of those scalars, nested structs and
// vectors of nested structs.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/si.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"
#include "util/yaml_diag.hpp"

namespace memcosim::config {

// ---------------------------------------------------------------------------
// Enums: specialise with `static constexpr std::array<std::pair<E,
// std::string_view>, N> values{{...}};`
template <class E>
struct EnumNames;

template <class E>
std::string_view enum_name(E e) {
  for (const auto& [value, name] : EnumNames<E>::values)
    if (value == e) return name;
  return "?";
}

template <class E>
std::string enum_choices() {
  std::string s;
  for (const auto& [value, name] : EnumNames<E>::values) {
    if (!s.empty()) s += ", ";
    s += name;
  }
  return s;
}

// ---------------------------------------------------------------------------
// Numeric rules, checked per value (per element for vectors).
struct Bound {
  enum Op { kGt, kGe, kLt, kLe } op;
  double limit;
  bool ok(double v) const {
    switch (op) {
      case kGt:
        return v > limit;
      case kGe:
        return v >= limit;
      case kLt:
        return v < limit;
      case kLe:
        return v <= limit;
    }
    return false;
  }
  std::string text() const {
    static constexpr std::array<const char*, 4> ops = {"> ", ">= ", "< ", "<= "};
    return ops[op] + exact_number(limit);
  }
};
inline Bound gt(double x) { return {Bound::kGt, x}; }
inline Bound ge(double x) { return {Bound::kGe, x}; }
inline Bound lt(double x) { return {Bound::kLt, x}; }
inline Bound le(double x) { return {Bound::kLe, x}; }

// The gate of a section: its rules (validate hooks) are checked only when
// `on`; `text` says when, for the key reference ("task is twin").
struct When {
  bool on;
  std::string_view text;
};
inline When when(bool on, std::string_view text) { return {on, text}; }

namespace detail {
inline bool gate_open(const Bound&) { return true; }
inline bool gate_open(const When& w) { return w.on; }
inline std::string gate_text(const Bound&) { return {}; }
inline std::string gate_text(const When& w) { return std::string(w.text); }
}  // namespace detail

template <class T>
concept Reflected = requires(T& t, int& v) {
  t.fields(v);
};
template <class T>
concept IsEnum = std::is_enum_v<T>;
template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

// ---------------------------------------------------------------------------
// Where each key of a loaded config came from, for located errors after
// loading (cross-field rules, and later users such as the circuit builder).
class Locations {
 public:
  void set(const std::string& path, SourceLocation where) { map_[path] = std::move(where); }
  // The location of path, or of its nearest ancestor that has one.
  SourceLocation find(std::string path) const;
  // True when path itself was given (in the file or by --set), false when
  // it kept its default.
  bool given(const std::string& path) const { return map_.count(path) > 0; }

 private:
  std::map<std::string, SourceLocation> map_;
};

// ---------------------------------------------------------------------------
// Checker: the cross-field rules of one struct (its validate hook), located
// at the key they name. In documenting mode nothing is checked: the rules'
// descriptions are collected for the key reference.
class Checker {
 public:
  struct RuleDoc {
    std::string section;  // dotted path of the struct ("" = top level)
    std::string text;     // one line, e.g. "beta_max > beta_min"
  };

  // Checking: violations become diagnostics in out.
  Checker(const Locations& locations, std::vector<Diagnostic>& out, std::string prefix = {})
      : locations_(&locations), out_(&out), prefix_(std::move(prefix)) {}
  // Documenting: rule() records its description in docs.
  explicit Checker(std::vector<RuleDoc>& docs, std::string prefix = {}) : docs_(&docs), prefix_(std::move(prefix)) {}

  // A rule of this struct: `doc` describes it in one line (configs/README.md);
  // unless ok, `message` (the values and the rule) is reported at key, a key
  // of this struct ("" = the struct itself).
  void rule(std::string_view key, std::string_view doc, bool ok, const std::string& message) {
    if (docs_) {
      docs_->push_back({prefix_, std::string(doc)});
      return;
    }
    require(ok, key, message);
  }
  // A rule on every element of a list: reported at each element that
  // breaks it (key[i]); ok(element) and message(element) as in rule().
  template <class List, class Ok, class Message>
  void rule_each(std::string_view key, std::string_view doc, const List& list, Ok ok, Message message) {
    if (docs_) {
      docs_->push_back({prefix_, std::string(doc)});
      return;
    }
    for (std::size_t i = 0; i < list.size(); ++i)
      require(ok(list[i]), std::string(key) + "[" + std::to_string(i) + "]", message(list[i]));
  }
  // A located check that is no documented rule (e.g. of a regression case).
  void require(bool ok, std::string_view key, const std::string& message) {
    if (ok || !out_) return;
    const std::string p = path(key);
    out_->push_back({locations_->find(p), p, message});
  }
  // The full dotted path of a key of this struct, for messages.
  std::string path(std::string_view key) const { return yamldiag::join_key(prefix_, key); }
  // The checker of a nested struct.
  Checker sub(std::string_view key) const {
    Checker c = *this;
    c.prefix_ = path(key);
    return c;
  }
  bool documenting() const { return docs_ != nullptr; }

 private:
  const Locations* locations_ = nullptr;
  std::vector<Diagnostic>* out_ = nullptr;
  std::vector<RuleDoc>* docs_ = nullptr;
  std::string prefix_;
};

template <class T>
concept Validated = requires(const T& t, Checker& c) {
  t.validate(c);
};

// ---------------------------------------------------------------------------
// Reader: YAML -> struct, collecting every problem instead of stopping.
class Reader {
 public:
  // Where the diagnostics go; values given on the command line (--set
  // path=value) are located at that option, not in the file.
  struct Context : yamldiag::Reporter {
    Context(std::string file, std::vector<Diagnostic>& out) : Reporter(std::move(file), out) {}
    SourceLocation locate(const YAML::Node& node, const std::string& path) const override;

    Locations* locations = nullptr;
    std::map<std::string, std::string> override_labels;
  };

  Reader(Context& ctx, const YAML::Node& map, std::string path) : ctx_(ctx), node_(map), path_(std::move(path)) {}

  template <class T, class... Rules>
  void operator()(std::string_view key, T& value, std::string_view /*doc*/, Rules... rules) {
    known_.emplace_back(key);
    const std::string path = yamldiag::join_key(path_, key);
    if (!node_ || !node_.IsMap()) return;
    const YAML::Node child = node_[std::string(key)];
    if (!child.IsDefined()) return;  // keep the default
    ctx_.locations->set(path, ctx_.locate(child, path));
    read(child, path, value, rules...);
  }

  // Reports keys of this map that no field consumed, and duplicate keys.
  void finish() {
    if (node_ && node_.IsMap()) ctx_.check_keys(node_, path_, known_);
  }

  void error(const YAML::Node& node, const std::string& path, std::string message) const {
    ctx_.error(node, path, std::move(message));
  }

 private:
  template <class T, class... Rules>
  void read(const YAML::Node& node, const std::string& path, T& value, Rules... rules);

  template <class... Rules>
  bool check_bounds(const YAML::Node& node, const std::string& path, [[maybe_unused]] double v, const std::string& text,
                    Rules... rules) const {
    bool ok = true;
    (
        [&] {
          if (ok && !rules.ok(v)) {
            error(node, path, "must be " + rules.text() + " (got " + text + ")");
            ok = false;
          }
        }(),
        ...);
    return ok;
  }

  bool scalar(const YAML::Node& node, const std::string& path, const char* expected) const;
  std::optional<double> read_double(const YAML::Node& node, const std::string& path) const;
  std::optional<long long> read_integer(const YAML::Node& node, const std::string& path) const;

  Context& ctx_;
  YAML::Node node_;
  std::string path_;
  std::vector<std::string> known_;
};

template <class T, class... Rules>
void Reader::read(const YAML::Node& node, const std::string& path, T& value, Rules... rules) {
  if constexpr (IsOptional<T>::value) {
    if (node.IsNull()) {
      value.reset();
      return;
    }
    typename T::value_type inner{};
    if (value) inner = *value;
    const std::size_t before = ctx_.diagnostics().size();
    read(node, path, inner, rules...);
    if (ctx_.diagnostics().size() == before) value = inner;
  } else if constexpr (Reflected<T>) {
    if (node.IsNull()) return;  // "section:" with nothing under it: defaults
    if (!node.IsMap()) {
      error(node, path,
            "expected a mapping of keys (a section), got " +
                std::string(node.IsSequence() ? "a list" : "a single value"));
      return;
    }
    Reader sub(ctx_, node, path);
    value.fields(sub);
    sub.finish();
  } else if constexpr (IsVector<T>::value) {
    if (!node.IsSequence()) {
      error(node, path,
            "expected a list such as [1, 2], got " + std::string(node.IsMap() ? "a mapping" : "a single value"));
      return;
    }
    T out;
    bool ok = true;
    for (std::size_t i = 0; i < node.size(); ++i) {
      typename T::value_type element{};
      const std::string epath = path + "[" + std::to_string(i) + "]";
      ctx_.locations->set(epath, ctx_.locate(node[i], epath));
      const std::size_t before = ctx_.diagnostics().size();
      read(node[i], epath, element, rules...);
      ok = ok && ctx_.diagnostics().size() == before;
      out.push_back(element);
    }
    if (ok) value = std::move(out);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!scalar(node, path, "true or false")) return;
    const std::string& s = node.Scalar();
    if (s == "true")
      value = true;
    else if (s == "false")
      value = false;
    else
      error(node, path, "must be true or false (got '" + s + "')");
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!scalar(node, path, "a string")) return;
    value = node.Scalar();
  } else if constexpr (IsEnum<T>) {
    if (!scalar(node, path, "a name")) return;
    const std::string& s = node.Scalar();
    std::vector<std::string> names;
    for (const auto& [e, name] : EnumNames<T>::values) {
      if (s == name) {
        value = e;
        return;
      }
      names.emplace_back(name);
    }
    std::string msg = "must be one of " + enum_choices<T>() + " (got '" + s + "')";
    if (auto guess = yamldiag::closest(s, names)) msg += "; did you mean '" + *guess + "'?";
    error(node, path, msg);
  } else if constexpr (std::is_same_v<T, double>) {
    const auto v = read_double(node, path);
    if (v && check_bounds(node, path, *v, node.Scalar(), rules...)) value = *v;
  } else if constexpr (std::is_integral_v<T>) {
    const auto v = read_integer(node, path);
    if (!v) return;
    if constexpr (std::is_unsigned_v<T>) {
      if (*v < 0) {
        error(node, path, "must be >= 0 (got " + node.Scalar() + ")");
        return;
      }
    } else if (*v < static_cast<long long>(std::numeric_limits<T>::min()) ||
               *v > static_cast<long long>(std::numeric_limits<T>::max())) {
      error(node, path, "is out of range (got " + node.Scalar() + ")");
      return;
    }
    if (check_bounds(node, path, static_cast<double>(*v), node.Scalar(), rules...)) value = static_cast<T>(*v);
  } else {
    static_assert(sizeof(T) == 0, "config field of unsupported type");
  }
}

// ---------------------------------------------------------------------------
// Writer: struct -> YAML text, every key with its value (defaults included).
class Writer {
 public:
  explicit Writer(std::ostream& out, int indent = 0, bool comments = false)
      : out_(out), indent_(indent), comments_(comments) {}

  template <class T, class... Rules>
  void operator()(std::string_view key, const T& value, std::string_view doc, Rules...) {
    if constexpr (Reflected<T>) {
      comment(doc);
      pad();
      out_ << key << ":\n";
      Writer sub(out_, indent_ + 2, comments_);
      const_cast<T&>(value).fields(sub);
    } else {
      comment(doc);
      pad();
      out_ << key << ": " << scalar_text(value) << "\n";
    }
  }

  template <class T>
  static std::string scalar_text(const T& value) {
    if constexpr (IsOptional<T>::value) {
      return value ? scalar_text(*value) : std::string("null");
    } else if constexpr (IsVector<T>::value) {
      std::string s = "[";
      for (std::size_t i = 0; i < value.size(); ++i) s += (i ? ", " : "") + scalar_text(value[i]);
      return s + "]";
    } else if constexpr (std::is_same_v<T, bool>) {
      return value ? "true" : "false";
    } else if constexpr (std::is_same_v<T, std::string>) {
      return quote(value);
    } else if constexpr (IsEnum<T>) {
      return std::string(enum_name(value));
    } else if constexpr (std::is_floating_point_v<T>) {
      return exact_number(value);
    } else {
      return std::to_string(value);
    }
  }

  static std::string quote(const std::string& s);

 private:
  void pad() { out_ << std::string(static_cast<std::size_t>(indent_), ' '); }
  void comment(std::string_view doc);

  std::ostream& out_;
  int indent_;
  bool comments_;
};

// ---------------------------------------------------------------------------
// Documenter: struct -> rows of the key reference (markdown).
class Documenter {
 public:
  struct Row {
    std::string key, type, default_value, rule, doc;
  };
  // gate: when the rules of this part apply (from a When of a section above).
  explicit Documenter(std::vector<Row>& rows, std::string prefix = {}, std::string gate = {})
      : rows_(rows), prefix_(std::move(prefix)), gate_(std::move(gate)) {}

  template <class T, class... Rules>
  void operator()(std::string_view key, const T& value, std::string_view doc, Rules... rules) {
    const std::string path = yamldiag::join_key(prefix_, key);
    if constexpr (Reflected<T>) {
      rows_.push_back({path, "section", "", "", std::string(doc)});
      std::string gate = gate_;
      ((gate += detail::gate_text(rules)), ...);
      Documenter sub(rows_, path, gate);
      sub.add_rules(value);
      const_cast<T&>(value).fields(sub);
    } else {
      std::string rule;
      ((rule += (rule.empty() ? "" : ", ") + rules.text()), ...);
      if constexpr (IsEnum<T>) rule = "one of " + enum_choices<T>();
      rows_.push_back({path, type_name<T>(), Writer::scalar_text(value), rule, std::string(doc)});
    }
  }

  // The rules of value's validate hook, one row each (type "rule": the key
  // column names the section, the rule column the rule; doc says when).
  template <class T>
  void add_rules(const T& value) {
    if constexpr (Validated<T>) {
      std::vector<Checker::RuleDoc> docs;
      Checker c(docs, prefix_);
      value.validate(c);
      for (const auto& d : docs)
        rows_.push_back({prefix_, "rule", "", d.text, gate_.empty() ? std::string() : "Checked when " + gate_ + "."});
    }
  }

  template <class T>
  static std::string type_name() {
    if constexpr (IsOptional<T>::value)
      return type_name<typename T::value_type>() + " or null";
    else if constexpr (IsVector<T>::value)
      return "list of " + type_name<typename T::value_type>();
    else if constexpr (std::is_same_v<T, bool>)
      return "bool";
    else if constexpr (std::is_same_v<T, std::string>)
      return "string";
    else if constexpr (IsEnum<T>)
      return "name";
    else if constexpr (std::is_floating_point_v<T>)
      return "number";
    else
      return "integer";
  }

 private:
  std::vector<Row>& rows_;
  std::string prefix_;
  std::string gate_;
};

// ---------------------------------------------------------------------------
// Whole files: any reflected struct (configs, regression cases, ...) read
// from YAML with every problem located and reported in one pass.

// Calls the validate hook of value and of every struct below it (children
// first), each with the checker of its key path; sections whose gate
// (When) is closed are skipped.
template <class T>
void check_rules(const T& value, Checker& c);

class RuleWalker {
 public:
  explicit RuleWalker(Checker& c) : c_(c) {}
  template <class T, class... Rules>
  void operator()(std::string_view key, const T& value, std::string_view /*doc*/, Rules... rules) {
    if constexpr (Reflected<T>) {
      if (!(detail::gate_open(rules) && ...)) return;
      Checker sub = c_.sub(key);
      check_rules(value, sub);
    } else if constexpr (IsVector<T>::value) {
      if constexpr (Reflected<typename T::value_type>) {
        for (std::size_t i = 0; i < value.size(); ++i) {
          Checker sub = c_.sub(std::string(key) + "[" + std::to_string(i) + "]");
          check_rules(value[i], sub);
        }
      }
    }
  }

 private:
  Checker& c_;
};

template <class T>
void check_rules(const T& value, Checker& c) {
  RuleWalker walker(c);
  const_cast<T&>(value).fields(walker);
  if constexpr (Validated<T>) value.validate(c);
}

// Reads root into value (unknown keys, duplicate keys, wrong types and
// rules become diagnostics in ctx), recording where each key was given, then
// checks the rules of every struct read (check_rules).
template <class T>
void read_struct(Reader::Context& ctx, const YAML::Node& root, T& value, Locations& locations) {
  locations.set("", {ctx.file(), 0, 0});
  ctx.locations = &locations;
  Reader reader(ctx, root, "");
  value.fields(reader);
  reader.finish();
  Checker checker(locations, ctx.diagnostics());
  check_rules(value, checker);
}

}  // namespace memcosim::config
