// memcosim sweep STUDY [-j N] [-o DIR] [--retry-failed] [--timeout S] [--dry-run]
// memcosim results DB [--table | --csv] [--metrics a,b] [--plot]
// memcosim study-job DIR/job.json   (hidden: one job's process, started by sweep)
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "app/cli.hpp"
#include "study/executor.hpp"
#include "study/report.hpp"
#include "study/store.hpp"
#include "study/sweep.hpp"

namespace memcosim::app {

namespace {

void add_sweep(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "sweep", "Run a what-if study (sweeps, corners, Monte Carlo) into a resumable results database");
  auto file = std::make_shared<std::string>();
  auto o = std::make_shared<study::SweepOptions>();
  auto out = std::make_shared<std::string>();
  auto timeout = std::make_shared<double>(0);
  auto progress = std::make_shared<std::string>("auto");
  auto dry_run = std::make_shared<bool>(false);
  cmd->add_option("study", *file, "Study file (YAML)")->required();
  cmd->add_option("-j,--jobs", o->jobs, "Jobs at a time (default: one per core; one per rank under mpirun)");
  cmd->add_option("-o,--output", *out, "Output folder with study.db and the jobs' results (default: out/<study name>)")
      ->check(NonEmptyPath);
  cmd->add_flag("--retry-failed", o->retry_failed, "Run jobs that failed before again");
  cmd->add_option("--timeout", *timeout, "Seconds one job may take (default: the study's timeout)")
      ->check(FinitePositive);
  cmd->add_option("--job-workers", o->job_workers, "ngspice worker processes per job (default 1)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--progress", *progress, "auto (a bar on a terminal, else one line per job), bar, lines, none")
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}));
  cmd->add_flag("--dry-run", *dry_run, "Check every job's config and list the jobs; run nothing");
  cmd->callback([=] {
    study::SweepOptions opt = *o;
    opt.out_dir = *out;
    if (*timeout > 0) opt.timeout = *timeout;
    if (*progress == "bar")
      opt.progress = study::SweepOptions::ProgressStyle::bar;
    else if (*progress == "lines")
      opt.progress = study::SweepOptions::ProgressStyle::lines;
    else if (*progress == "none")
      opt.progress = study::SweepOptions::ProgressStyle::none;
    if (*dry_run) {
      const study::Study s = study::load_study(*file, std::cerr);
      std::cout << "study " << s.name << ": " << s.jobs.size() << " jobs, base config " << s.config << "\n";
      for (const auto& job : s.jobs)
        std::cout << "  job " << job.index << "  " << job.config_hash << "  " << job.label() << "\n";
      return;
    }
    study::SweepResult r;
    {
      // MPI is finalised when `mpi` leaves this scope, also on the
      // interrupt path below (std::exit would skip its destructor).
      study::MpiWorld mpi;
      if (mpi.rank() != 0) {
        study::serve_sweep(opt, mpi);
        return;
      }
      r = study::run_sweep(*file, opt, mpi, std::cout);
    }
    if (r.interrupted) {
      std::cout << std::flush;
      std::exit(130);
    }
    if (r.failed > 0)
      throw SimulationError(std::to_string(r.failed) + " of " + std::to_string(r.jobs) +
                            " jobs failed (see the table above and their logs); every finished job is in " +
                            r.database.string());
  });
}

void add_results(CLI::App& app) {
  auto* cmd = app.add_subcommand("results", "Show what a study has computed (its results database)");
  auto db = std::make_shared<std::string>();
  auto csv = std::make_shared<bool>(false);
  auto table = std::make_shared<bool>(false);
  auto plot = std::make_shared<bool>(false);
  auto metrics = std::make_shared<std::vector<std::string>>();
  cmd->add_option("database", *db, "The study's database (out/<study>/study.db)")->required();
  auto* c = cmd->add_flag("--csv", *csv, "Every column and every metric as CSV");
  auto* t = cmd->add_flag("--table", *table, "A text table of the study's metrics (the default)");
  c->excludes(t);
  cmd->add_option("--metrics", *metrics, "Metrics (flattened summary.json keys) the table shows")->delimiter(',');
  cmd->add_flag("--plot", *plot, "Draw sweep.png next to the database again");
  cmd->callback([=] {
    study::Store store(*db, study::Store::Mode::read_only);
    const auto rows = store.records();
    const auto view = study::StudyView::from(store);
    if (*csv) {
      study::write_csv(std::cout, rows, view);
    } else {
      study::write_table(std::cout, rows, view, metrics->empty() ? view.table_metrics : *metrics);
    }
    if (*plot) {
      const auto dir = std::filesystem::path(*db).parent_path();
      if (study::plot_sweep(dir.empty() ? "." : dir, rows, view, std::cerr))
        std::cerr << "plot: " << (dir / "sweep.png").string() << "\n";
    }
  });
}

void add_study_job(CLI::App& app) {
  auto* cmd = app.add_subcommand("study-job", "One job of a sweep (started by memcosim sweep)");
  cmd->group("");  // not for users: hidden from --help
  auto file = std::make_shared<std::string>();
  cmd->add_option("job", *file, "job.json")->required();
  cmd->callback([=] {
    const int rc = study::run_job_process(*file, std::cout);
    std::cout << std::flush;
    if (rc != 0) std::exit(rc);
  });
}

}  // namespace

void add_sweep_commands(CLI::App& app) {
  add_sweep(app);
  add_results(app);
  add_study_job(app);
}

}  // namespace memcosim::app
