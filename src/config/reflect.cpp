#include "config/reflect.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace memcosim::config {

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

SourceLocation Reader::Context::locate(const YAML::Node& node, const std::string& path) const {
  // A value that came from --set is located at that option.
  for (const auto& [opath, label] : override_labels) {
    if (path == opath || path.rfind(opath + ".", 0) == 0 || path.rfind(opath + "[", 0) == 0)
      return SourceLocation{label, 0, 0};
  }
  const YAML::Mark m = node.Mark();
  if (m.is_null()) {
    // A section that only exists because an override created it.
    for (const auto& [opath, label] : override_labels)
      if (opath.rfind(path + ".", 0) == 0) return SourceLocation{label, 0, 0};
  }
  return Reporter::locate(node, path);
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
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/')) plain = false;
  }
  // ".nan"/".inf" and "-x" would not read back as plain strings.
  if (plain &&
      (s.front() == '-' || (s.front() == '.' && s.size() > 1 && std::isalpha(static_cast<unsigned char>(s[1])))))
    plain = false;
  if (plain) return s;
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
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

}  // namespace memcosim::config
