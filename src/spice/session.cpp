#include "spice/session.hpp"

#include <ngspice/sharedspice.h>

#include <dlfcn.h>
#include <locale.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <clocale>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "spice/deck.hpp"
#include "spice/text.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"

namespace memcosim::spice {

namespace {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// Process-wide state of the library (not of one session).

std::atomic<bool> g_alive{false};                    // a session exists
std::atomic<NgspiceSession::Impl*> g_live{nullptr};  // the state callbacks may touch
std::atomic<bool> g_initialized{false};              // ngSpice_Init has run in this process
std::atomic<bool> g_needs_reset{false};              // controlled exit happened; reset before the next init
std::mutex g_broken_mutex;                           // guards the two strings below
std::string g_broken_why;                            // non-empty: no session can be started in this process any more
std::string g_user_spiceinit;                        // the .spiceinit the process's ngSpice_Init read

// What the process is doing inside ngspice, for the exit() guard below.
std::atomic<const char*> g_in_call{nullptr};

void mark_library_broken(const std::string& why) {
  std::lock_guard<std::mutex> lock(g_broken_mutex);
  if (g_broken_why.empty()) g_broken_why = why;
}

std::string library_broken_why() {
  std::lock_guard<std::mutex> lock(g_broken_mutex);
  return g_broken_why;
}

// ngspice must never call exit() in shared mode; if it does anyway, say so
// instead of letting the process vanish silently.
void report_exit_inside_ngspice() {
  const char* what = g_in_call.load();
  if (!what) return;
  const std::string msg = std::string("memcosim: libngspice called exit() while ") + what + "\n";
  const ssize_t ignored = ::write(STDERR_FILENO, msg.data(), msg.size());
  (void)ignored;
}

class InCall {
 public:
  explicit InCall(const char* what) : previous_(g_in_call.exchange(what)) {
    static const bool registered = std::atexit(report_exit_inside_ngspice) == 0;
    (void)registered;
  }
  ~InCall() { g_in_call.store(previous_); }
  InCall(const InCall&) = delete;
  InCall& operator=(const InCall&) = delete;

 private:
  const char* previous_;
};

// ---------------------------------------------------------------------------
// C numeric locale around calls into ngspice. uselocale() covers the calling
// thread (even if the caller set a thread-local locale); the global setting
// covers ngspice's background thread, which starts with the global locale.
// Both are restored on exit.
class CNumericLocale {
 public:
  CNumericLocale() {
    static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", locale_t{});
    if (c_locale != locale_t{}) previous_thread_ = uselocale(c_locale);
    const char* global = std::setlocale(LC_NUMERIC, nullptr);
    if (global && std::strcmp(global, "C") != 0 && std::strcmp(global, "POSIX") != 0) {
      saved_global_ = global;
      std::setlocale(LC_NUMERIC, "C");
    }
  }
  ~CNumericLocale() {
    if (saved_global_) std::setlocale(LC_NUMERIC, saved_global_->c_str());
    if (previous_thread_ != locale_t{}) uselocale(previous_thread_);
  }
  CNumericLocale(const CNumericLocale&) = delete;
  CNumericLocale& operator=(const CNumericLocale&) = delete;

 private:
  locale_t previous_thread_{};
  std::optional<std::string> saved_global_;
};

using text::BoundedLog;
using text::first_word;
using text::lower;
using text::trim;

std::string trimmed(std::string_view s) { return std::string(text::trim(s)); }

std::string with_quote(std::string message, const std::vector<std::string>& quote) {
  for (const std::string& q : quote) message += "\n  ngspice: " + q;
  return message;
}

// The type names ngspice uses in rawfiles (enum simvectype in sim.h).
std::string vector_type_name(int type) {
  static const char* const names[] = {"notype",
                                      "time",
                                      "frequency",
                                      "voltage",
                                      "current",
                                      "voltage-density",
                                      "current-density",
                                      "sqr-voltage-density",
                                      "sqr-current-density",
                                      "sqr-voltage",
                                      "sqr-current",
                                      "pole",
                                      "zero",
                                      "s-param",
                                      "temp-sweep",
                                      "res-sweep",
                                      "impedance",
                                      "admittance",
                                      "power",
                                      "phase",
                                      "decibel",
                                      "capacitance",
                                      "charge"};
  constexpr int count = static_cast<int>(sizeof names / sizeof names[0]);
  return type >= 0 && type < count ? names[type] : "notype";
}

// The .spiceinit that ngspice's ngSpice_Init reads on a system with
// <pwd.h>: ./.spiceinit, else the one in the passwd home directory.
std::string find_user_spiceinit() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (::access(".spiceinit", F_OK) == 0) return (fs::current_path(ec) / ".spiceinit").string();
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* result = nullptr;
  if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &result) == 0 && result && result->pw_dir) {
    const fs::path p = fs::path(result->pw_dir) / ".spiceinit";
    if (::access(p.c_str(), F_OK) == 0) return p.string();
  }
  return {};
}

using VoidFn = int (*)();

// The file of the shared library that defines ngSpice_Init, as the dynamic
// loader found it ("" when it cannot say, e.g. a static link).
std::string ngspice_library() {
  const std::filesystem::path p = file_defining(&ngSpice_Init);
  if (p.empty()) return {};
  std::error_code ec;
  const auto real = std::filesystem::canonical(p, ec);
  return ec ? p.string() : real.string();
}

VoidFn find_function(const char* name) {
  void* sym = dlsym(RTLD_DEFAULT, name);
  VoidFn fn = nullptr;
  static_assert(sizeof fn == sizeof sym);
  std::memcpy(&fn, &sym, sizeof fn);  // object pointer -> function pointer, as POSIX allows
  return fn;
}

}  // namespace

// ---------------------------------------------------------------------------

std::string_view to_string(SpiceErrorKind kind) {
  switch (kind) {
    case SpiceErrorKind::parse:
      return "parse";
    case SpiceErrorKind::simulation:
      return "simulation";
    case SpiceErrorKind::timeout:
      return "timeout";
    case SpiceErrorKind::controlled_exit:
      return "controlled_exit";
    case SpiceErrorKind::unusable:
      return "unusable";
    case SpiceErrorKind::command:
      return "command";
    case SpiceErrorKind::setup:
      return "setup";
  }
  return "unknown";
}

SpiceError::SpiceError(SpiceErrorKind kind, const std::string& message, std::vector<std::string> simulator_lines,
                       int netlist_line, std::string element)
    : SimulationError(message),
      kind_(kind),
      simulator_lines_(std::move(simulator_lines)),
      netlist_line_(netlist_line),
      element_(std::move(element)) {}

// ---------------------------------------------------------------------------

struct NgspiceSession::Impl {
  explicit Impl(SessionOptions o) : opts(std::move(o)), job_log(opts.max_log_lines), phase_log(2048) {}

  SessionOptions opts;
  SimulatorInfo info;
  VoidFn lock_realloc = nullptr;
  VoidFn unlock_realloc = nullptr;
  VoidFn reset = nullptr;

  // Written by the callbacks (any thread), guarded by mu.
  mutable std::mutex mu;
  std::condition_variable cv;
  BoundedLog job_log;    // since the last load()
  BoundedLog phase_log;  // since the start of the current call (load, run, command)
  bool bg_started = false;
  bool bg_finished = false;
  bool exited = false;
  int exit_status = 0;
  // The watch of the running analysis (TransientWatch). The pointer is set
  // before bg_run and cleared after the background thread has finished;
  // the flags are guarded by mu.
  std::atomic<const TransientWatch*> watch{nullptr};
  std::vector<int> watch_index;  // positions of the watched nodes in the data callback (bg thread only)
  std::string watch_missing;     // a watched node the analysis does not have
  bool halt_requested = false;   // the watch asked to halt
  bool halt_sent = false;        // run() has sent bg_halt
  bool halted = false;           // the last run was halted by its watch
  bool exit_on_quit = false;
  struct PlotMeta {
    std::string kind, title, scale;
  };
  std::map<std::string, PlotMeta> plot_meta;  // by plot type name ("tran1")

  // Owned by the calling thread.
  std::string unusable_why;  // non-empty: every call throws
  bool stuck = false;        // an analysis could not be halted
  std::string solver;
  std::string netlist;

  // ---- callbacks --------------------------------------------------------
  static Impl* live(void* user) {
    auto* self = static_cast<Impl*>(user);
    return self && self == g_live.load() ? self : nullptr;
  }

  static int on_send_char(char* text, int /*id*/, void* user) {
    Impl* self = live(user);
    if (!self || !text) return 0;
    try {
      std::string_view t(text);
      bool is_err = false;
      if (t.substr(0, 6) == "stderr") {
        is_err = true;
        t.remove_prefix(t.size() > 6 && t[6] == ' ' ? 7 : 6);
      } else if (t.substr(0, 6) == "stdout") {
        t.remove_prefix(t.size() > 6 && t[6] == ' ' ? 7 : 6);
      }
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.remove_suffix(1);
      if (quiet_depth > 0) return 0;
      OutputLine line{is_err, std::string(t)};
      {
        std::lock_guard<std::mutex> lock(self->mu);
        self->phase_log.push(line);
        self->job_log.push(line);
      }
      if (self->opts.on_output) self->opts.on_output(line);
    } catch (...) {
      // Never unwind into C code; a lost log line is the lesser evil.
    }
    return 0;
  }

  static int on_controlled_exit(int status, NG_BOOL /*immediate*/, NG_BOOL on_quit, int /*id*/, void* user) {
    Impl* self = live(user);
    if (!self) return 0;
    {
      std::lock_guard<std::mutex> lock(self->mu);
      self->exited = true;
      self->exit_status = status;
      self->exit_on_quit = on_quit;
    }
    self->cv.notify_all();
    return 0;
  }

  // ngspice passes "the thread has exited": false when the background thread
  // starts, true when it ends (also when it ends by a controlled exit).
  static int on_bg_thread(NG_BOOL finished, int /*id*/, void* user) {
    Impl* self = live(user);
    if (!self) return 0;
    {
      std::lock_guard<std::mutex> lock(self->mu);
      (finished ? self->bg_finished : self->bg_started) = true;
    }
    self->cv.notify_all();
    return 0;
  }

  // Every accepted time point of a running analysis: feeds the watch, if
  // any. On a halt it waits (up to 2 s) until run() is sending bg_halt, and
  // 100 ms more, so that ngspice stops right after this point instead of
  // running on meanwhile.
  static int on_send_data(pvecvaluesall all, int /*count*/, int /*id*/, void* user) {
    Impl* self = live(user);
    if (!self || !all || !all->vecsa) return 0;
    const TransientWatch* w = self->watch.load();
    if (!w || !w->on_point) return 0;
    try {
      {
        std::lock_guard<std::mutex> lock(self->mu);
        if (self->halt_requested) return 0;
      }
      bool stop = false;
      if (self->watch_index.empty() && self->watch_missing.empty()) {
        for (const std::string& node : w->nodes) {
          const std::string want = lower(node), want_v = "v(" + want + ")";
          int found = -1;
          for (int i = 0; i < all->veccount && found < 0; ++i) {
            if (!all->vecsa[i] || !all->vecsa[i]->name) continue;
            const std::string name = lower(all->vecsa[i]->name);
            if (name == want || name == want_v) found = i;
          }
          if (found < 0) {
            self->watch_missing = node;
            break;
          }
          self->watch_index.push_back(found);
        }
      }
      if (!self->watch_missing.empty()) {
        stop = true;
      } else {
        double time = 0;
        for (int i = 0; i < all->veccount; ++i)
          if (all->vecsa[i] && all->vecsa[i]->is_scale) time = all->vecsa[i]->creal;
        std::vector<double> values;
        values.reserve(self->watch_index.size());
        for (int i : self->watch_index) values.push_back(i < all->veccount ? all->vecsa[i]->creal : 0.0);
        stop = w->on_point(time, values);
      }
      if (stop) {
        std::unique_lock<std::mutex> lock(self->mu);
        self->halt_requested = true;
        self->cv.notify_all();
        self->cv.wait_for(lock, std::chrono::seconds(2), [self] { return self->halt_sent; });
        // bg_halt sets ngspice's interrupt flag as soon as it starts, but the
        // thread that sends it may not run at once on a loaded machine: hold
        // this point a little longer so that ngspice sees the flag before it
        // computes the next one (measured: without this hold, ~200 ns of
        // simulated time ran on past the decision under a load of 11 on 2 cores).
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    } catch (...) {
      // Never unwind into C code.
    }
    return 0;
  }

  // Called when an analysis creates its plot: the only place the API tells
  // which vector is the scale.
  static int on_init_data(pvecinfoall all, int /*id*/, void* user) {
    Impl* self = live(user);
    if (!self || !all) return 0;
    try {
      PlotMeta meta;
      meta.kind = all->name ? all->name : "";
      meta.title = all->title ? all->title : "";
      if (all->veccount > 0 && all->vecs && all->vecs[0]) {
        const void* scale = all->vecs[0]->pdvecscale;
        for (int i = 0; i < all->veccount; ++i)
          if (all->vecs[i] && all->vecs[i]->pdvec == scale && all->vecs[i]->vecname) meta.scale = all->vecs[i]->vecname;
      }
      std::lock_guard<std::mutex> lock(self->mu);
      self->plot_meta[all->type ? all->type : ""] = std::move(meta);
    } catch (...) {
    }
    return 0;
  }

  // ---- helpers ------------------------------------------------------------
  void begin_phase() {
    std::lock_guard<std::mutex> lock(mu);
    phase_log.clear();
  }
  std::vector<OutputLine> phase_lines() const {
    std::lock_guard<std::mutex> lock(mu);
    return phase_log.lines();
  }
  bool has_exited() const {
    std::lock_guard<std::mutex> lock(mu);
    return exited;
  }
  bool quit_exit() const {
    std::lock_guard<std::mutex> lock(mu);
    return exited && exit_on_quit;
  }

  // Drops what ngspice prints in this thread while it lives (housekeeping
  // such as "no circuit loaded"). Per thread, so that a vector read from
  // another thread never hides what the analysis thread prints meanwhile.
  static thread_local int quiet_depth;
  class Quiet {
   public:
    explicit Quiet(Impl&) { ++quiet_depth; }
    ~Quiet() { --quiet_depth; }
    Quiet(const Quiet&) = delete;
    Quiet& operator=(const Quiet&) = delete;
  };

  static int raw_command(std::string_view command) {
    std::string buf(command);
    return ngSpice_Command(buf.data());
  }

  std::string who() const { return "ngspice-" + (info.version.empty() ? "?" : info.version); }

  void mark_unusable(const std::string& why) {
    if (unusable_why.empty()) unusable_why = why;
  }

  void check_usable() {
    if (unusable_why.empty() && has_exited())
      mark_unusable("ngspice made a controlled exit (it cannot recover and awaits to be detached)");
    if (!unusable_why.empty())
      throw SpiceError(SpiceErrorKind::unusable, "the ngspice session is unusable: " + unusable_why +
                                                     "; recover() it (ngspice >= 44) or start a new process");
  }

  void resolve_symbols() {
    lock_realloc = find_function("ngSpice_LockRealloc");
    unlock_realloc = find_function("ngSpice_UnlockRealloc");
    reset = find_function("ngSpice_Reset");
    info.has_lock_realloc = lock_realloc && unlock_realloc;
    info.has_reset = reset != nullptr;
    info.has_nospiceinit = find_function("ngSpice_nospiceinit") != nullptr;
    info.library = ngspice_library();
  }

  // Connects ngspice to this session and applies the settings every session
  // starts from. ngSpice_Init runs once per process (and again only after
  // ngSpice_Reset): ngspice 39 crashes in a second ngSpice_Init after a
  // simulation, which also rules it out in a worker forked from a process
  // that used ngspice before. Later sessions only re-point the callbacks'
  // user pointer, through ngSpice_Init_Sync (which sets nothing else when
  // its callbacks are null).
  void initialize(bool fresh) {
    CNumericLocale c_locale;
    InCall in_call("initialising ngspice");
    {
      std::lock_guard<std::mutex> lock(mu);
      phase_log.clear();
      exited = false;
      bg_started = bg_finished = false;
    }
    g_live.store(this);
    if (fresh) {
      if (ngSpice_Init(&on_send_char, nullptr, &on_controlled_exit, &on_send_data, &on_init_data, &on_bg_thread,
                       this) != 0)
        throw SpiceError(SpiceErrorKind::setup, "ngSpice_Init failed");
      g_initialized = true;
    } else {
      ngSpice_Init_Sync(nullptr, nullptr, nullptr, nullptr, this);
    }

    for (const char* cmd : {"set nomoremode", "set noaskquit"}) raw_command(cmd);
    raw_command("set num_threads=" + std::to_string(std::max(1, opts.openmp_threads)));
    raw_command(opts.memory_check ? "unset no_mem_check" : "set no_mem_check");

    begin_phase();
    raw_command("version");
    info.banner.clear();
    info.has_klu = false;
    for (const OutputLine& l : phase_lines()) {
      const std::string t = trimmed(l.text);
      if (t.empty()) continue;
      info.banner.push_back(t);
      if (t.find("Compiled with KLU") != std::string::npos) info.has_klu = true;
    }
    // "** ngspice-46 : Circuit level simulation program"
    for (const std::string& b : info.banner) {
      const auto at = b.find("ngspice-");
      if (at == std::string::npos) continue;
      const std::string rest = b.substr(at + 8);
      info.version = rest.substr(0, rest.find_first_of(" \t:"));
      info.version_major = std::atoi(info.version.c_str());
      break;
    }
    if (has_exited()) throw SpiceError(SpiceErrorKind::setup, "ngspice made a controlled exit while starting");
  }

  // remcirc + destroy all, without logging ngspice's "no circuit loaded".
  void clear_quietly() {
    Quiet hush(*this);
    InCall in_call("clearing the circuit");
    raw_command("remcirc");
    raw_command("destroy all");
    // ngspice keeps every command it was sent in a "command memory" (~100
    // bytes each) until told to forget it with a null command; without this
    // a long-lived session grows by ~600 bytes per job.
    ngSpice_Command(nullptr);
    std::lock_guard<std::mutex> lock(mu);
    plot_meta.clear();
  }

  SpiceError parse_error(const Problem& p, SpiceErrorKind kind) const {
    int line = p.line;
    std::string element = p.element;
    if (!element.empty()) {
      const int found = find_element_line(netlist, element);
      if (found > 0 && (line == 0 || first_word(netlist_line(netlist, line)) != element)) line = found;
    } else if (line > 0) {
      element = first_word(netlist_line(netlist, line));
    }
    std::string msg = who() + " rejected the netlist";
    if (line > 0)
      msg += ": line " + std::to_string(line) + " \"" + netlist_line(netlist, line) + "\"";
    else if (!element.empty())
      msg += ": element " + element;
    msg += ": " + p.summary;
    if (kind == SpiceErrorKind::controlled_exit)
      msg += " (ngspice then made a controlled exit; this session is unusable)";
    return SpiceError(kind, with_quote(msg, p.quote), p.quote, line, element);
  }

  SpiceError run_error(const Problem& p, SpiceErrorKind kind, const std::string& what) const {
    std::string msg = who() + " " + what + ": " + p.summary;
    if (!p.element.empty() && lower(p.summary).find(p.element) == std::string::npos)
      msg += " (ngspice points at " + p.element + ")";
    int line = 0;
    if (!p.element.empty()) line = find_element_line(netlist, p.element);
    return SpiceError(kind, with_quote(msg, p.quote), p.quote, line, p.element);
  }

  // Waits for the ControlledExit callback after ngspice announced it: from
  // the background thread it comes after BGThreadRunning(true).
  void await_announced_exit(const std::vector<OutputLine>& lines) {
    bool announced = false;
    for (const OutputLine& l : lines)
      if (l.is_stderr && lower(l.text).find("cannot recover") != std::string::npos) announced = true;
    if (!announced) return;
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(2), [&] { return exited; });
  }

  SpiceError no_vector(const std::string& name, const std::string& plot, const std::vector<std::string>& have) const {
    std::string list;
    for (const std::string& n : have) list += (list.empty() ? "" : ", ") + n;
    return SpiceError(SpiceErrorKind::command, "no vector '" + name + "' in plot '" + plot +
                                                   "' (it has: " + (list.empty() ? "nothing" : list) + ")");
  }

  // A vector's type and length without copying its data (type "" if there
  // is no such vector). Not for use while an analysis runs.
  struct Peek {
    std::string type;
    int length = 0;
  };
  Peek peek(const std::string& full_name) {
    Quiet hush(*this);
    std::string buf = full_name;
    const pvector_info vi = ngGet_Vec_Info(buf.data());
    return vi ? Peek{vector_type_name(vi->v_type), vi->v_length} : Peek{};
  }

  std::optional<Vector> read_vector(const std::string& full_name) {
    Quiet hush(*this);  // "vector not found" is answered by the caller
    InCall in_call("reading a vector");
    const bool running = ngSpice_running();
    if (running && !info.has_lock_realloc)
      throw SpiceError(SpiceErrorKind::setup, who() +
                                                  " cannot lend vectors while an analysis runs "
                                                  "(no ngSpice_LockRealloc); wait for the analysis to finish");
    if (running) lock_realloc();
    std::optional<Vector> out;
    try {
      std::string buf = full_name;
      const pvector_info vi = ngGet_Vec_Info(buf.data());
      if (vi) {
        Vector v;
        v.name = vi->v_name ? vi->v_name : full_name;
        v.type = vector_type_name(vi->v_type);
        const auto n = static_cast<std::size_t>(std::max(0, vi->v_length));
        if (vi->v_realdata) {
          v.re.assign(vi->v_realdata, vi->v_realdata + n);
        } else if (vi->v_compdata) {
          v.is_complex = true;
          v.re.resize(n);
          v.im.resize(n);
          for (std::size_t i = 0; i < n; ++i) {
            v.re[i] = vi->v_compdata[i].cx_real;
            v.im[i] = vi->v_compdata[i].cx_imag;
          }
        }
        out = std::move(v);
      }
    } catch (...) {
      if (running) unlock_realloc();
      throw;
    }
    if (running) unlock_realloc();
    return out;
  }
};

thread_local int NgspiceSession::Impl::quiet_depth = 0;

// ---------------------------------------------------------------------------

NgspiceSession::NgspiceSession(SessionOptions options) {
  if (const std::string why = library_broken_why(); !why.empty())
    throw SpiceError(SpiceErrorKind::setup, "libngspice in this process cannot be used again: " + why +
                                                "; run simulations in worker processes instead");
  if (g_alive.exchange(true))
    throw SpiceError(SpiceErrorKind::setup,
                     "an NgspiceSession already exists in this process; libngspice keeps "
                     "process-global state, so there can be only one (use worker processes "
                     "for parallel simulations)");
  try {
    impl_ = std::make_unique<Impl>(std::move(options));
    impl_->resolve_symbols();
    const bool reset_first = g_needs_reset.load() && impl_->reset;
    const bool fresh = !g_initialized.load() || reset_first;
    // ngspice reads the user's .spiceinit in ngSpice_Init only.
    if (fresh) {
      const std::string init_file = find_user_spiceinit();
      if (!init_file.empty() && impl_->opts.user_spiceinit == UserInitPolicy::refuse)
        throw SpiceError(SpiceErrorKind::setup,
                         "ngspice would read the user start-up file " + init_file +
                             ", which can change simulation results; remove or rename it, or "
                             "allow it (SessionOptions::user_spiceinit = UserInitPolicy::allow)");
      std::lock_guard<std::mutex> lock(g_broken_mutex);
      g_user_spiceinit = init_file;
    }
    {
      std::lock_guard<std::mutex> lock(g_broken_mutex);
      impl_->info.user_spiceinit = g_user_spiceinit;
    }
    if (reset_first) {
      CNumericLocale c_locale;
      impl_->reset();
      g_needs_reset = false;
    }
    impl_->initialize(fresh);
  } catch (...) {
    g_live = nullptr;
    g_alive = false;
    throw;
  }
}

NgspiceSession::~NgspiceSession() {
  if (!impl_) return;
  Impl& s = *impl_;
  try {
    CNumericLocale c_locale;
    if (s.stuck) {
      mark_library_broken("an analysis could not be halted");
    } else if (s.has_exited()) {
      if (s.quit_exit())
        mark_library_broken("ngspice was told to quit (its data is freed; a reset would free it twice)");
      else if (s.reset)
        g_needs_reset = true;
      else
        mark_library_broken("ngspice made a controlled exit and has no ngSpice_Reset");
    } else {
      if (ngSpice_running()) Impl::raw_command("bg_halt");
      if (ngSpice_running())
        mark_library_broken("an analysis could not be halted");
      else
        s.clear_quietly();
    }
  } catch (...) {
  }
  g_live = nullptr;
  g_alive = false;
}

bool NgspiceSession::alive_in_this_process() { return g_alive.load(); }

const SimulatorInfo& NgspiceSession::info() const { return impl_->info; }

bool NgspiceSession::usable() const { return impl_->unusable_why.empty() && !impl_->has_exited(); }

void NgspiceSession::load(std::string_view netlist, bool allow_control) {
  Impl& s = *impl_;
  s.check_usable();

  // Split into lines; find .control blocks and the .end card.
  std::vector<std::string> lines;
  bool has_end = false;
  {
    std::size_t pos = 0;
    while (pos < netlist.size()) {
      auto end = netlist.find('\n', pos);
      if (end == std::string_view::npos) end = netlist.size();
      std::string line(netlist.substr(pos, end - pos));
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
      pos = end + 1;
    }
  }
  // The user-netlist policy (deck.hpp) on the text ngspice is given: no
  // command script, no file ngspice would read on its own (callers expand
  // includes with read_deck, which checks what they hold).
  if (!lines.empty() && lower(trim(lines[0])).rfind("*ng_script", 0) == 0) {
    s.netlist = std::string(netlist);
    throw SpiceError(SpiceErrorKind::parse,
                     "the title line (*ng_script) would make ngspice run the deck as control commands", {}, 1,
                     "*ng_script");
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (is_include_card(lines[i])) {
      s.netlist = std::string(netlist);
      throw SpiceError(SpiceErrorKind::parse,
                       "the netlist includes a file (line " + std::to_string(i + 1) + ": " + trimmed(lines[i]) +
                           "); expand includes before loading (spice::read_deck checks what they hold)",
                       {}, static_cast<int>(i + 1), first_word(lines[i]));
    }
    if (first_word(lines[i]) == ".control" && !allow_control) {
      s.netlist = std::string(netlist);
      throw SpiceError(SpiceErrorKind::parse,
                       "the netlist has a .control block (line " + std::to_string(i + 1) +
                           "); pass control commands as commands (Job::pre_commands / "
                           "post_commands), not inside the netlist",
                       {}, static_cast<int>(i + 1), ".control");
    }
    if (first_word(lines[i]) == ".end") has_end = true;
  }
  if (lines.empty()) lines.emplace_back("* empty netlist");
  if (!has_end) lines.emplace_back(".end");

  CNumericLocale c_locale;
  s.clear_quietly();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.job_log.clear();
    s.phase_log.clear();
  }
  s.netlist = std::string(netlist);
  s.solver.clear();

  std::vector<char*> ptrs;
  ptrs.reserve(lines.size() + 1);
  for (std::string& l : lines) ptrs.push_back(l.data());
  ptrs.push_back(nullptr);
  int rc = 0;
  {
    InCall in_call("loading a netlist");
    rc = ngSpice_Circ(ptrs.data());
  }
  const std::vector<OutputLine> out = s.phase_lines();
  s.await_announced_exit(out);
  Problem p = analyze_load_output(out, s.opts.strict);
  if (s.has_exited()) {
    s.mark_unusable("ngspice made a controlled exit while loading a netlist");
    if (!p) {
      p.kind = ProblemKind::parse;
      p.summary = "ngspice stopped while reading the netlist";
    }
    throw s.parse_error(p, SpiceErrorKind::controlled_exit);
  }
  if (rc != 0 && !p) {
    p.kind = ProblemKind::parse;
    p.summary = "ngSpice_Circ returned " + std::to_string(rc);
  }
  if (p) throw s.parse_error(p, SpiceErrorKind::parse);
}

void NgspiceSession::run(double timeout_s, std::string_view analysis) { run(timeout_s, analysis, TransientWatch{}); }

bool NgspiceSession::halted_by_watch() const { return impl_->halted; }

void NgspiceSession::run(double timeout_s, std::string_view analysis, const TransientWatch& watch) {
  Impl& s = *impl_;
  s.check_usable();
  // Clears the watch once the background thread is done with it.
  struct WatchGuard {
    Impl& s;
    ~WatchGuard() { s.watch.store(nullptr); }
  } watch_guard{s};
  s.watch_index.clear();
  s.watch_missing.clear();
  s.halted = false;
  s.watch.store(watch.on_point ? &watch : nullptr);
  std::string cmd = trimmed(analysis);
  if (cmd.empty()) cmd = "run";
  if (lower(cmd).rfind("bg_", 0) == 0) cmd.erase(0, 3);
  if (cmd.size() > 1000) throw SpiceError(SpiceErrorKind::setup, "analysis command longer than ngspice's 1024 bytes");

  CNumericLocale c_locale;
  InCall in_call("running an analysis");
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.phase_log.clear();
    s.bg_started = s.bg_finished = false;
    s.halt_requested = s.halt_sent = false;
  }
  const auto start = Clock::now();
  const bool limited = timeout_s > 0;
  const auto deadline =
      limited
          ? start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::min(timeout_s, 1e7)))
          : Clock::time_point::max();

  const int rc = Impl::raw_command("bg_" + cmd);
  bool timed_out = false;
  if (rc == 0) {
    std::unique_lock<std::mutex> lock(s.mu);
    while (!s.bg_finished && !s.exited) {
      if (s.halt_requested && !s.halt_sent) {
        // The watch decided: halt between time steps, then wait for the
        // thread to end (the callback is released first).
        s.halt_sent = true;
        s.halted = true;
        lock.unlock();
        s.cv.notify_all();
        Impl::raw_command("bg_halt");
        lock.lock();
        continue;
      }
      const auto now = Clock::now();
      if (now >= deadline) {
        timed_out = true;
        break;
      }
      s.cv.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(250)));
      if (!s.bg_started && !s.bg_finished && !s.exited && Clock::now() - start > std::chrono::seconds(5)) {
        lock.unlock();
        const bool running = ngSpice_running();
        lock.lock();
        if (!running && !s.bg_started && !s.bg_finished)
          throw SpiceError(SpiceErrorKind::simulation, s.who() + " did not start the analysis '" + cmd + "'");
      }
    }
  }

  if (timed_out) {
    Impl::raw_command("bg_halt");  // waits up to ~1 s for the thread to stop between steps
    for (int i = 0; i < 200 && ngSpice_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (ngSpice_running()) {
      s.stuck = true;
      s.mark_unusable("an analysis ran past its timeout and could not be halted");
      throw SpiceError(SpiceErrorKind::timeout, s.who() + " analysis '" + cmd + "' did not finish within " +
                                                    text_number(timeout_s) +
                                                    " s and could not be halted; the session is unusable");
    }
    const Problem p = analyze_run_output(s.phase_lines());
    if (p.kind == ProblemKind::interrupted || !p) {
      std::string where;  // how far it got, by the plot's scale
      try {
        const std::string pl = current_plot();
        std::string scale;
        {
          std::lock_guard<std::mutex> lock(s.mu);
          if (auto it = s.plot_meta.find(pl); it != s.plot_meta.end()) scale = it->second.scale;
        }
        if (!scale.empty())
          if (const Vector sc = vector(scale, pl); !sc.re.empty())
            where = "; halted at " + sc.name + " = " + text_number(sc.re.back());
      } catch (const SimulationError&) {
      }
      if (p.kind == ProblemKind::interrupted)
        throw SpiceError(
            SpiceErrorKind::timeout,
            s.who() + " analysis '" + cmd + "' did not finish within " + text_number(timeout_s) + " s" + where,
            p.quote);
      // Finished in the same instant as the deadline: fall through as a success.
    }
  }

  const std::vector<OutputLine> out = s.phase_lines();
  s.await_announced_exit(out);
  Problem p = analyze_run_output(out);
  if (s.halted && p.kind == ProblemKind::interrupted) p = Problem{};  // the watch's own halt
  if (!s.watch_missing.empty())
    throw SpiceError(SpiceErrorKind::setup,
                     "the watched node '" + s.watch_missing + "' is not in the data of '" + cmd + "'");
  s.solver = solver_from_output(out);
  if (s.solver.empty() && !s.info.has_klu) s.solver = "SPARSE";  // the only solver it has
  if (rc != 0 || s.has_exited()) {
    s.mark_unusable("ngspice made a controlled exit during an analysis");
    Problem q = p;
    if (q.summary.empty()) q.summary = "ngspice stopped with a controlled exit";
    throw s.run_error(q, SpiceErrorKind::controlled_exit,
                      "made a controlled exit during the analysis (the session is unusable)");
  }
  if (p.kind == ProblemKind::no_analysis) throw s.run_error(p, SpiceErrorKind::parse, "has nothing to run");
  if (p.kind == ProblemKind::command) throw s.run_error(p, SpiceErrorKind::command, "could not run '" + cmd + "'");
  if (p) throw s.run_error(p, SpiceErrorKind::simulation, "analysis failed");

  // An analysis that printed no complaint but made no data is a failure too.
  const std::string cur = current_plot();
  bool has_data = false;
  if (cur != "const") {
    for (const std::string& name : vector_names(cur)) has_data = has_data || s.peek(cur + "." + name).length > 0;
  }
  if (!has_data) throw SpiceError(SpiceErrorKind::simulation, s.who() + " analysis '" + cmd + "' produced no data");
}

void NgspiceSession::command(std::string_view command) {
  Impl& s = *impl_;
  s.check_usable();
  const std::string cmd = trimmed(command);
  if (cmd.empty()) return;
  if (lower(cmd).rfind("bg_", 0) == 0)
    throw SpiceError(SpiceErrorKind::setup, "background commands go through run(), not command(): " + cmd);
  if (cmd.size() > 1000) throw SpiceError(SpiceErrorKind::setup, "command longer than ngspice's 1024 bytes");
  CNumericLocale c_locale;
  InCall in_call("running a control command");
  s.begin_phase();
  const int rc = Impl::raw_command(cmd);
  const std::vector<OutputLine> out = s.phase_lines();
  s.await_announced_exit(out);
  Problem p = analyze_command_output(out);
  if (rc != 0 || s.has_exited()) {
    s.mark_unusable("ngspice made a controlled exit during the command '" + cmd + "'");
    if (p.summary.empty()) p.summary = "controlled exit";
    throw s.run_error(p, SpiceErrorKind::controlled_exit, "made a controlled exit during the command '" + cmd + "'");
  }
  if (p) throw s.run_error(p, SpiceErrorKind::command, "command '" + cmd + "' failed");
}

void NgspiceSession::clear() {
  impl_->check_usable();
  CNumericLocale c_locale;
  impl_->clear_quietly();
}

std::string NgspiceSession::current_plot() const {
  impl_->check_usable();
  const char* name = ngSpice_CurPlot();
  return name ? name : "";
}

std::vector<std::string> NgspiceSession::plot_names() const {
  impl_->check_usable();
  std::vector<std::string> out;
  char** plots = ngSpice_AllPlots();
  for (int i = 0; plots && plots[i]; ++i) out.emplace_back(plots[i]);
  return out;
}

std::vector<std::string> NgspiceSession::vector_names(std::string_view plot) const {
  Impl& s = *impl_;
  s.check_usable();
  std::string name = plot.empty() ? current_plot() : std::string(plot);
  std::vector<std::string> out;
  {
    Impl::Quiet hush(s);  // "There are no vectors currently active."
    char** vecs = ngSpice_AllVecs(name.data());
    for (int i = 0; vecs && vecs[i]; ++i) out.emplace_back(vecs[i]);
  }
  std::reverse(out.begin(), out.end());  // ngspice lists them newest first
  return out;
}

Vector NgspiceSession::vector(std::string_view name, std::string_view plot) const {
  Impl& s = *impl_;
  s.check_usable();
  const std::string pl = plot.empty() ? current_plot() : std::string(plot);
  const std::vector<std::string> names = vector_names(pl);
  std::string resolved(name);
  for (const std::string& n : names)
    if (same_vector_name(n, name)) resolved = n;
  if (auto v = s.read_vector(pl + "." + resolved)) return std::move(*v);
  throw s.no_vector(std::string(name), pl, names);
}

Plot NgspiceSession::plot(std::string_view plot, const std::vector<std::string>& names) const {
  Impl& s = *impl_;
  s.check_usable();
  Plot out;
  out.name = plot.empty() ? current_plot() : std::string(plot);
  const std::vector<std::string> all = vector_names(out.name);
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (auto it = s.plot_meta.find(out.name); it != s.plot_meta.end()) {
      out.kind = it->second.kind;
      out.title = it->second.title;
      out.scale = it->second.scale;
    }
  }
  // The scale: as the plot said when it was created, else by type or name.
  auto is_scale_name = [](const std::string& n) {
    return n == "time" || n == "frequency" || n.find("-sweep") != std::string::npos;
  };
  if (std::find(all.begin(), all.end(), out.scale) == all.end()) {
    out.scale.clear();
    for (const std::string& n : all) {
      const std::string type = s.peek(out.name + "." + n).type;
      if (type == "time" || type == "frequency" || is_scale_name(n)) {
        out.scale = n;
        break;
      }
    }
  }
  // Operating points have no real scale.
  if (out.name.rfind("op", 0) == 0 && !is_scale_name(out.scale)) out.scale.clear();

  // Which vectors, in which order; then copy only those.
  std::vector<std::string> wanted;
  if (!out.scale.empty()) wanted.push_back(out.scale);
  auto add = [&](const std::string& n) {
    if (std::find(wanted.begin(), wanted.end(), n) == wanted.end()) wanted.push_back(n);
  };
  if (names.empty()) {
    for (const std::string& n : all) add(n);
  } else {
    for (const std::string& n : names) {
      const auto it =
          std::find_if(all.begin(), all.end(), [&](const std::string& a) { return same_vector_name(a, n); });
      if (it == all.end()) throw s.no_vector(n, out.name, all);
      add(*it);
    }
  }
  for (const std::string& n : wanted)
    if (auto v = s.read_vector(out.name + "." + n)) out.vectors.push_back(std::move(*v));
  return out;
}

std::vector<std::string> raw_write_commands(const std::string& path, RawFormat format,
                                            const std::vector<std::string>& names) {
  if (path.empty() || path.find_first_of(" \t\"'\n") != std::string::npos)
    throw SpiceError(SpiceErrorKind::setup,
                     "ngspice's write cannot take this path (empty, blanks or quotes): '" + path + "'");
  std::string cmd = "write " + path;
  for (const std::string& n : names) cmd += " " + n;
  return {format == RawFormat::ascii ? "set filetype=ascii" : "set filetype=binary", cmd, "set filetype=binary"};
}

void NgspiceSession::write_raw(const std::string& path, RawFormat format, const std::vector<std::string>& names) {
  const auto cmds = raw_write_commands(path, format, names);
  command(cmds[0]);
  try {
    command(cmds[1]);
  } catch (...) {
    if (usable()) command(cmds[2]);
    throw;
  }
  command(cmds[2]);
}

bool NgspiceSession::recover() {
  Impl& s = *impl_;
  if (usable()) return true;
  // After `quit` ngspice has freed its data already and ngSpice_Reset frees
  // it again (a crash in ngspice 46).
  if (s.stuck || !s.reset || s.quit_exit()) return false;
  CNumericLocale c_locale;
  {
    InCall in_call("resetting ngspice");
    s.reset();
  }
  s.initialize(true);
  s.unusable_why.clear();
  return true;
}

std::vector<std::string> NgspiceSession::log() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->job_log.texts();
}

std::string NgspiceSession::solver_used() const { return impl_->solver; }

std::uint64_t resident_set_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace memcosim::spice
