// A study's results as people read them: a CSV of every column and metric,
// a text table of the chosen metrics, and the sweep plot (each metric
// against the x parameter, one line per value of the series parameter,
// mean +- standard deviation over the other parameters, e.g. Monte Carlo
// draws), drawn by gnuplot.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "study/store.hpp"
#include "study/study.hpp"

namespace memcosim::study {

// What the database says about its study (Study::describe, stored by sync).
struct StudyView {
  std::string name;
  std::vector<std::string> parameters;
  std::vector<std::string> table_metrics;
  PlotSpec plot;
  static StudyView from(Store& store);
};

// Every row; columns: job_index, status, the parameters (numbers where they
// are numbers), label, message, attempts, worker, times, paths, config_hash,
// then every metric key found in any row.
void write_csv(std::ostream& out, const std::vector<JobRecord>& rows, const StudyView& view);

// One line per row: index, status, parameters, the metrics asked for, wall
// time; then the failed and partial jobs with their messages and logs.
void write_table(std::ostream& out, const std::vector<JobRecord>& rows, const StudyView& view,
                 const std::vector<std::string>& metrics);

// dir/sweep.png (script sweep.gp, data sweep_*.dat). Returns false when
// there is nothing to plot or gnuplot fails (after a line on `warn`).
bool plot_sweep(const std::filesystem::path& dir, const std::vector<JobRecord>& rows, const StudyView& view,
                std::ostream& warn);

// results.csv, table.txt and sweep.png next to the database.
void write_results(const std::filesystem::path& dir, Store& store, std::ostream& log);

}  // namespace memcosim::study
