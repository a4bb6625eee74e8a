// The results of a study: an embedded SQLite database, one row per job.
//
// Crash safety: the database runs in WAL mode with synchronous=FULL and
// every change is one transaction, so a driver killed at any moment (even
// kill -9) leaves every finished job recorded and nothing half-written. A
// job's identity is its config hash (UNIQUE), so a job is recorded once
// however often the study is run; rows left `running` by a driver that died
// become `pending` again when the study is next opened.
//
// Tables:
//   meta(key, value)  format version, study name, the study's description (JSON)
//   jobs              one row per job: config_hash, job_index (its place in the
//                     study as last run; NULL for a job the study no longer
//                     has), label, parameters (JSON), overrides (JSON list of
//                     key=value), status (pending|running|ok|partial|failed),
//                     message, attempts, worker, started_at, finished_at,
//                     wall_seconds, cpu_seconds, output_dir, log_file,
//                     log_tail, metrics (JSON object of flattened summary keys)
//
// Metrics can be queried in SQL with SQLite's JSON functions, e.g.
//   SELECT label, json_extract(metrics, '$."metrics.circuit.kl.value"') FROM jobs;
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "study/outcome.hpp"
#include "study/study.hpp"

struct sqlite3;

namespace memcosim::study {

struct JobRecord {
  long id = 0;
  std::string config_hash;
  std::optional<long> index;  // NULL: not a job of the study as last run
  std::string label;
  nlohmann::json parameters;  // [{name, text, number}]
  nlohmann::json overrides;   // ["key=value", ...]
  std::string status;
  std::string message;
  long attempts = 0;
  std::string worker, started_at, finished_at;
  std::optional<double> wall_seconds, cpu_seconds;
  std::string output_dir, log_file, log_tail;
  nlohmann::json metrics = nlohmann::json::object();

  bool done() const { return status == "ok" || status == "partial"; }
};

// How the jobs of a study stand after Store::sync.
struct SyncCounts {
  long jobs = 0;         // jobs of the study
  long done = 0;         // ok or partial: skipped
  long failed = 0;       // failed earlier (run again only when asked)
  long pending = 0;      // to run
  long interrupted = 0;  // were `running` when the last driver died
  long stale = 0;        // rows of the database that are no job of the study now
};

class Store {
 public:
  enum class Mode { read_only, read_write };
  // Opens (read_write: creates) the database. Throws Error naming the file.
  Store(const std::filesystem::path& path, Mode mode);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Declares the study's jobs, in one transaction: new jobs are added as
  // pending; known ones get their current index, label and parameters;
  // rows the study no longer has lose their index; rows left `running` become
  // pending; with retry_failed, failed jobs become pending too. Throws
  // InputError if the database belongs to another study.
  SyncCounts sync(const Study& study, bool retry_failed);

  // The jobs to run, in study order.
  std::vector<long> pending_indices();

  void mark_running(const std::string& config_hash, const std::string& worker, const std::string& output_dir,
                    const std::string& log_file);
  void finish(const JobOutcome& outcome);
  // Back to pending (jobs stopped by an interrupted driver).
  void mark_pending(const std::string& config_hash);

  // Every row: the study's jobs by index, then rows of no current job.
  std::vector<JobRecord> records();
  std::optional<std::string> meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);

  const std::filesystem::path& path() const { return path_; }

 private:
  void exec(const char* sql);
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

}  // namespace memcosim::study
