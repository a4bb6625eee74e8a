#include "util/error.hpp"

namespace memcosim {

std::string SourceLocation::str() const {
  std::string s = file.empty() ? std::string("<input>") : file;
  if (line > 0) {
    s.append(":").append(std::to_string(line));
    if (column > 0) s.append(":").append(std::to_string(column));
  }
  return s;
}

std::string Diagnostic::str() const {
  std::string s = where.str();
  s.append(": ");
  if (!key_path.empty()) s.append(key_path).append(": ");
  return s.append(message);
}

namespace {
std::string join(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    if (i) s += '\n';
    s += ds[i].str();
  }
  return s;
}
}  // namespace

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : Error(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

InputError::InputError(Diagnostic diagnostic) : InputError(std::vector<Diagnostic>{std::move(diagnostic)}) {}

}  // namespace memcosim
