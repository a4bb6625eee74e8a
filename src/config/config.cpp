#include "config/config.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "util/files.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::config {

void Config::validate(Checker& c) const {
  // The name ends up in netlist titles and folder names.
  c.rule("name", "name is letters, digits, '_', '-' or '.', not starting with '.' or '-'", yamldiag::valid_name(name),
         yamldiag::name_rule_message(name));
  c.rule("sampling.class_index", "sampling.class_index < model.classes",
         !sampling.class_index || *sampling.class_index < model.classes,
         "must be < model.classes (" + std::to_string(model.classes) + ") for a conditional model");
  const bool letters = dataset.kind == DatasetKind::letters;
  const int n_letters = static_cast<int>(dataset.letters.text.size());
  c.rule("model.classes",
         "with dataset.kind letters: model.classes is 0 or the number of letters in dataset.letters.text",
         !letters || model.classes == 0 || model.classes == n_letters,
         "must be 0 (unconditional) or the number of letters in dataset.letters.text (" + std::to_string(n_letters) +
             ") (got " + std::to_string(model.classes) + ")");
}

std::filesystem::path Config::resolve(const std::string& path) const {
  std::filesystem::path p(path);
  if (p.is_absolute()) return p;
  return (base_dir / p).lexically_normal();
}

std::filesystem::path Config::resolve_input(const std::string& key, const std::string& path) const {
  std::filesystem::path here = resolve(path);
  if (locations.given(key) || std::filesystem::path(path).is_absolute()) return here;
  std::error_code ec;
  if (std::filesystem::exists(here, ec)) return here;
  const std::filesystem::path data = data_dir();
  if (data.empty()) return here;
  const std::filesystem::path shipped = (data / "configs" / path).lexically_normal();
  return std::filesystem::exists(shipped, ec) ? shipped : here;
}

std::uint64_t Config::sampling_seed() const { return sampling.seed ? *sampling.seed : derive_seed(seed, "sampling"); }

namespace {

// Inserts value at a dotted path of root, creating sections as needed.
void apply_override(YAML::Node& root, const std::string& path, const YAML::Node& value) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string part; std::getline(ss, part, '.');) parts.push_back(part);
  YAML::Node cur = root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!cur[parts[i]].IsMap()) cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
    cur.reset(cur[parts[i]]);
  }
  cur[parts.back()] = value;
}

bool valid_key_path(const std::string& path) {
  if (path.empty() || path.front() == '.' || path.back() == '.' || path.find("..") != std::string::npos) return false;
  for (char c : path)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  YAML::Node root = yamldiag::load_mapping(path, "config file");
  std::vector<Diagnostic> diagnostics;
  Reader::Context ctx(path, diagnostics);
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    const std::string label = "--set " + o;
    if (eq == std::string::npos || !valid_key_path(o.substr(0, eq))) {
      diagnostics.push_back({{label, 0, 0}, "", "expected --set dotted.key=value (e.g. sampling.n=100)"});
      continue;
    }
    const std::string key = o.substr(0, eq);
    YAML::Node value;
    try {
      value = YAML::Load(o.substr(eq + 1));
    } catch (const YAML::Exception& e) {
      diagnostics.push_back({{label, 0, 0}, key, "value is not valid YAML: " + e.msg});
      continue;
    }
    apply_override(root, key, value);
    ctx.override_labels[key] = label;
  }

  Config cfg;
  cfg.source = path;
  cfg.base_dir = std::filesystem::absolute(std::filesystem::path(path)).parent_path();
  read_struct(ctx, root, cfg, cfg.locations);
  yamldiag::throw_if_any(std::move(diagnostics));
  return cfg;
}

void check_rules(const Config& config) {
  std::vector<Diagnostic> diagnostics;
  Checker checker(config.locations, diagnostics);
  check_rules(config, checker);
  yamldiag::throw_if_any(std::move(diagnostics));
}

std::string to_yaml(const Config& config, bool comments) {
  std::ostringstream out;
  Writer w(out, 0, comments);
  const_cast<Config&>(config).fields(w);
  return out.str();
}

std::string reference_markdown() {
  std::vector<Documenter::Row> rows;
  Documenter d(rows);
  Config defaults;
  d.add_rules(defaults);
  defaults.fields(d);
  auto cell = [](const std::string& s) {
    std::string out;
    for (char c : s) out += (c == '|') ? std::string("\\|") : std::string(1, c);
    return out;
  };
  std::ostringstream md;
  md << "| Key | Type | Default | Rule | Description |\n|---|---|---|---|---|\n";
  for (const auto& r : rows) {
    if (r.type == "section") {
      md << "| **`" << r.key << "`** | section | | | " << cell(r.doc) << " |\n";
    } else if (r.type == "rule") {
      // A cross-field rule (validate hook), under its section.
      md << "| *rule*" << (r.key.empty() ? " (top level)" : "") << " | | | " << cell(r.rule) << " | " << cell(r.doc)
         << " |\n";
    } else {
      md << "| `" << r.key << "` | " << r.type << " | `" << cell(r.default_value) << "` | " << cell(r.rule) << " | "
         << cell(r.doc) << " |\n";
    }
  }
  return md.str();
}

}  // namespace memcosim::config
