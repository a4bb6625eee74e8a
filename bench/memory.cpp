// Comparison 6: resident memory over 1,000 consecutive simulations of the
// ring in one worker process (spice::WorkerPool with one worker, the RSS the
// worker reports after each job), and the same in this process through one
// NgspiceSession. Growth = RSS after the last job / the mean RSS after jobs
// 41..50 (allocator warm-up) - 1.
#include <fstream>
#include <numeric>
#include <ostream>
#include <sstream>

#include "bench.hpp"
#include "spice/job.hpp"
#include "spice/session.hpp"
#include "spice/worker_pool.hpp"

namespace memcosim::bench {

namespace {
struct Growth {
  double early = 0, last = 0, peak = 0, growth = 0;
};
Growth growth_of(const std::vector<double>& rss) {
  Growth g;
  const std::size_t from = std::min<std::size_t>(40, rss.size() / 2), to = std::min<std::size_t>(50, rss.size());
  g.early = std::accumulate(rss.begin() + static_cast<long>(from), rss.begin() + static_cast<long>(to), 0.0) /
            static_cast<double>(to - from);
  g.last = rss.back();
  g.peak = *std::max_element(rss.begin(), rss.end());
  g.growth = g.last / g.early - 1;
  return g;
}
std::string mib(double bytes) { return fmt("%.1f MiB", bytes / (1024.0 * 1024.0)); }
}  // namespace

void bench_memory(const Settings& s, Report& report) {
  const int sims = s.quick ? 100 : 1000;
  const fs::path net = s.work / "ring_ideal.cir";
  {
    ProcessOptions po;
    po.cwd = s.root;
    po.output = s.work / "netlist.log";
    const auto pr = run_process({s.memcosim.string(), "netlist", "configs/ring.yaml", "--set", "circuit.level=ideal",
                                 "--set", "circuit.dac.points=0", "-o", net.string()},
                                po);
    if (!pr.ok()) throw std::runtime_error("memcosim netlist failed: " + tail_of_file(po.output));
  }
  std::stringstream ss;
  ss << std::ifstream(net).rdbuf();
  const std::string netlist = ss.str();

  Section sec;
  sec.title = "6. Resident memory over consecutive simulations";
  sec.notes.push_back(
      fmt("%d transients of the ideal-level ring (`memcosim netlist configs/ring.yaml --set "
          "circuit.level=ideal --set circuit.dac.points=0`), one after the other: in one worker process "
          "(the RSS it reports after each job) and in this process through one NgspiceSession. Growth = "
          "RSS after the last / mean RSS after jobs 41-50 - 1.",
          sims));
  sec.header = {"where", "simulations", "RSS after jobs 41-50", "after the last", "peak", "growth", "wall"};

  // Worker first: a pool must fork before this process holds a session.
  std::vector<double> rss(static_cast<std::size_t>(sims), 0);
  *s.log << "memory: " << sims << " simulations in one worker\n" << std::flush;
  const Sample pool_time = measure([&] {
    spice::PoolOptions po;
    po.workers = 1;
    spice::WorkerPool pool(po);
    for (int i = 0; i < sims; ++i) {
      spice::Job job;
      job.id = static_cast<std::uint64_t>(i);
      job.netlist = netlist;
      job.vectors = {"x0", "x1"};
      pool.submit(std::move(job));
    }
    int pid = 0;
    while (auto r = pool.next()) {
      if (!r->ok()) throw std::runtime_error("job " + std::to_string(r->id) + " failed: " + r->message);
      if (pid == 0) pid = r->pid;
      if (r->pid != pid) throw std::runtime_error("the worker was replaced during the run");
      rss[r->id] = static_cast<double>(r->rss_bytes);
    }
  });
  const Growth gw = growth_of(rss);
  sec.rows.push_back({"one worker process", std::to_string(sims), mib(gw.early), mib(gw.last), mib(gw.peak),
                      fmt("%+.2f %%", 100 * gw.growth), fmt_time(pool_time.wall)});
  report.summary.push_back({"6 resident memory", std::to_string(sims) + " simulations in one worker",
                            fmt("%+.2f %% (%s -> %s)", 100 * gw.growth, mib(gw.early).c_str(), mib(gw.last).c_str()),
                            "growth <= 5 %", gw.growth <= 0.05 ? "met" : "NOT met"});

  *s.log << "memory: " << sims << " simulations in this process\n" << std::flush;
  std::vector<double> rss_in(static_cast<std::size_t>(sims), 0);
  const Sample in_time = measure([&] {
    spice::NgspiceSession session;
    for (int i = 0; i < sims; ++i) {
      spice::Job job;
      job.netlist = netlist;
      job.vectors = {"x0", "x1"};
      const spice::Result r = spice::run_job(session, job);
      if (!r.ok()) throw std::runtime_error("in-process job failed: " + r.message);
      rss_in[static_cast<std::size_t>(i)] = static_cast<double>(spice::resident_set_bytes());
    }
  });
  const Growth gi = growth_of(rss_in);
  sec.rows.push_back({"in-process session", std::to_string(sims), mib(gi.early), mib(gi.last), mib(gi.peak),
                      fmt("%+.2f %%", 100 * gi.growth), fmt_time(in_time.wall)});
  report.summary.push_back({"6 resident memory", std::to_string(sims) + " simulations in-process",
                            fmt("%+.2f %%", 100 * gi.growth), "", ""});
  report.sections.push_back(std::move(sec));
}

}  // namespace memcosim::bench
