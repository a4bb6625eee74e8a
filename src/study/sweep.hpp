// `memcosim sweep`: runs the jobs of a study that are not done yet and
// records each in the study database as it ends.
//
// Parallelism is per job: each job is a process of its own (executor.hpp)
// that runs its transients with `job_workers` ngspice workers (1 by default,
// so -j N keeps N cores busy). Under mpirun, rank 0 owns the database and
// hands out jobs one at a time to whichever rank (itself included) has a
// free slot, so fast and slow jobs balance themselves; the other ranks only
// run jobs and send their outcomes back. No rank forks a copy of itself:
// jobs are started with posix_spawn (fork+exec), which OpenMPI tolerates.
//
// Every run of the same study continues where the last one stopped: jobs
// that finished (ok or partial) are skipped; failed ones are run again only
// with retry_failed; jobs a killed driver left running are run again. The
// output folder is locked (flock) while a sweep runs in it.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>

#include "study/mpi.hpp"
#include "study/study.hpp"

namespace memcosim::study {

struct SweepOptions {
  std::filesystem::path out_dir;  // default: out/<study name>
  unsigned jobs = 0;              // jobs at a time in this process; 0: one per core (one per rank under MPI)
  int job_workers = 1;            // ngspice worker processes of each job
  bool retry_failed = false;
  std::optional<double> timeout;     // seconds per job (default: the study's)
  std::filesystem::path executable;  // memcosim for the job processes (default: this program)
  enum class ProgressStyle { automatic, bar, lines, none } progress = ProgressStyle::automatic;
};

struct SweepResult {
  long jobs = 0;                         // of the study
  long skipped = 0;                      // done before this run
  long ran = 0;                          // finished in this run
  long ok = 0, partial = 0, failed = 0;  // the whole study after this run
  bool interrupted = false;
  std::filesystem::path database;
};

// Where a study's results go by default, and its database inside.
std::filesystem::path default_output_dir(const Study& study);
std::filesystem::path database_path(const std::filesystem::path& out_dir);

// The driver (the only process, or rank 0): validates every job first
// (InputError before anything runs), then runs the missing ones, then writes
// results.csv, table.txt and sweep.png next to the database. With an active
// MPI world of several ranks, the other ranks must call serve_sweep.
SweepResult run_sweep(const std::string& study_file, const SweepOptions& options, MpiWorld& mpi, std::ostream& log);

// Ranks other than 0: run what rank 0 sends until it says stop.
void serve_sweep(const SweepOptions& options, MpiWorld& mpi);

}  // namespace memcosim::study
