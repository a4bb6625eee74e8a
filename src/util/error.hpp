// Error types shared by every module.
//
// Exceptions are used at the edges (file loaders, the simulator session, the
// command line); numerical code returns result structs that say why it
// stopped. Every error a user can cause names where it comes from: a file,
// line and column plus the key path for configs and weight files, the failing
// element or simulator message for netlists.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace memcosim {

// A place in a user's file. line and column are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  SourceLocation() = default;
  SourceLocation(std::string f, int l = 0, int c = 0) : file(std::move(f)), line(l), column(c) {}

  // "file:line:column", "file:line" or "file", whatever is known.
  std::string str() const;
};

// Base class of every memcosim exception.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One finding about a user's input: where, which key, what is wrong.
struct Diagnostic {
  SourceLocation where;
  std::string key_path;  // dotted path, e.g. "sampling.ode.rtol"; may be empty
  std::string message;   // value and rule, e.g. "must be > 0 (got -1)"

  Diagnostic() = default;
  Diagnostic(SourceLocation w, std::string key, std::string msg)
      : where(std::move(w)), key_path(std::move(key)), message(std::move(msg)) {}

  // "file:line:col: key.path: message"
  std::string str() const;
};

// Several findings about one input, reported together. what() lists them all,
// one per line.
class InputError : public Error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  explicit InputError(Diagnostic diagnostic);

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// A failure of the circuit simulator (parse error, convergence failure, crash
// of a worker process, timeout). what() carries the simulator's own message.
class SimulationError : public Error {
 public:
  using Error::Error;
};

}  // namespace memcosim
