#include "util/yaml_diag.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "util/files.hpp"

namespace memcosim::yamldiag {

namespace {

constexpr std::string_view kUnknownKey = "unknown key '";

SourceLocation mark_location(const std::string& file, const YAML::Mark& m) {
  if (m.is_null() || m.line < 0) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};  // yaml-cpp marks are 0-based
}

std::string key_text(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : std::string("<non-scalar key>"); }

}  // namespace

YAML::Node load_document(const std::string& path, std::string_view what) {
  check_input_file(path, what);
  std::vector<YAML::Node> docs;
  try {
    std::ifstream in(path, std::ios::binary);
    docs = YAML::LoadAll(in);
  } catch (const YAML::ParserException& e) {
    throw InputError(Diagnostic{mark_location(path, e.mark), "", "YAML syntax error: " + e.msg});
  } catch (const YAML::Exception& e) {
    throw InputError(Diagnostic{{path, 0, 0}, "", std::string("cannot read YAML: ") + e.what()});
  }
  if (docs.size() > 1)
    throw InputError(Diagnostic{mark_location(path, docs[1].Mark()), "",
                                "a second YAML document ('---') in a " + std::string(what) +
                                    ", which is one document; remove it or make it a file of its own"});
  return docs.empty() ? YAML::Node() : docs[0];
}

YAML::Node load_mapping(const std::string& path, std::string_view what) {
  const YAML::Node root = load_document(path, what);
  if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);  // empty file: all defaults
  if (!root.IsMap())
    throw InputError(Diagnostic{mark_location(path, root.Mark()), "",
                                "a " + std::string(what) + " must be a mapping of keys at top level"});
  return root;
}

void throw_if_any(std::vector<Diagnostic> diagnostics) {
  if (diagnostics.empty()) return;
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) < std::tie(b.where.file, b.where.line, b.where.column);
  });
  throw InputError(std::move(diagnostics));
}

std::string join_key(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  if (key.empty()) return std::string(prefix);
  return std::string(prefix) + "." + std::string(key);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same =
          std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  const std::size_t allowed = std::max<std::size_t>(2, word.size() / 3);
  if (best && best_d <= allowed) return best;
  return std::nullopt;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.front() == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

std::string name_rule_message(std::string_view got) {
  return "must be letters, digits, '_', '-' or '.' (not first) (got '" + std::string(got) + "')";
}

SourceLocation Reporter::locate(const YAML::Node& node, const std::string& /*path*/) const {
  return mark_location(file_, node.Mark());
}

SourceLocation Reporter::locate_key(const YAML::Node& key, const std::string& path) const {
  return key.Mark().is_null() ? locate(key, path) : mark_location(file_, key.Mark());
}

void Reporter::error(const YAML::Node& at, const std::string& path, std::string message) const {
  out_->push_back({locate(at, path), path, std::move(message)});
}

void Reporter::check_unknown_keys(const YAML::Node& map, std::string_view map_path,
                                  const std::vector<std::string>& known) const {
  if (!map.IsMap()) return;
  std::set<std::string> reported;  // a duplicated unknown key is reported once as unknown
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string name = key_text(it->first);
    if (std::find(known.begin(), known.end(), name) != known.end() || !reported.insert(name).second) continue;
    std::string msg = std::string(kUnknownKey) + name + "'";
    if (auto guess = closest(name, known)) {
      msg += "; did you mean '" + join_key(map_path, *guess) + "'?";
    } else {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      msg += " (known keys here: " + list + ")";
    }
    const std::string path = join_key(map_path, name);
    out_->push_back({locate_key(it->first, path), path, std::move(msg)});
  }
}

void Reporter::check_duplicate_keys(const YAML::Node& node, std::string_view path, bool recursive) const {
  if (node.IsSequence()) {
    if (recursive)
      for (std::size_t i = 0; i < node.size(); ++i)
        check_duplicate_keys(node[i], std::string(path) + "[" + std::to_string(i) + "]", true);
    return;
  }
  if (!node.IsMap()) return;
  std::map<std::string, int> first_line;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string name = key_text(it->first);
    const std::string sub = join_key(path, name);
    const SourceLocation where = locate_key(it->first, sub);
    if (auto [first, inserted] = first_line.emplace(name, where.line); !inserted)
      out_->push_back({where, sub, "duplicate key (first given on line " + std::to_string(first->second) + ")"});
    if (recursive) check_duplicate_keys(it->second, sub, true);
  }
}

bool is_unknown_key(const Diagnostic& d) { return d.message.rfind(kUnknownKey, 0) == 0; }

}  // namespace memcosim::yamldiag
