#include "study/store.hpp"

#include <sqlite3.h>

#include "util/error.hpp"
#include "util/files.hpp"

namespace memcosim::study {

namespace {

constexpr const char* kFormat = "1";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
  id           INTEGER PRIMARY KEY,
  config_hash  TEXT NOT NULL UNIQUE,
  job_index    INTEGER,
  label        TEXT NOT NULL,
  parameters   TEXT NOT NULL,
  overrides    TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'running', 'ok', 'partial', 'failed')),
  message      TEXT,
  attempts     INTEGER NOT NULL DEFAULT 0,
  worker       TEXT,
  started_at   TEXT,
  finished_at  TEXT,
  wall_seconds REAL,
  cpu_seconds  REAL,
  output_dir   TEXT,
  log_file     TEXT,
  log_tail     TEXT,
  metrics      TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_index ON jobs (job_index);
)sql";

class Statement {
 public:
  Statement(sqlite3* db, const std::filesystem::path& path, const char* sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail("prepare");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind(int i, double v) {
    check(sqlite3_bind_double(stmt_, i, v));
    return *this;
  }
  Statement& bind(int i, long v) {
    check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Statement& bind_null(int i) {
    check(sqlite3_bind_null(stmt_, i));
    return *this;
  }
  // true while there is a row to read.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("step");
  }
  void run() {
    while (step()) {
    }
    sqlite3_reset(stmt_);
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  bool null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::string text(int c) const {
    const auto* p = sqlite3_column_text(stmt_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)))
             : std::string();
  }
  long integer(int c) const { return static_cast<long>(sqlite3_column_int64(stmt_, c)); }
  double real(int c) const { return sqlite3_column_double(stmt_, c); }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail("bind");
  }
  [[noreturn]] void fail(const char* what) {
    throw Error("study database " + path_.string() + ": " + what + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  const std::filesystem::path& path_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if an exception leaves the scope.
class Transaction {
 public:
  explicit Transaction(Store& s, void (Store::*exec)(const char*)) : store_(s), exec_(exec) {
    (store_.*exec_)("BEGIN IMMEDIATE");
  }
  ~Transaction() {
    if (!done_) {
      try {
        (store_.*exec_)("ROLLBACK");
      } catch (...) {
      }
    }
  }
  void commit() {
    (store_.*exec_)("COMMIT");
    done_ = true;
  }

 private:
  Store& store_;
  void (Store::*exec_)(const char*);
  bool done_ = false;
};

nlohmann::json parameters_json(const Job& job) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& p : job.parameters) {
    nlohmann::json e = {{"name", p.name}, {"text", p.text}};
    e["number"] = p.number ? nlohmann::json(*p.number) : nlohmann::json(nullptr);
    a.push_back(e);
  }
  return a;
}

nlohmann::json parse_or(const std::string& text, nlohmann::json fallback) {
  if (text.empty()) return fallback;
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return fallback;
  }
}

}  // namespace

Store::Store(const std::filesystem::path& path, Mode mode) : path_(path) {
  const int flags = mode == Mode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (mode == Mode::read_only && !std::filesystem::exists(path))
    throw InputError(Diagnostic{{path.string()}, "", "no such study database (memcosim sweep writes it)"});
  if (mode == Mode::read_only) check_input_file(path, "study database");
  const int rc = sqlite3_open_v2(path.string().c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error("cannot open study database " + path.string() + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 30000);
  try {
    if (mode == Mode::read_write) {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=FULL");
      exec(kSchema);
      if (auto f = meta("format"); !f) set_meta("format", kFormat);
    }
    std::optional<std::string> f;
    try {
      f = meta("format");
    } catch (const Error& e) {
      if (mode == Mode::read_write) throw;
      // Reading: a file that is not an SQLite database, or not ours, is bad input.
      throw InputError(Diagnostic{{path.string()}, "", std::string("not a memcosim study database: ") + e.what()});
    }
    if (!f || *f != kFormat) {
      const std::string msg = "study database " + path.string() + " has format " + (f ? *f : std::string("?")) +
                              "; this memcosim reads format " + kFormat;
      if (mode == Mode::read_only) throw InputError(Diagnostic{{path.string()}, "", msg});
      throw Error(msg);
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Store::~Store() { sqlite3_close(db_); }

void Store::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw Error("study database " + path_.string() + ": " + msg);
  }
}

std::optional<std::string> Store::meta(const std::string& key) {
  // A read-only open of a database without the table yet.
  Statement probe(db_, path_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
  if (!probe.step() || probe.integer(0) == 0) return std::nullopt;
  Statement s(db_, path_, "SELECT value FROM meta WHERE key = ?1");
  s.bind(1, key);
  if (s.step()) return s.text(0);
  return std::nullopt;
}

void Store::set_meta(const std::string& key, const std::string& value) {
  Statement s(db_, path_,
              "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  s.bind(1, key).bind(2, value).run();
}

SyncCounts Store::sync(const Study& study, bool retry_failed) {
  Transaction tx(*this, &Store::exec);
  if (auto name = meta("study"); name && *name != study.name)
    throw InputError(Diagnostic{{path_.string()},
                                "",
                                "this database holds the results of study '" + *name + "', not '" + study.name +
                                    "' (choose another output folder with -o)"});
  set_meta("study", study.name);
  set_meta("description", study.describe().dump());

  SyncCounts c;
  c.jobs = static_cast<long>(study.jobs.size());
  exec("UPDATE jobs SET job_index = NULL");
  Statement upsert(db_, path_,
                   "INSERT INTO jobs (config_hash, job_index, label, parameters, overrides, status) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, 'pending') "
                   "ON CONFLICT (config_hash) DO UPDATE SET job_index = excluded.job_index, label = excluded.label, "
                   "parameters = excluded.parameters, overrides = excluded.overrides");
  for (const Job& job : study.jobs) {
    upsert.reset();
    upsert.bind(1, job.config_hash)
        .bind(2, job.index)
        .bind(3, job.label())
        .bind(4, parameters_json(job).dump())
        .bind(5, nlohmann::json(job.override_args()).dump())
        .run();
  }
  {
    Statement s(db_, path_, "SELECT count(*) FROM jobs WHERE status = 'running' AND job_index IS NOT NULL");
    s.step();
    c.interrupted = s.integer(0);
  }
  exec("UPDATE jobs SET status = 'pending' WHERE status = 'running'");
  if (retry_failed) exec("UPDATE jobs SET status = 'pending' WHERE status = 'failed' AND job_index IS NOT NULL");
  Statement count(db_, path_, "SELECT status, count(*) FROM jobs WHERE job_index IS NOT NULL GROUP BY status");
  while (count.step()) {
    const std::string st = count.text(0);
    const long n = count.integer(1);
    if (st == "ok" || st == "partial")
      c.done += n;
    else if (st == "failed")
      c.failed += n;
    else if (st == "pending")
      c.pending += n;
  }
  Statement stale(db_, path_, "SELECT count(*) FROM jobs WHERE job_index IS NULL");
  stale.step();
  c.stale = stale.integer(0);
  tx.commit();
  return c;
}

std::vector<long> Store::pending_indices() {
  Statement s(db_, path_,
              "SELECT job_index FROM jobs WHERE status = 'pending' AND job_index IS NOT NULL ORDER BY job_index");
  std::vector<long> out;
  while (s.step()) out.push_back(s.integer(0));
  return out;
}

void Store::mark_running(const std::string& config_hash, const std::string& worker, const std::string& output_dir,
                         const std::string& log_file) {
  Statement s(db_, path_,
              "UPDATE jobs SET status = 'running', attempts = attempts + 1, worker = ?2, started_at = ?3, "
              "finished_at = NULL, message = NULL, wall_seconds = NULL, cpu_seconds = NULL, output_dir = ?4, "
              "log_file = ?5, log_tail = NULL, metrics = NULL WHERE config_hash = ?1");
  s.bind(1, config_hash).bind(2, worker).bind(3, utc_now()).bind(4, output_dir).bind(5, log_file).run();
}

void Store::finish(const JobOutcome& o) {
  Statement s(db_, path_,
              "UPDATE jobs SET status = ?2, message = ?3, worker = ?4, started_at = ?5, finished_at = ?6, "
              "wall_seconds = ?7, cpu_seconds = ?8, output_dir = ?9, log_file = ?10, log_tail = ?11, metrics = ?12 "
              "WHERE config_hash = ?1");
  s.bind(1, o.config_hash)
      .bind(2, o.status)
      .bind(3, o.message)
      .bind(4, o.worker)
      .bind(5, o.started_at)
      .bind(6, o.finished_at)
      .bind(7, o.wall_seconds)
      .bind(8, o.cpu_seconds)
      .bind(9, o.output_dir)
      .bind(10, o.log_file);
  if (o.log_tail.empty())
    s.bind_null(11);
  else
    s.bind(11, o.log_tail);
  s.bind(12, o.metrics.dump());
  s.run();
  if (sqlite3_changes(db_) != 1)
    throw Error("study database " + path_.string() + ": job " + o.config_hash + " is not in the database");
}

void Store::mark_pending(const std::string& config_hash) {
  Statement s(db_, path_, "UPDATE jobs SET status = 'pending' WHERE config_hash = ?1 AND status = 'running'");
  s.bind(1, config_hash).run();
}

std::vector<JobRecord> Store::records() {
  std::vector<JobRecord> out;
  Statement probe(db_, path_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'jobs'");
  if (!probe.step() || probe.integer(0) == 0) return out;
  Statement s(db_, path_,
              "SELECT id, config_hash, job_index, label, parameters, overrides, status, message, attempts, worker, "
              "started_at, finished_at, wall_seconds, cpu_seconds, output_dir, log_file, log_tail, metrics "
              "FROM jobs ORDER BY job_index IS NULL, job_index, id");
  while (s.step()) {
    JobRecord r;
    r.id = s.integer(0);
    r.config_hash = s.text(1);
    if (!s.null(2)) r.index = s.integer(2);
    r.label = s.text(3);
    r.parameters = parse_or(s.text(4), nlohmann::json::array());
    r.overrides = parse_or(s.text(5), nlohmann::json::array());
    r.status = s.text(6);
    r.message = s.text(7);
    r.attempts = s.integer(8);
    r.worker = s.text(9);
    r.started_at = s.text(10);
    r.finished_at = s.text(11);
    if (!s.null(12)) r.wall_seconds = s.real(12);
    if (!s.null(13)) r.cpu_seconds = s.real(13);
    r.output_dir = s.text(14);
    r.log_file = s.text(15);
    r.log_tail = s.text(16);
    r.metrics = parse_or(s.text(17), nlohmann::json::object());
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace memcosim::study
