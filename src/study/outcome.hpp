// What a study job is (a ticket: everything a process needs to run it) and
// what became of it (an outcome: status, metrics, timings, where its output
// is). Both travel as JSON: in job.json to the job's process, and between
// MPI ranks.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace memcosim::study {

struct JobTicket {
  long index = 0;
  std::string config_hash;
  std::string label;
  std::string config;                       // base config file (absolute)
  std::vector<std::string> overrides;       // the job's --set arguments
  std::vector<std::string> exec_overrides;  // how, not what, it computes (simulation.workers)
  std::filesystem::path dir;                // its output folder (absolute)
  double timeout = 3600;                    // seconds

  nlohmann::json to_json() const;
  static JobTicket from_json(const nlohmann::json& j);
};

struct JobOutcome {
  long index = 0;
  std::string config_hash;
  std::string status = "failed";        // ok, partial (some trajectories failed), failed
  std::string message;                  // why it failed or is partial
  std::string worker;                   // host, rank and pid of the job's process
  std::string started_at, finished_at;  // ISO 8601, UTC
  double wall_seconds = 0;
  double cpu_seconds = 0;  // user + system of the job's process and its simulator workers
  std::string output_dir, log_file;
  std::string log_tail;                               // the end of a failed job's log
  nlohmann::json metrics = nlohmann::json::object();  // the flattened summary.json

  nlohmann::json to_json() const;
  static JobOutcome from_json(const nlohmann::json& j);
};

// Nested objects and arrays as one level of dotted keys:
// {"a": {"b": 1, "c": [2, 3]}} -> {"a.b": 1, "a.c[0]": 2, "a.c[1]": 3}.
// Arrays longer than max_array keep only their length ("key.length").
nlohmann::json flatten(const nlohmann::json& j, std::size_t max_array = 64);

// Now as ISO 8601 UTC with milliseconds ("2024-06-01T12:00:00.123Z").
std::string utc_now();

}  // namespace memcosim::study
