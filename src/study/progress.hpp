// Progress of a sweep: on a terminal one bar redrawn in place (counts,
// running jobs, elapsed time, ETA), failures printed above it; elsewhere (CI
// logs, files) one plain line per finished job.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

#include "study/outcome.hpp"

namespace memcosim::study {

class Progress {
 public:
  enum class Style { bar, lines, none };

  // total: jobs of the study; done: finished before this run (skipped).
  Progress(Style style, std::ostream& out, long total, long done);

  void started() { ++running_; }
  // Jobs that can run at once (all ranks), for the ETA before the pace is known.
  void set_slots(long slots) { slots_ = slots; }
  void finished(const JobOutcome& outcome, const std::string& label);
  void tick();   // redraws the bar at most a few times a second
  void close();  // ends the bar's line

  // Seconds remaining: from this run's pace (remaining jobs x elapsed /
  // finished) once every slot has finished a job; before that from the mean
  // job time and the slots (negative when nothing has finished yet).
  double eta_seconds() const;

  // "12s", "3m05s", "1h02m".
  static std::string duration(double seconds);

 private:
  void draw();
  std::string status_text() const;

  Style style_;
  std::ostream& out_;
  long total_, skipped_;
  long finished_ = 0, ok_ = 0, partial_ = 0, failed_ = 0, running_ = 0, slots_ = 1;
  double job_seconds_ = 0;  // sum of the finished jobs' wall times
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

}  // namespace memcosim::study
