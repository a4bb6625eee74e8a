// NgspiceSession: the one class that owns libngspice.
//
// libngspice keeps all of its state in process globals, so there is at most
// one live session per process; constructing a second one throws. Worker
// processes (worker_pool.hpp) give each simulation a process of its own; this
// class is what runs inside them, and it can be used directly in-process for
// single runs and debugging.
//
// What the class takes care of:
// - C numeric locale around every call into ngspice (it parses and prints
//   numbers with the C library), restored afterwards.
// - Callbacks: every line ngspice prints is captured (bounded) and read for
//   errors, because ngSpice_Circ and `run` return 0 for broken netlists and
//   failed analyses (see diagnostics.hpp). The callbacks get the session's
//   state as their user pointer and ignore calls once the session is gone.
// - Controlled exit: when ngspice says it "cannot recover and awaits to be
//   reset or detached", the session records it and every later call throws
//   SpiceError(controlled_exit / unusable). recover() resets the library
//   when it exports ngSpice_Reset (ngspice >= 44); otherwise the process
//   (a worker) must be replaced.
// - Timeouts: analyses run in ngspice's background thread (bg_run) and the
//   caller waits on a condition variable signalled by the BGThreadRunning
//   callback; at the deadline bg_halt stops the analysis between time steps.
// - Features newer than ngspice 39 are looked up at run time with dlsym
//   (ngSpice_LockRealloc/UnlockRealloc, ngSpice_Reset, ngSpice_nospiceinit),
//   never referenced directly, so the same binary runs against 39 and 46.
// - User start-up files: ngspice reads ./.spiceinit or ~/.spiceinit, which
//   can change results. ngSpice_nospiceinit cannot be used to stop that on
//   Linux: in ngspice 46 it crashes when called before ngSpice_Init, and the
//   flag it sets is only consulted on platforms without <pwd.h>. So the
//   session finds the file ngspice would read and, by default, refuses to
//   start (SessionOptions::user_spiceinit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "spice/diagnostics.hpp"
#include "spice/plot.hpp"
#include "util/error.hpp"

namespace memcosim::spice {

// What kind of failure a SpiceError reports.
enum class SpiceErrorKind {
  parse,            // the netlist was rejected (names the line and element)
  simulation,       // the analysis failed: convergence, timestep too small, no data
  timeout,          // the analysis did not finish in time and was halted
  controlled_exit,  // ngspice asked to be detached; the session is now unusable
  unusable,         // a call on a session after a controlled exit or a failed halt
  command,          // a control command (write, alter, ...) failed
  setup,            // the session could not be set up as asked
};

std::string_view to_string(SpiceErrorKind kind);

// A SimulationError with the details a caller may want to act on. what()
// is complete on its own: it names the line/element and quotes ngspice.
class SpiceError : public SimulationError {
 public:
  SpiceError(SpiceErrorKind kind, const std::string& message, std::vector<std::string> simulator_lines = {},
             int netlist_line = 0, std::string element = {});

  SpiceErrorKind kind() const { return kind_; }
  // ngspice's own lines about the failure, verbatim.
  const std::vector<std::string>& simulator_lines() const { return simulator_lines_; }
  // Netlist line (1-based, as given to load()) the failure is about; 0 if unknown.
  int netlist_line() const { return netlist_line_; }
  // Element or node the failure is about (lower case, as ngspice spells it); may be empty.
  const std::string& element() const { return element_; }

 private:
  SpiceErrorKind kind_;
  std::vector<std::string> simulator_lines_;
  int netlist_line_ = 0;
  std::string element_;
};

enum class UserInitPolicy {
  refuse,  // throw SpiceError(setup) naming the .spiceinit ngspice would read
  allow,   // let ngspice read it; SimulatorInfo::user_spiceinit names it
};

struct SessionOptions {
  // What to do when ngspice would read ./.spiceinit or ~/.spiceinit.
  UserInitPolicy user_spiceinit = UserInitPolicy::refuse;
  // ngspice's OpenMP threads (num_threads). The system spinit asks for 8;
  // with one simulation per worker process and per core, 1 is faster and
  // keeps the process free of extra threads.
  int openmp_threads = 1;
  // ngspice 46 checks the free memory (reads /proc/meminfo) at every output
  // point to stop before vectors exhaust RAM; that makes a small transient
  // ~5x slower. Off by default: a worker that runs out of memory is killed
  // and reported like a crash.
  bool memory_check = false;
  // Also reject netlists from which ngspice silently drops an element
  // ("... is not a valid resistor instance line, ignored!").
  bool strict = true;
  // Lines of simulator output kept per job (first half and last half).
  std::size_t max_log_lines = 4000;
  // Called for every line ngspice prints, from whichever thread prints it
  // (worker processes use it to stream the log to the parent).
  std::function<void(const OutputLine&)> on_output;
};

struct SimulatorInfo {
  std::string version;              // as in the banner "ngspice-46": "46", "39"
  int version_major = 0;            // 46, 39
  std::vector<std::string> banner;  // output of the `version` command
  bool has_klu = false;             // built with the KLU solver (".options klu" works)
  bool has_lock_realloc = false;    // ngSpice_LockRealloc / ngSpice_UnlockRealloc exported
  bool has_reset = false;           // ngSpice_Reset exported (ngspice >= 44; recover() possible)
  bool has_nospiceinit = false;     // ngSpice_nospiceinit exported (not called; see above)
  std::string user_spiceinit;       // the .spiceinit this process's ngSpice_Init read, "" if none
  std::string library;              // the libngspice file loaded at run time ("" if unknown)
};

// A watch on a running analysis (early stop inside the simulation): after
// every time point ngspice accepts, on_point(time, values) runs in ngspice's
// background thread with the values of `nodes` in that order; returning true
// halts the analysis (bg_halt) right there: run() returns normally with the
// data up to the halt, and halted_by_watch() tells. ngspice may accept a
// point or two more before it sees the halt; the caller's own record of
// where it decided (the time on_point was given) is the stop.
struct TransientWatch {
  std::vector<std::string> nodes;  // node names, as in the netlist (case-insensitive)
  std::function<bool(double time, const std::vector<double>& values)> on_point;
};

enum class RawFormat { binary, ascii };

// The control commands that write the current plot to a raw file at path
// (what NgspiceSession::write_raw sends; also usable as Job::post_commands).
// Throws SpiceError(setup) for a path ngspice's write cannot take.
std::vector<std::string> raw_write_commands(const std::string& path, RawFormat format,
                                            const std::vector<std::string>& names = {});

class NgspiceSession {
 public:
  explicit NgspiceSession(SessionOptions options = {});
  ~NgspiceSession();
  NgspiceSession(const NgspiceSession&) = delete;
  NgspiceSession& operator=(const NgspiceSession&) = delete;
  NgspiceSession(NgspiceSession&&) = delete;
  NgspiceSession& operator=(NgspiceSession&&) = delete;

  // True while a session exists in this process.
  static bool alive_in_this_process();

  const SimulatorInfo& info() const;
  // False after a controlled exit or an analysis that could not be halted.
  bool usable() const;

  // Replaces the current circuit and all plots by `netlist` (SPICE text; the
  // first line is the title; ".end" is appended if missing). Throws
  // SpiceError(parse) naming the line and element, or
  // SpiceError(controlled_exit). `.control` blocks are rejected: pass control
  // commands through command() (they would run in ngspice's own threads).
  // allow_control: the .control block stays in and ngspice runs its
  // commands while loading (in this thread, without run()'s timeout).
  void load(std::string_view netlist, bool allow_control = false);

  // Runs `analysis` ("run" = the analyses in the netlist, or e.g. "tran 1u
  // 1m", "op") in ngspice's background thread and waits for it; timeout_s <=
  // 0 waits without limit. Throws SpiceError(simulation) with ngspice's
  // message and the node/element it blames, SpiceError(timeout) after
  // halting, or SpiceError(controlled_exit).
  void run(double timeout_s = 0, std::string_view analysis = "run");
  // The same with a watch on every accepted time point (see TransientWatch);
  // SpiceError(setup) if a watched node is not in the analysis's data.
  void run(double timeout_s, std::string_view analysis, const TransientWatch& watch);
  // Whether the last run() was halted by its watch.
  bool halted_by_watch() const;

  // Runs one control command synchronously (alter, set, write, ...). Throws
  // SpiceError(command) if ngspice complains on stderr.
  void command(std::string_view command);

  // Removes the circuit and destroys all plots (memory stays flat across
  // thousands of circuits). load() does this itself.
  void clear();

  // Plots and vectors. `plot` "" means the current plot (the last analysis).
  // Vectors are copied out. While run() waits, another thread may read the
  // vectors being computed: under ngSpice_LockRealloc where the library has
  // it (newer than 39); ngspice 39 has no such lock, so that read throws
  // SpiceError(setup) instead of racing with the reallocation.
  std::string current_plot() const;
  std::vector<std::string> plot_names() const;
  std::vector<std::string> vector_names(std::string_view plot = {}) const;
  Vector vector(std::string_view name, std::string_view plot = {}) const;
  // The plot with its scale first and then `names` (all vectors if empty).
  Plot plot(std::string_view plot = {}, const std::vector<std::string>& names = {}) const;

  // ngspice's own `write`: a rawfile of the current plot (all vectors if
  // `names` is empty). filetype is set for the write and reset to binary.
  void write_raw(const std::string& path, RawFormat format = RawFormat::binary,
                 const std::vector<std::string>& names = {});

  // After a controlled exit: ngSpice_Reset and a fresh ngSpice_Init when the
  // library exports ngSpice_Reset (ngspice >= 44). Returns false, and the
  // session stays unusable, if it does not, after `quit` (ngspice has freed
  // its data; a reset would free it again) or after an analysis that could
  // not be halted. Once such a session is gone no other session can start in
  // this process: that is what worker processes are for.
  bool recover();

  // Simulator output since the last load(), bounded by max_log_lines.
  std::vector<std::string> log() const;
  // "KLU" or "SPARSE" as reported by the last analysis ("SPARSE" for a
  // library without KLU, which never says); "" before any analysis.
  std::string solver_used() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Resident set size of this process in bytes (from /proc/self/statm).
std::uint64_t resident_set_bytes();

}  // namespace memcosim::spice
