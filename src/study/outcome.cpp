#include "study/outcome.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace memcosim::study {

nlohmann::json JobTicket::to_json() const {
  return {{"index", index},         {"config_hash", config_hash},       {"label", label},      {"config", config},
          {"overrides", overrides}, {"exec_overrides", exec_overrides}, {"dir", dir.string()}, {"timeout", timeout}};
}

JobTicket JobTicket::from_json(const nlohmann::json& j) {
  JobTicket t;
  t.index = j.at("index").get<long>();
  t.config_hash = j.at("config_hash").get<std::string>();
  t.label = j.value("label", std::string());
  t.config = j.at("config").get<std::string>();
  t.overrides = j.at("overrides").get<std::vector<std::string>>();
  t.exec_overrides = j.value("exec_overrides", std::vector<std::string>());
  t.dir = j.at("dir").get<std::string>();
  t.timeout = j.at("timeout").get<double>();
  return t;
}

nlohmann::json JobOutcome::to_json() const {
  return {{"index", index},
          {"config_hash", config_hash},
          {"status", status},
          {"message", message},
          {"worker", worker},
          {"started_at", started_at},
          {"finished_at", finished_at},
          {"wall_seconds", wall_seconds},
          {"cpu_seconds", cpu_seconds},
          {"output_dir", output_dir},
          {"log_file", log_file},
          {"log_tail", log_tail},
          {"metrics", metrics}};
}

JobOutcome JobOutcome::from_json(const nlohmann::json& j) {
  JobOutcome o;
  o.index = j.at("index").get<long>();
  o.config_hash = j.at("config_hash").get<std::string>();
  o.status = j.at("status").get<std::string>();
  o.message = j.value("message", std::string());
  o.worker = j.value("worker", std::string());
  o.started_at = j.value("started_at", std::string());
  o.finished_at = j.value("finished_at", std::string());
  o.wall_seconds = j.value("wall_seconds", 0.0);
  o.cpu_seconds = j.value("cpu_seconds", 0.0);
  o.output_dir = j.value("output_dir", std::string());
  o.log_file = j.value("log_file", std::string());
  o.log_tail = j.value("log_tail", std::string());
  o.metrics = j.value("metrics", nlohmann::json::object());
  return o;
}

namespace {
void flatten_into(const nlohmann::json& j, const std::string& prefix, std::size_t max_array, nlohmann::json& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten_into(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), max_array, out);
  } else if (j.is_array()) {
    if (j.size() > max_array) {
      out[prefix + ".length"] = j.size();
      return;
    }
    for (std::size_t i = 0; i < j.size(); ++i)
      flatten_into(j[i], prefix + "[" + std::to_string(i) + "]", max_array, out);
  } else if (!prefix.empty()) {
    out[prefix] = j;
  }
}
}  // namespace

nlohmann::json flatten(const nlohmann::json& j, std::size_t max_array) {
  nlohmann::json out = nlohmann::json::object();
  flatten_into(j, "", max_array, out);
  return out;
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const long ms =
      static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

}  // namespace memcosim::study
