#include "util/csv.hpp"

#include "util/error.hpp"

namespace memcosim {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

CsvWriter::CsvWriter(const std::filesystem::path& path, const std::vector<std::string>& header)
    : path_(path), out_(path), columns_(header.size()) {
  if (!out_) throw Error("cannot write " + path.string());
  row(header);
}

void CsvWriter::row(const std::vector<double>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) out_ << (i ? "," : "") << csv_number(values[i]);
  end_row();
}

void CsvWriter::row(const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) out_ << (i ? "," : "") << csv_field(cells[i]);
  end_row();
}

void CsvWriter::end_row() {
  out_ << '\n';
  out_.flush();
  if (!out_) throw Error("cannot write " + path_.string() + " (disk full?)");
}

void write_samples_csv(const std::filesystem::path& path, const Eigen::Ref<const Eigen::MatrixXd>& samples) {
  std::vector<std::string> header;
  for (Eigen::Index d = 0; d < samples.rows(); ++d) header.push_back("x" + std::to_string(d));
  CsvWriter w(path, header);
  std::vector<double> r(static_cast<std::size_t>(samples.rows()));
  for (Eigen::Index j = 0; j < samples.cols(); ++j) {
    for (Eigen::Index d = 0; d < samples.rows(); ++d) r[static_cast<std::size_t>(d)] = samples(d, j);
    w.row(r);
  }
}

}  // namespace memcosim
