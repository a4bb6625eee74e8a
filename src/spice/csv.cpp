#include "spice/csv.hpp"

#include <algorithm>
#include <fstream>
#include <ostream>

#include "spice/rawfile.hpp"
#include "spice/session.hpp"
#include "util/csv.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace memcosim::spice {

namespace {

struct Column {
  std::string header;
  const std::vector<double>* values;
};

}  // namespace

void write_csv(const Plot& plot, std::ostream& out) {
  std::vector<const Vector*> order;
  if (const Vector* scale = plot.scale_vector()) order.push_back(scale);
  for (const Vector& v : plot.vectors)
    if (std::find(order.begin(), order.end(), &v) == order.end()) order.push_back(&v);

  std::vector<Column> columns;
  for (const Vector* v : order) {
    const bool real_scale =
        v == plot.scale_vector() && std::all_of(v->im.begin(), v->im.end(), [](double x) { return x == 0; });
    const std::string name = raw_vector_name(*v);  // as the ngspice program's rawfile names it
    if (!v->is_complex || real_scale) {
      columns.push_back({name, &v->re});
    } else {
      columns.push_back({"re(" + name + ")", &v->re});
      columns.push_back({"im(" + name + ")", &v->im});
    }
  }

  std::size_t rows = 0;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    out << (c ? "," : "") << csv_field(columns[c].header);
    rows = std::max(rows, columns[c].values->size());
  }
  out << '\n';
  std::string line;
  for (std::size_t r = 0; r < rows; ++r) {
    line.clear();
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (c) line += ',';
      const std::vector<double>& vals = *columns[c].values;
      if (r < vals.size()) line += csv_number(vals[r]);
    }
    line += '\n';
    out << line;
  }
}

void write_csv(const Plot& plot, const std::filesystem::path& path) {
  AtomicFile out(path, "CSV");
  write_csv(plot, out.stream());
  out.commit();
}

std::vector<std::filesystem::path> write_plots_csv(const std::vector<Plot>& plots, const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> written;
  for (const Plot& plot : plots) {
    const std::filesystem::path path = dir / (plot.name + ".csv");
    write_csv(plot, path);
    written.push_back(path);
  }
  return written;
}

std::vector<std::filesystem::path> write_plots_csv(const NgspiceSession& session, const std::filesystem::path& dir) {
  std::vector<Plot> plots;
  for (const std::string& name : session.plot_names())
    if (name != "const") plots.push_back(session.plot(name));
  return write_plots_csv(plots, dir);
}

}  // namespace memcosim::spice
