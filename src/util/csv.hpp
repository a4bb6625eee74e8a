// CSV output. Numbers are written as csv_number (util/numbers.hpp): the
// shortest text that reads back as the value written; each row is flushed
// as soon as it is complete, so a run that stops half-way keeps every
// finished row.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "util/numbers.hpp"

namespace memcosim {

class CsvWriter {
 public:
  // Creates (truncates) the file and writes the header. Throws Error naming
  // the file when it cannot be written.
  CsvWriter(const std::filesystem::path& path, const std::vector<std::string>& header);

  // One row; text cells are quoted when needed.
  void row(const std::vector<double>& values);
  void row(const std::vector<std::string>& cells);
  const std::filesystem::path& path() const { return path_; }

 private:
  void end_row();
  std::filesystem::path path_;
  std::ofstream out_;
  std::size_t columns_;
};

// One text cell, quoted when needed (a number cell is csv_number).
std::string csv_field(const std::string& text);

// A dim x n matrix of samples (one per column) as rows, columns x0 .. x<dim-1>.
void write_samples_csv(const std::filesystem::path& path, const Eigen::Ref<const Eigen::MatrixXd>& samples);

}  // namespace memcosim
