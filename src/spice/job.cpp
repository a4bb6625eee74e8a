#include "spice/job.hpp"

#include <unistd.h>

#include <chrono>

#include "spice/session.hpp"
#include "spice/text.hpp"

namespace memcosim::spice {

std::string_view to_string(JobStatus status) {
  switch (status) {
    case JobStatus::ok:
      return "ok";
    case JobStatus::parse_error:
      return "parse_error";
    case JobStatus::sim_error:
      return "sim_error";
    case JobStatus::timeout:
      return "timeout";
    case JobStatus::crashed:
      return "crashed";
    case JobStatus::exited:
      return "exited";
  }
  return "unknown";
}

std::string netlist_with_solver(std::string_view netlist, Solver solver) {
  if (solver == Solver::as_netlist) return std::string(netlist);
  const std::string card = solver == Solver::klu ? ".options klu" : ".options sparse";
  // Insert before the .end card (ngspice 46 ignores everything after it).
  std::size_t pos = 0, end_at = std::string_view::npos;
  while (pos < netlist.size()) {
    auto eol = netlist.find('\n', pos);
    if (eol == std::string_view::npos) eol = netlist.size();
    if (pos > 0 && text::first_word(netlist.substr(pos, eol - pos)) == ".end") {
      end_at = pos;
      break;
    }
    pos = eol + 1;
  }
  std::string out(netlist);
  if (end_at == std::string_view::npos) {
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out + card + "\n";
  }
  return out.insert(end_at, card + "\n");
}

Result run_job(NgspiceSession& session, const Job& job) {
  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  const auto start = Clock::now();
  Result r;
  r.id = job.id;
  r.pid = static_cast<int>(::getpid());
  bool loading = false, loaded = false;
  try {
    if (job.solver == Solver::klu && !session.info().has_klu)
      throw SpiceError(SpiceErrorKind::setup, "the job asks for the KLU solver, but ngspice-" + session.info().version +
                                                  " was built without KLU (use Solver::sparse or as_netlist)");
    loading = true;
    session.load(netlist_with_solver(job.netlist, job.solver), job.control_commands);
    loading = false;
    loaded = true;
    const auto loaded_at = Clock::now();
    r.load_seconds = seconds(start, loaded_at);
    for (const std::string& cmd : job.pre_commands) session.command(cmd);
    if (!job.control_commands) session.run(job.timeout_s, job.analysis);
    for (const std::string& cmd : job.post_commands) session.command(cmd);
    const auto ran_at = Clock::now();
    r.analysis_seconds = seconds(loaded_at, ran_at);
    r.plot = session.plot({}, job.vectors);
    if (job.all_plots)
      for (const std::string& name : session.plot_names())
        if (name != "const") r.plots.push_back(session.plot(name));
    r.fetch_seconds = seconds(ran_at, Clock::now());
    r.status = JobStatus::ok;
  } catch (const SpiceError& e) {
    loaded = loaded || loading;
    r.message = e.what();
    switch (e.kind()) {
      case SpiceErrorKind::parse:
      case SpiceErrorKind::setup:
        r.status = JobStatus::parse_error;
        break;
      case SpiceErrorKind::simulation:
      case SpiceErrorKind::command:
        r.status = JobStatus::sim_error;
        break;
      case SpiceErrorKind::timeout:
        r.status = JobStatus::timeout;
        break;
      // A controlled exit while reading the netlist is the netlist's fault
      // (ngspice 46 does that for a malformed B-source expression).
      case SpiceErrorKind::controlled_exit:
        r.status = loading ? JobStatus::parse_error : JobStatus::exited;
        break;
      case SpiceErrorKind::unusable:
        r.status = JobStatus::exited;
        break;
    }
    if ((r.status == JobStatus::sim_error || r.status == JobStatus::timeout) && session.usable()) {
      try {
        r.plot = session.plot({}, job.vectors);
      } catch (const SimulationError&) {
        // Nothing (or not what was asked for) was computed before it stopped.
      }
    }
  }
  if (loaded) {
    r.log = session.log();
    r.solver = session.solver_used();
  }
  r.wall_seconds = seconds(start, Clock::now());
  r.rss_bytes = resident_set_bytes();
  return r;
}

}  // namespace memcosim::spice
