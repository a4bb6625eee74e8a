// Located diagnostics for every YAML file memcosim reads (configs, study
// files, weight files, regression cases): loading with located syntax
// errors, file:line:column from yaml-cpp's marks, dotted key paths, unknown
// keys with a did-you-mean suggestion, duplicate keys, the name rule, and
// throwing the collected diagnostics as one InputError.
//
// Every message has one shape, Diagnostic::str():
//   FILE:LINE:COL: key.path: message
// e.g. "ring.yaml:3:3: sampling.metod: unknown key 'metod'; did you mean 'sampling.method'?"
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "util/error.hpp"

namespace memcosim::yamldiag {

// ---------------------------------------------------------------------------
// Loading

// The file's one YAML document (a null node if it has none). Throws
// InputError naming the file when it cannot be read, at the line and column
// of a syntax error, and at the start of a second document ("---"), which
// yaml-cpp would silently ignore. `what` names the file kind ("study file").
YAML::Node load_document(const std::string& path, std::string_view what);
// load_document for files that are a mapping of keys at top level (an empty
// file is an empty mapping); InputError otherwise.
YAML::Node load_mapping(const std::string& path, std::string_view what);

// Throws InputError with the diagnostics sorted by file, line and column,
// unless there are none.
void throw_if_any(std::vector<Diagnostic> diagnostics);

// ---------------------------------------------------------------------------
// Names and words

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c".
std::string join_key(std::string_view prefix, std::string_view key);

// Levenshtein distance, letters compared case-insensitively.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The closest of candidates to word, if close enough to be a plausible typo.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

// The rule for names that end up in folder names, netlist titles and JUnit
// names (config and study names, regression case and probe names): letters,
// digits, '_', '-' and '.', not starting with '.' or '-'.
bool valid_name(std::string_view name);
// "must be letters, digits, '_', '-' or '.' (not first) (got 'NAME')".
std::string name_rule_message(std::string_view got);

// ---------------------------------------------------------------------------
// Reporter: collects located diagnostics about one YAML file.

class Reporter {
 public:
  Reporter(std::string file, std::vector<Diagnostic>& out) : file_(std::move(file)), out_(&out) {}
  virtual ~Reporter() = default;

  const std::string& file() const { return file_; }
  std::vector<Diagnostic>& diagnostics() const { return *out_; }

  // Where node is: file:line:column from its mark (file alone without one).
  // `path` is the node's key path, for readers that locate some keys
  // elsewhere (config values given by --set).
  virtual SourceLocation locate(const YAML::Node& node, const std::string& path) const;
  // A key node: in the file if it has a mark, else locate().
  SourceLocation locate_key(const YAML::Node& key, const std::string& path) const;

  void error(const YAML::Node& at, const std::string& path, std::string message) const;

  // Keys of map not in known: "unknown key 'k'; did you mean 'path.to.key'?",
  // or the known keys listed when none is close. Reported at the key.
  void check_unknown_keys(const YAML::Node& map, std::string_view map_path,
                          const std::vector<std::string>& known) const;
  // A key given twice in one mapping (yaml-cpp keeps both and lookups see
  // only the first): reported at the second, naming the line of the first.
  // recursive: in every mapping below node too.
  void check_duplicate_keys(const YAML::Node& node, std::string_view path, bool recursive) const;
  // Both checks on one mapping (not below it).
  void check_keys(const YAML::Node& map, std::string_view map_path, const std::vector<std::string>& known) const {
    check_duplicate_keys(map, map_path, false);
    check_unknown_keys(map, map_path, known);
  }

 private:
  std::string file_;
  std::vector<Diagnostic>* out_;
};

// True for the diagnostics check_unknown_keys writes (their place is the
// key, not its value; a study relocates them to the key that set them).
bool is_unknown_key(const Diagnostic& d);

}  // namespace memcosim::yamldiag
