#include "config/reflect.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <tuple>

#include "util/files.hpp"

namespace memcosim::config {

std::string join_path(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  return std::string(prefix) + "." + std::string(key);
}

SourceLocation Locations::find(std::string path) const {
  for (;;) {
    if (auto it = map_.find(path); it != map_.end()) return it->second;
    const auto cut = path.find_last_of(".[");
    if (cut == std::string::npos) break;
    path.resize(cut);
  }
  if (auto it = map_.find(""); it != map_.end()) return it->second;
  return {};
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::optional<std::string> did_you_mean(std::string_view key, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(key, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  const std::size_t allowed = std::max<std::size_t>(2, key.size() / 3);
  if (best && best_d <= allowed) return best;
  return std::nullopt;
}

SourceLocation Reader::locate(const YAML::Node& node, const std::string& path) const {
  // A value that came from --set is located at that option.
  for (const auto& [opath, label] : ctx_.override_labels) {
    if (path == opath || path.rfind(opath + ".", 0) == 0 || path.rfind(opath + "[", 0) == 0)
      return SourceLocation{label, 0, 0};
  }
  const YAML::Mark m = node.Mark();
  if (m.is_null()) {
    // A section that only exists because an override created it.
    for (const auto& [opath, label] : ctx_.override_labels)
      if (opath.rfind(path + ".", 0) == 0) return SourceLocation{label, 0, 0};
    return SourceLocation{ctx_.file, 0, 0};
  }
  return SourceLocation{ctx_.file, m.line + 1, m.column + 1};
}

void Reader::error(const YAML::Node& node, const std::string& path, std::string message) const {
  ctx_.diagnostics->push_back({locate(node, path), path, std::move(message)});
}

void Reader::finish() {
  if (!node_ || !node_.IsMap()) return;
  std::map<std::string, int> seen_at;  // key -> line of first occurrence
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const YAML::Node key = it->first;
    const std::string name = key.IsScalar() ? key.Scalar() : std::string("<non-scalar key>");
    const std::string path = join_path(path_, name);
    // A key written in the file is located there even if --set overrides its value.
    const SourceLocation where = key.Mark().is_null()
                                     ? locate(key, path)
                                     : SourceLocation{ctx_.file, key.Mark().line + 1, key.Mark().column + 1};
    if (auto [pos, inserted] = seen_at.emplace(name, key.Mark().line + 1); !inserted) {
      ctx_.diagnostics->push_back({where, path, "duplicate key (first given on line " + std::to_string(pos->second) + ")"});
      continue;
    }
    if (std::find(known_.begin(), known_.end(), name) != known_.end()) continue;
    std::string msg = "unknown key '" + name + "'";
    if (auto guess = did_you_mean(name, known_)) {
      msg += "; did you mean '" + join_path(path_, *guess) + "'?";
    } else {
      std::string list;
      for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
      msg += " (known keys here: " + list + ")";
    }
    ctx_.diagnostics->push_back({where, path, msg});
  }
}

bool Reader::scalar(const YAML::Node& node, const std::string& path, const char* expected) const {
  if (node.IsScalar()) return true;
  const char* got = node.IsMap() ? "a mapping" : node.IsSequence() ? "a list" : "nothing (null)";
  error(node, path, std::string("expected ") + expected + ", got " + got);
  return false;
}

std::optional<double> Reader::read_double(const YAML::Node& node, const std::string& path) const {
  if (!scalar(node, path, "a number")) return std::nullopt;
  const ParsedNumber p = parse_si(node.Scalar());
  if (!p.ok) {
    error(node, path, p.error);
    return std::nullopt;
  }
  return p.value;
}

std::optional<long long> Reader::read_integer(const YAML::Node& node, const std::string& path) const {
  const auto v = read_double(node, path);
  if (!v) return std::nullopt;
  // Integers may use suffixes ("10k"), but must be whole and exactly representable.
  if (*v != static_cast<double>(static_cast<long long>(*v)) || std::abs(*v) > 9.007199254740992e15) {
    error(node, path, "must be a whole number (got " + node.Scalar() + ")");
    return std::nullopt;
  }
  return static_cast<long long>(*v);
}

std::string Writer::quote(const std::string& s) {
  // Plain when YAML would read it back as the same string; quoted otherwise.
  bool plain = !s.empty() && !parse_si(s).ok && s != "true" && s != "false" && s != "null" && s != "~";
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/'))
      plain = false;
  }
  // ".nan"/".inf" and "-x" would not read back as plain strings.
  if (plain && (s.front() == '-' || (s.front() == '.' && s.size() > 1 && std::isalpha(static_cast<unsigned char>(s[1])))))
    plain = false;
  if (plain) return s;
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void Writer::comment(std::string_view doc) {
  if (!comments_ || doc.empty()) return;
  // Wrap at ~90 columns.
  std::istringstream words{std::string(doc)};
  std::string word, line;
  auto flush = [&] {
    pad();
    out_ << "# " << line << "\n";
    line.clear();
  };
  while (words >> word) {
    if (!line.empty() && line.size() + word.size() + 1 > static_cast<std::size_t>(88 - indent_)) flush();
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) flush();
}

YAML::Node load_one_document(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  std::vector<YAML::Node> docs = YAML::LoadAll(in);
  if (docs.size() > 1) {
    const YAML::Mark m = docs[1].Mark();
    throw InputError(Diagnostic{{path, m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1}, "",
                                "a second YAML document ('---') in a " + std::string(what) +
                                    ", which is one document; remove it or make it a file of its own"});
  }
  return docs.empty() ? YAML::Node() : docs[0];
}

YAML::Node load_yaml_file(const std::string& path, std::string_view what) {
  check_input_file(path, what);
  YAML::Node root;
  try {
    root = load_one_document(path, what);
  } catch (const YAML::ParserException& e) {
    throw InputError(Diagnostic{{path, e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax error: " + e.msg});
  } catch (const YAML::Exception& e) {
    throw InputError(Diagnostic{{path, 0, 0}, "", std::string("cannot read YAML: ") + e.what()});
  }
  if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);  // empty file: all defaults
  if (!root.IsMap()) {
    const YAML::Mark m = root.Mark();
    throw InputError(Diagnostic{{path, m.line + 1, m.column + 1}, "",
                                "a " + std::string(what) + " must be a mapping of keys at top level"});
  }
  return root;
}

void throw_if_any(std::vector<Diagnostic> diagnostics) {
  if (diagnostics.empty()) return;
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) < std::tie(b.where.file, b.where.line, b.where.column);
  });
  throw InputError(std::move(diagnostics));
}

}  // namespace memcosim::config
