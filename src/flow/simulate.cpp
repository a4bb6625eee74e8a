#include "flow/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <utility>

#include "spice/emitter.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"

namespace memcosim::flow {

std::string Simulator::describe() const {
  return "ngspice-" + info().version + (use_klu ? " (KLU)" : " (Sparse)") + ", " +
         (workers() ? "worker processes" : "in-process");
}

Simulator start_simulator(const config::Config& cfg, bool prefer_sparse) {
  spice::RunnerOptions ro;
  ro.mode = cfg.simulation.mode == config::Execution::worker ? spice::ExecutionMode::worker_processes
                                                             : spice::ExecutionMode::in_process;
  ro.pool.workers = static_cast<unsigned>(cfg.simulation.workers);
  Simulator sim;
  const auto start = Clock::now();
  sim.runner = std::make_unique<spice::Runner>(ro);
  sim.start_seconds = seconds_since(start);
  const spice::SimulatorInfo& info = sim.info();
  const auto solver = cfg.simulation.solver;
  if (solver == config::LinearSolver::klu && !info.has_klu)
    throw InputError(Diagnostic{cfg.locations.find("simulation.solver"), "simulation.solver",
                                "ngspice-" + info.version + " has no KLU solver (use auto or sparse)"});
  sim.use_klu = solver == config::LinearSolver::klu ||
                (solver == config::LinearSolver::automatic && info.has_klu && !prefer_sparse);
  return sim;
}

namespace {

std::map<long, spice::TestFault> injected_faults() {
  std::map<long, spice::TestFault> faults;
  const char* env = std::getenv("MEMCOSIM_TEST_FAULTS");
  if (!env) return faults;
  std::stringstream ss(env);
  for (std::string item; std::getline(ss, item, ',');) {
    const auto colon = item.find(':');
    if (colon == std::string::npos) continue;
    const long index = std::stol(item.substr(0, colon));
    const std::string kind = item.substr(colon + 1);
    if (kind == "segfault")
      faults[index] = spice::TestFault::segfault;
    else if (kind == "abort")
      faults[index] = spice::TestFault::abort;
    else if (kind == "hang")
      faults[index] = spice::TestFault::hang;
    else if (kind == "exit")
      faults[index] = spice::TestFault::exit;
  }
  return faults;
}

}  // namespace

double run_jobs(Simulator& sim, long n, const std::function<spice::Job(long)>& make_job,
                const std::function<void(spice::Result&&)>& handle, bool quiet, std::ostream& log) {
  const auto start = Clock::now();
  const long in_flight = 4 * std::max<long>(1, sim.runner->parallelism());
  const auto faults = injected_faults();
  long submitted = 0, done = 0;
  auto submit = [&](long i) {
    spice::Job job = make_job(i);
    job.id = static_cast<std::uint64_t>(i);
    if (auto f = faults.find(i); f != faults.end()) job.test_fault = f->second;
    sim.runner->submit(std::move(job));
  };
  for (; submitted < std::min(n, in_flight); ++submitted) submit(submitted);
  const long every = std::max<long>(1, n / 10);
  while (auto r = sim.runner->next()) {
    handle(std::move(*r));
    ++done;
    if (submitted < n) submit(submitted++);
    if (!quiet && (done % every == 0 || done == n))
      log << "  " << done << "/" << n << " transients, " << printf_number("%.1f", seconds_since(start)) << " s\n"
          << std::flush;
  }
  return seconds_since(start);
}

bool RailLog::watch(const spice::Plot& plot, const std::vector<std::string>& nodes) {
  bool hit = false;
  for (const auto& node : nodes) {
    const auto& v = plot.at(node).re;
    if (v.empty()) continue;
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    const double peak = std::max(std::abs(*lo), std::abs(*hi));
    if (peak > worst) {
      worst = peak;
      worst_node = node;
    }
    if (*hi >= v_high - 1e-3 || *lo <= v_low + 1e-3) {
      ++hits[node];
      hit = true;
    }
  }
  return hit;
}

nlohmann::json RailLog::to_json() const {
  nlohmann::json reached = nlohmann::json::object();
  for (const auto& [node, count] : hits) reached[node] = count;
  return {{"swing_limits", {v_low, v_high}},
          {"largest_abs_voltage", worst},
          {"at_node", worst_node},
          {"nodes_reaching_limits", reached}};
}

void RailLog::warn(std::ostream& log) const {
  if (hits.empty()) return;
  long most = 0;
  for (const auto& [node, count] : hits) most = std::max(most, count);
  log << "  WARNING: " << hits.size() << " node(s) reached the swing limits [" << printf_number("%.3g", v_low) << ", "
      << printf_number("%.3g", v_high) << "] V (worst " << worst_node << ", " << printf_number("%.3g", worst)
      << " V, in up to " << most << " trajectories): activations saturate; reduce circuit.scaling\n";
}

nlohmann::json summary_stats(std::vector<double> v) {
  if (v.empty()) return nullptr;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  return {{"max", v.back()}, {"median", v[v.size() / 2]}, {"mean", sum / static_cast<double>(v.size())}};
}

void submit_circuit(spice::Runner& runner, std::uint64_t id, const circuit::Circuit& c, std::string analysis,
                    std::vector<std::string> vectors, double timeout_s) {
  spice::Job job;
  job.id = id;
  job.netlist = spice::emit(c);
  job.analysis = std::move(analysis);
  job.vectors = std::move(vectors);
  job.timeout_s = timeout_s;
  runner.submit(std::move(job));
}

JobResults::JobResults(spice::Runner& runner) {
  while (auto r = runner.next()) results_.emplace(r->id, std::move(*r));
}

std::string JobResults::failed(std::uint64_t id) const {
  const auto it = results_.find(id);
  if (it == results_.end()) return "no result";
  if (!it->second.ok()) return std::string(spice::to_string(it->second.status)) + ": " + it->second.message;
  return {};
}

}  // namespace memcosim::flow
