#include "study/study.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include "flow/common.hpp"
#include "flow/task.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"
#include "util/yaml_diag.hpp"

namespace memcosim::study {

namespace {

namespace fs = std::filesystem;

constexpr long kMaxJobs = 1000000;

// The last component of a dotted key ("circuit.opamp.gbw" -> "gbw").
std::string short_name(const std::string& name) {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

std::optional<double> number_of(const std::string& text) {
  const auto p = config::parse_si(text);
  if (p.ok) return p.value;
  return std::nullopt;
}

// A YAML value as the text --set takes (flow style, quoted when needed).
std::string yaml_text(const YAML::Node& node) {
  if (node.IsScalar() && node.Tag() != "!") return node.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << node;
  return e.c_str();
}

// One level of a factor: the parameters it shows and the overrides it makes.
struct Level {
  std::vector<Parameter> parameters;
  std::vector<Override> overrides;
};
using Factor = std::vector<Level>;

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  Study parse() {
    const YAML::Node root = yamldiag::load_mapping(file_, "study file");
    Study s;
    s.file = file_;
    s.name = fs::path(file_).stem().string();
    // A key given twice would be read once, silently: nothing else is read.
    report_.check_duplicate_keys(root, "", true);
    if (!diags_.empty()) return s;
    static const std::vector<std::string> known = {"name", "config",  "timeout",     "set",   "grid",
                                                   "zip",  "corners", "monte_carlo", "table", "plot"};
    report_.check_unknown_keys(root, "", known);

    if (const auto n = root["name"]) read_string(n, "name", s.name);
    if (!yamldiag::valid_name(s.name))
      error(root["name"] ? root["name"] : root, "name", yamldiag::name_rule_message(s.name));
    std::string config_file;
    if (const auto n = root["config"]) {
      read_string(n, "config", config_file);
    } else {
      diags_.push_back({{file_, 0, 0}, "config", "missing: the base config file, relative to the study file"});
    }
    if (!config_file.empty()) {
      const fs::path p(config_file);
      s.config = (p.is_absolute() ? p : fs::path(file_).parent_path() / p).lexically_normal().string();
      try {
        check_input_file(s.config, "base config");
      } catch (const InputError& e) {
        error(root["config"], "config", e.diagnostics().front().message);
      }
    }
    if (const auto n = root["timeout"]) {
      double t = s.timeout;
      if (read_number(n, "timeout", t)) {
        if (t > 0)
          s.timeout = t;
        else
          error(n, "timeout", "must be > 0 (got " + n.Scalar() + ")");
      }
    }

    // Overrides of every job.
    std::vector<Override> common;
    if (const auto n = root["set"]) {
      if (expect_map(n, "set"))
        for (auto it = n.begin(); it != n.end(); ++it) common.push_back(make_override(it->first, it->second, "set"));
    }

    std::vector<Factor> factors;
    if (const auto n = root["grid"]) read_grid(n, factors);
    if (const auto n = root["zip"]) read_zip(n, factors);
    if (const auto n = root["corners"]) read_corners(n, factors);
    if (const auto n = root["monte_carlo"]) read_monte_carlo(n, factors);

    if (const auto n = root["table"]) read_string_list(n, "table", s.table_metrics);
    if (s.table_metrics.empty()) s.table_metrics = default_table_metrics();
    s.parameter_names = parameter_names_;
    read_plot(root["plot"], s);

    if (!s.config.empty()) expand(s, common, factors);
    return s;
  }

  std::vector<Diagnostic>& diagnostics() { return diags_; }

 private:
  SourceLocation at(const YAML::Node& n) const { return report_.locate(n, ""); }
  void error(const YAML::Node& n, const std::string& path, std::string msg) { report_.error(n, path, std::move(msg)); }

  bool expect_map(const YAML::Node& n, const std::string& path) {
    if (n.IsMap()) return true;
    if (n.IsNull()) return false;  // "grid:" with nothing under it
    error(n, path, "expected a mapping of keys, got " + std::string(n.IsSequence() ? "a list" : "a single value"));
    return false;
  }

  bool read_string(const YAML::Node& n, const std::string& path, std::string& out) {
    if (!n.IsScalar()) {
      error(n, path, "expected a string");
      return false;
    }
    out = n.Scalar();
    return true;
  }

  bool read_number(const YAML::Node& n, const std::string& path, double& out) {
    if (!n.IsScalar()) {
      error(n, path, "expected a number");
      return false;
    }
    const auto p = config::parse_si(n.Scalar());
    if (!p.ok) {
      error(n, path, p.error);
      return false;
    }
    out = p.value;
    return true;
  }

  bool read_bool(const YAML::Node& n, const std::string& path, bool& out) {
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
      out = n.Scalar() == "true";
      return true;
    }
    error(n, path, "must be true or false");
    return false;
  }

  void read_string_list(const YAML::Node& n, const std::string& path, std::vector<std::string>& out) {
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
      return;
    }
    if (!n.IsSequence()) {
      error(n, path, "expected a list of names");
      return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      std::string s;
      if (read_string(n[i], path + "[" + std::to_string(i) + "]", s)) out.push_back(s);
    }
  }

  // Each config key may be varied or set by one source only.
  void claim_key(const YAML::Node& key_node, const std::string& key, const std::string& path) {
    const SourceLocation where = at(key_node);
    auto [it, inserted] = claimed_.emplace(key, where);
    if (!inserted && it->second.str() != where.str())
      error(key_node, path, "'" + key + "' is already set or varied at " + it->second.str());
  }

  void add_parameter(const YAML::Node& where, const std::string& name, const std::string& path) {
    if (std::find(parameter_names_.begin(), parameter_names_.end(), name) != parameter_names_.end()) {
      error(where, path, "parameter '" + name + "' is defined twice");
      return;
    }
    parameter_names_.push_back(name);
  }

  Override make_override(const YAML::Node& key, const YAML::Node& value, const std::string& section) {
    Override o;
    o.key = key.Scalar();
    o.value = yaml_text(value);
    o.key_at = at(key);
    o.value_at = at(value);
    claim_key(key, o.key, section + "." + o.key);
    return o;
  }

  void read_grid(const YAML::Node& n, std::vector<Factor>& factors) {
    if (!expect_map(n, "grid")) return;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string path = "grid." + key;
      const YAML::Node values = it->second;
      if (!values.IsSequence() || values.size() == 0) {
        error(values, path, "expected a non-empty list of values, e.g. [1meg, 10meg]");
        continue;
      }
      claim_key(it->first, key, path);
      add_parameter(it->first, key, path);
      Factor f;
      for (std::size_t i = 0; i < values.size(); ++i) {
        Override o{key, yaml_text(values[i]), at(it->first), at(values[i])};
        f.push_back({{{key, o.value, number_of(o.value)}}, {o}});
      }
      factors.push_back(std::move(f));
    }
  }

  void read_zip(const YAML::Node& n, std::vector<Factor>& factors) {
    if (!expect_map(n, "zip")) return;
    std::optional<std::size_t> length;
    std::string first_key;
    Factor f;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string path = "zip." + key;
      const YAML::Node values = it->second;
      if (!values.IsSequence() || values.size() == 0) {
        error(values, path, "expected a non-empty list of values");
        continue;
      }
      if (!length) {
        length = values.size();
        first_key = key;
        f.resize(values.size());
      } else if (values.size() != *length) {
        error(values, path,
              "has " + std::to_string(values.size()) + " values, zip." + first_key + " has " + std::to_string(*length) +
                  " (zipped lists advance together and must have one length)");
        continue;
      }
      claim_key(it->first, key, path);
      add_parameter(it->first, key, path);
      for (std::size_t i = 0; i < values.size(); ++i) {
        Override o{key, yaml_text(values[i]), at(it->first), at(values[i])};
        f[i].parameters.push_back({key, o.value, number_of(o.value)});
        f[i].overrides.push_back(o);
      }
    }
    if (!f.empty()) factors.push_back(std::move(f));
  }

  void read_corners(const YAML::Node& n, std::vector<Factor>& factors) {
    if (!expect_map(n, "corners")) return;
    for (auto axis = n.begin(); axis != n.end(); ++axis) {
      const std::string name = axis->first.Scalar();
      const std::string path = "corners." + name;
      if (name.find('.') != std::string::npos) {
        error(axis->first, path, "a corner axis is a name such as process, temperature or supply, not a key path");
        continue;
      }
      if (!axis->second.IsMap() || axis->second.size() == 0) {
        error(axis->second, path, "expected corner names, each with its overrides, e.g. {tt: {}, ss: {key: value}}");
        continue;
      }
      add_parameter(axis->first, name, path);
      // Keys set in this axis: claimed once per axis, shared by its corners.
      std::map<std::string, bool> axis_keys;
      Factor f;
      for (auto corner = axis->second.begin(); corner != axis->second.end(); ++corner) {
        const std::string cname = corner->first.Scalar();
        const std::string cpath = path + "." + cname;
        Level level;
        level.parameters.push_back({name, cname, std::nullopt});
        if (!corner->second.IsNull() && !corner->second.IsMap()) {
          error(corner->second, cpath, "expected the corner's overrides as a mapping of dotted keys (or {})");
          continue;
        }
        for (auto kv = corner->second.begin(); corner->second.IsMap() && kv != corner->second.end(); ++kv) {
          const std::string key = kv->first.Scalar();
          if (!axis_keys.count(key)) {
            claim_key(kv->first, key, cpath + "." + key);
            axis_keys[key] = true;
          }
          level.overrides.push_back({key, yaml_text(kv->second), at(kv->first), at(kv->second)});
        }
        f.push_back(std::move(level));
      }
      factors.push_back(std::move(f));
    }
  }

  void read_monte_carlo(const YAML::Node& n, std::vector<Factor>& factors) {
    if (!expect_map(n, "monte_carlo")) return;
    report_.check_unknown_keys(n, "monte_carlo", {"draws", "seed", "vary"});
    double draws_d = 0;
    if (!n["draws"]) {
      error(n, "monte_carlo.draws", "missing: the number of draws");
      return;
    }
    if (!read_number(n["draws"], "monte_carlo.draws", draws_d)) return;
    if (draws_d < 1 || draws_d != std::floor(draws_d) || draws_d > kMaxJobs) {
      error(n["draws"], "monte_carlo.draws", "must be a whole number >= 1 (got " + n["draws"].Scalar() + ")");
      return;
    }
    const long draws = static_cast<long>(draws_d);
    std::uint64_t seed = 1;
    if (const auto s = n["seed"]) {
      double v = 0;
      if (read_number(s, "monte_carlo.seed", v)) {
        if (v < 0 || v != std::floor(v) || v > 9.007199254740992e15)
          error(s, "monte_carlo.seed", "must be a whole number >= 0 (got " + s.Scalar() + ")");
        else
          seed = static_cast<std::uint64_t>(v);
      }
    }
    add_parameter(n["draws"], "draw", "monte_carlo.draws");
    Factor f(static_cast<std::size_t>(draws));
    for (long d = 0; d < draws; ++d)
      f[static_cast<std::size_t>(d)].parameters.push_back({"draw", std::to_string(d), static_cast<double>(d)});
    const YAML::Node vary = n["vary"];
    if (vary && expect_map(vary, "monte_carlo.vary")) {
      for (auto it = vary.begin(); it != vary.end(); ++it) {
        const std::string key = it->first.Scalar();
        const std::string path = "monte_carlo.vary." + key;
        claim_key(it->first, key, path);
        add_parameter(it->first, key, path);
        read_distribution(it->first, it->second, key, path, seed, f);
      }
    }
    factors.push_back(std::move(f));
  }

  // {normal: [mean, sd]}, {uniform: [lo, hi]}, {lognormal: [median, sigma]},
  // {choice: [a, b, ...]}, {sequence: start}.
  void read_distribution(const YAML::Node& key_node, const YAML::Node& spec, const std::string& key,
                         const std::string& path, std::uint64_t seed, Factor& f) {
    static const std::vector<std::string> kinds = {"normal", "uniform", "lognormal", "choice", "sequence"};
    if (!spec.IsMap() || spec.size() != 1) {
      error(spec, path,
            "expected one distribution: {normal: [mean, sd]}, {uniform: [lo, hi]}, {lognormal: [median, sigma]}, "
            "{choice: [a, b, ...]} or {sequence: start}");
      return;
    }
    const std::string kind = spec.begin()->first.Scalar();
    const YAML::Node args = spec.begin()->second;
    const std::string apath = path + "." + kind;
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
      report_.check_unknown_keys(spec, path, kinds);
      return;
    }
    // Counter-based draws: draw d of this key is the same however many draws
    // the study asks for, so adding draws keeps the finished ones.
    const std::uint64_t stream = derive_seed(seed, key);
    auto put = [&](long d, const std::string& text, std::optional<double> number, const std::string& display) {
      Level& level = f[static_cast<std::size_t>(d)];
      level.parameters.push_back({key, display, number});
      level.overrides.push_back({key, text, at(key_node), at(args)});
    };
    const long draws = static_cast<long>(f.size());
    if (kind == "sequence") {
      double start = 0;
      if (!read_number(args, apath, start)) return;
      if (start != std::floor(start) || start < 0) {
        error(args, apath, "must be a whole number >= 0 (got " + args.Scalar() + ")");
        return;
      }
      for (long d = 0; d < draws; ++d) {
        const std::string text = std::to_string(static_cast<long long>(start) + d);
        put(d, text, static_cast<double>(static_cast<long long>(start) + d), text);
      }
      return;
    }
    if (!args.IsSequence()) {
      error(args, apath, "expected a list");
      return;
    }
    const auto u = [&](long d) { return counter_uniform(stream, static_cast<std::uint64_t>(d), 0, 0); };
    const auto z = [&](long d) { return counter_normal(stream, static_cast<std::uint64_t>(d), 0, 0); };
    if (kind == "choice") {
      if (args.size() == 0) {
        error(args, apath, "needs at least one value");
        return;
      }
      for (long d = 0; d < draws; ++d) {
        const std::size_t k =
            std::min<std::size_t>(static_cast<std::size_t>(u(d) * static_cast<double>(args.size())), args.size() - 1);
        const std::string text = yaml_text(args[k]);
        put(d, text, number_of(text), text);
      }
      return;
    }
    if (args.size() != 2) {
      error(args, apath, "expected two numbers");
      return;
    }
    double a = 0, b = 0;
    if (!read_number(args[0], apath + "[0]", a) || !read_number(args[1], apath + "[1]", b)) return;
    if (kind == "normal" && b < 0) return error(args[1], apath + "[1]", "the standard deviation must be >= 0");
    if (kind == "uniform" && !(a < b)) return error(args, apath, "needs lo < hi");
    if (kind == "lognormal" && !(a > 0 && b >= 0)) return error(args, apath, "needs median > 0 and sigma >= 0");
    for (long d = 0; d < draws; ++d) {
      double v = 0;
      if (kind == "normal")
        v = a + b * z(d);
      else if (kind == "uniform")
        v = a + (b - a) * u(d);
      else
        v = a * std::exp(b * z(d));
      put(d, exact_number(v), v, short_number(v));
    }
  }

  void read_plot(const YAML::Node& n, Study& s) {
    PlotSpec& p = s.plot;
    const bool given = n && expect_map(n, "plot");
    const YAML::Node x_node = given ? n["x"] : YAML::Node();
    const YAML::Node series_node = given ? n["series"] : YAML::Node();
    const bool have_x = given && x_node.IsDefined();
    const bool have_series = given && series_node.IsDefined();
    if (given) {
      report_.check_unknown_keys(n, "plot", {"metrics", "x", "series", "log_x", "log_y"});
      if (const auto m = n["metrics"]) read_string_list(m, "plot.metrics", p.metrics);
      if (have_x) read_string(x_node, "plot.x", p.x);
      if (have_series && !series_node.IsNull()) read_string(series_node, "plot.series", p.series);
      if (const auto b = n["log_x"]) read_bool(b, "plot.log_x", p.log_x);
      if (const auto b = n["log_y"]) read_bool(b, "plot.log_y", p.log_y);
    }
    if (p.metrics.empty()) p.metrics = {s.table_metrics.front()};
    const auto& names = parameter_names_;
    auto known = [&](const std::string& name, const YAML::Node& where, const std::string& path) {
      if (name.empty() || std::find(names.begin(), names.end(), name) != names.end()) return;
      std::string msg = "'" + name + "' is not a parameter of this study";
      if (auto guess = yamldiag::closest(name, names)) {
        msg += "; did you mean '" + *guess + "'?";
      } else if (!names.empty()) {
        std::string list;
        for (const auto& k : names) list += (list.empty() ? "" : ", ") + k;
        msg += " (parameters: " + list + ")";
      }
      error(where, path, msg);
    };
    if (have_x) known(p.x, x_node, "plot.x");
    if (have_series) known(p.series, series_node, "plot.series");
    if (p.x.empty() && !names.empty()) p.x = names.front();
    if (!have_series && names.size() >= 2) p.series = names[1] == p.x ? names.front() : names[1];
    if (have_series && !p.series.empty() && p.series == p.x)
      error(series_node, "plot.series", "must differ from plot.x");
  }

  void expand(Study& s, const std::vector<Override>& common, const std::vector<Factor>& factors) {
    long total = 1;
    for (const auto& f : factors) {
      total *= static_cast<long>(f.size());
      if (total > kMaxJobs) {
        diags_.push_back({{file_, 0, 0}, "", "the study expands to more than " + std::to_string(kMaxJobs) + " jobs"});
        return;
      }
    }
    s.jobs.reserve(static_cast<std::size_t>(total));
    for (long index = 0; index < total; ++index) {
      Job job;
      job.index = index;
      job.overrides = common;
      // Mixed radix, the last factor fastest.
      std::vector<std::size_t> digit(factors.size());
      long rest = index;
      for (std::size_t k = factors.size(); k-- > 0;) {
        const long size = static_cast<long>(factors[k].size());
        digit[k] = static_cast<std::size_t>(rest % size);
        rest /= size;
      }
      for (std::size_t k = 0; k < factors.size(); ++k) {
        const Level& level = factors[k][digit[k]];
        job.parameters.insert(job.parameters.end(), level.parameters.begin(), level.parameters.end());
        job.overrides.insert(job.overrides.end(), level.overrides.begin(), level.overrides.end());
      }
      // Parameters in the order of the names (factors add them in that order).
      s.jobs.push_back(std::move(job));
    }
  }

  std::string file_;
  std::vector<Diagnostic> diags_;
  yamldiag::Reporter report_{file_, diags_};
  std::map<std::string, SourceLocation> claimed_;
  std::vector<std::string> parameter_names_;
};

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<std::string> Job::override_args() const {
  std::vector<std::string> out;
  out.reserve(overrides.size());
  for (const auto& o : overrides) out.push_back(o.arg());
  return out;
}

std::string Job::label() const {
  if (parameters.empty()) return "(base config)";
  // Short names unless two parameters share one.
  std::set<std::string> shorts;
  bool unique = true;
  for (const auto& p : parameters) unique = shorts.insert(short_name(p.name)).second && unique;
  std::string s;
  for (const auto& p : parameters) {
    if (!s.empty()) s += ' ';
    s += (unique ? short_name(p.name) : p.name) + "=" + p.text;
  }
  return s;
}

nlohmann::json Study::describe() const {
  return {{"name", name},
          {"file", file},
          {"config", config},
          {"timeout", timeout},
          {"parameters", parameter_names},
          {"table", table_metrics},
          {"plot",
           {{"metrics", plot.metrics},
            {"x", plot.x},
            {"series", plot.series},
            {"log_x", plot.log_x},
            {"log_y", plot.log_y}}},
          {"jobs", jobs.size()}};
}

const std::vector<std::string>& default_table_metrics() {
  static const std::vector<std::string> m = {"error_vs_reference.final.median", "error_vs_reference.max.max",
                                             "metrics.circuit.kl.value", "metrics.circuit.l2.value",
                                             "kl_ratio_circuit_over_software"};
  return m;
}

std::string config_hash(const config::Config& cfg) {
  config::Config c = cfg;
  const config::SimulationConfig defaults;
  c.simulation.workers = defaults.workers;
  c.simulation.mode = defaults.mode;
  std::string text = config::to_yaml(c);
  text += "\n# weight file bytes\n";
  text += read_bytes(cfg.resolve_input("model.file", cfg.model.file));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(derive_seed(0x6d656d636f73696dULL, text)));
  return buf;
}

namespace {

// Loads every job's config; the problems, located in the study file.
// Jobs with one config are reported only when the study file was read
// without problems (a broken factor can make jobs alike).
std::vector<Diagnostic> check_job_configs(Study& study, std::ostream& warn, bool check_duplicates) {
  struct Finding {
    Diagnostic diagnostic;
    std::vector<long> jobs;
  };
  std::vector<Finding> findings;
  std::map<std::string, std::size_t> by_text;
  auto add = [&](Diagnostic d, long job) {
    const std::string key = d.str();
    auto [it, inserted] = by_text.emplace(key, findings.size());
    if (inserted) findings.push_back({std::move(d), {}});
    findings[it->second].jobs.push_back(job);
  };
  std::map<std::string, bool> models_checked;  // resolved weight file -> ok
  std::map<std::string, long> seen_hash;

  for (Job& job : study.jobs) {
    // --set labels back to the study lines that produced them.
    std::map<std::string, const Override*> by_label;
    for (const auto& o : job.overrides) by_label["--set " + o.arg()] = &o;
    auto relocate = [&](Diagnostic d) {
      if (auto it = by_label.find(d.where.file); it != by_label.end())
        d.where = yamldiag::is_unknown_key(d) ? it->second->key_at : it->second->value_at;
      return d;
    };
    try {
      const config::Config cfg = config::load_config(study.config, job.override_args());
      const std::string model_path = cfg.resolve_input("model.file", cfg.model.file).string();
      if (!models_checked.count(model_path)) {
        models_checked[model_path] = false;
        (void)flow::load_task(cfg, warn);
        models_checked[model_path] = true;
      }
      job.config_hash = config_hash(cfg);
      auto [it, inserted] = seen_hash.emplace(job.config_hash, job.index);
      if (!inserted && check_duplicates) {
        const Job& first = study.jobs[static_cast<std::size_t>(it->second)];
        const SourceLocation where = job.overrides.empty() ? SourceLocation{study.file} : job.overrides.back().value_at;
        add({where, "",
             "job " + std::to_string(job.index) + " (" + job.label() + ") resolves to the same config as job " +
                 std::to_string(first.index) + " (" + first.label() + "); every job must differ"},
            job.index);
      }
    } catch (const InputError& e) {
      for (const auto& d : e.diagnostics()) add(relocate(d), job.index);
    }
  }
  std::vector<Diagnostic> out;
  const long n = static_cast<long>(study.jobs.size());
  for (auto& f : findings) {
    Diagnostic d = f.diagnostic;
    const Job& first = study.jobs[static_cast<std::size_t>(f.jobs.front())];
    const long count = static_cast<long>(f.jobs.size());
    if (d.message.rfind("job ", 0) == 0) {
      // already names its jobs
    } else if (count == n && n > 1) {
      d.message += " (in every job)";
    } else if (count == 1) {
      d.message += " (job " + std::to_string(first.index) + ": " + first.label() + ")";
    } else {
      d.message += " (in " + std::to_string(count) + " jobs, e.g. job " + std::to_string(first.index) + ": " +
                   first.label() + ")";
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

Study load_study(const std::string& path, std::ostream& warn, bool check_configs) {
  Parser parser(path);
  Study study = parser.parse();
  std::vector<Diagnostic> diags = std::move(parser.diagnostics());
  // A study that could not be read fully still has its jobs' configs
  // checked, so that one run reports every problem.
  if (check_configs && !study.jobs.empty()) {
    auto more = check_job_configs(study, warn, diags.empty());
    diags.insert(diags.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  yamldiag::throw_if_any(std::move(diags));
  return study;
}

}  // namespace memcosim::study
