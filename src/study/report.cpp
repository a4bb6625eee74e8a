#include "study/report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include "flow/plots.hpp"
#include "util/csv.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"

namespace memcosim::study {

namespace {

namespace fs = std::filesystem;

const nlohmann::json* parameter(const JobRecord& r, const std::string& name) {
  for (const auto& p : r.parameters)
    if (p.value("name", std::string()) == name) return &p;
  return nullptr;
}

std::string parameter_text(const JobRecord& r, const std::string& name) {
  const auto* p = parameter(r, name);
  return p ? p->value("text", std::string()) : std::string();
}

std::optional<double> parameter_number(const JobRecord& r, const std::string& name) {
  const auto* p = parameter(r, name);
  if (!p || !p->contains("number") || !(*p)["number"].is_number()) return std::nullopt;
  return (*p)["number"].get<double>();
}

std::optional<double> metric_number(const JobRecord& r, const std::string& key) {
  const auto it = r.metrics.find(key);
  if (it == r.metrics.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_boolean()) return it->get<bool>() ? 1.0 : 0.0;
  return std::nullopt;
}

std::string metric_text(const JobRecord& r, const std::string& key) {
  const auto it = r.metrics.find(key);
  if (it == r.metrics.end() || it->is_null()) return "-";
  if (it->is_number()) return short_number(it->get<double>());
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string short_name(const std::string& name) {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

// Parameter names shown in a table: the last key component when that is unique.
std::vector<std::string> display_names(const std::vector<std::string>& names) {
  std::set<std::string> seen;
  bool unique = true;
  for (const auto& n : names) unique = seen.insert(short_name(n)).second && unique;
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& n : names) out.push_back(unique ? short_name(n) : n);
  return out;
}

}  // namespace

StudyView StudyView::from(Store& store) {
  StudyView v;
  v.name = store.meta("study").value_or("study");
  nlohmann::json d = nlohmann::json::object();
  if (auto text = store.meta("description")) {
    try {
      d = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::exception&) {
    }
  }
  v.parameters = d.value("parameters", std::vector<std::string>());
  v.table_metrics = d.value("table", default_table_metrics());
  const auto p = d.value("plot", nlohmann::json::object());
  v.plot.metrics = p.value("metrics", std::vector<std::string>());
  v.plot.x = p.value("x", std::string());
  v.plot.series = p.value("series", std::string());
  v.plot.log_x = p.value("log_x", false);
  v.plot.log_y = p.value("log_y", false);
  if (v.plot.metrics.empty() && !v.table_metrics.empty()) v.plot.metrics = {v.table_metrics.front()};
  return v;
}

void write_csv(std::ostream& out, const std::vector<JobRecord>& rows, const StudyView& view) {
  std::vector<std::string> params = view.parameters;
  std::set<std::string> known(params.begin(), params.end());
  for (const auto& r : rows)
    for (const auto& p : r.parameters)
      if (known.insert(p.value("name", std::string())).second) params.push_back(p.value("name", std::string()));
  std::set<std::string> metric_set;
  for (const auto& r : rows)
    for (auto it = r.metrics.begin(); it != r.metrics.end(); ++it) metric_set.insert(it.key());
  const std::vector<std::string> metrics(metric_set.begin(), metric_set.end());

  std::vector<std::string> header = {"job_index", "status"};
  header.insert(header.end(), params.begin(), params.end());
  for (const char* h : {"label", "message", "attempts", "worker", "started_at", "finished_at", "wall_seconds",
                        "cpu_seconds", "output_dir", "log_file", "config_hash"})
    header.emplace_back(h);
  header.insert(header.end(), metrics.begin(), metrics.end());
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << cells[i];
    out << "\n";
  };
  std::vector<std::string> h;
  h.reserve(header.size());
  for (const auto& name : header) h.push_back(csv_field(name));
  line(h);
  for (const auto& r : rows) {
    std::vector<std::string> c = {r.index ? std::to_string(*r.index) : std::string(), r.status};
    for (const auto& p : params) {
      if (auto n = parameter_number(r, p))
        c.push_back(csv_number(*n));
      else
        c.push_back(csv_field(parameter_text(r, p)));
    }
    c.push_back(csv_field(r.label));
    c.push_back(csv_field(r.message));
    c.push_back(std::to_string(r.attempts));
    c.push_back(csv_field(r.worker));
    c.push_back(r.started_at);
    c.push_back(r.finished_at);
    c.push_back(r.wall_seconds ? csv_number(*r.wall_seconds) : std::string());
    c.push_back(r.cpu_seconds ? csv_number(*r.cpu_seconds) : std::string());
    c.push_back(csv_field(r.output_dir));
    c.push_back(csv_field(r.log_file));
    c.push_back(r.config_hash);
    for (const auto& m : metrics) {
      const auto it = r.metrics.find(m);
      if (it == r.metrics.end() || it->is_null())
        c.emplace_back();
      else if (it->is_number())
        c.push_back(csv_number(it->get<double>()));
      else if (it->is_boolean())
        c.push_back(it->get<bool>() ? "true" : "false");
      else if (it->is_string())
        c.push_back(csv_field(it->get<std::string>()));
      else
        c.push_back(csv_field(it->dump()));
    }
    line(c);
  }
}

void write_table(std::ostream& out, const std::vector<JobRecord>& rows, const StudyView& view,
                 const std::vector<std::string>& metrics) {
  const std::vector<std::string> shown = display_names(view.parameters);
  std::vector<std::string> header = {"job", "status"};
  header.insert(header.end(), shown.begin(), shown.end());
  header.insert(header.end(), metrics.begin(), metrics.end());
  header.emplace_back("wall_s");
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    std::vector<std::string> c = {r.index ? std::to_string(*r.index) : "-", r.status};
    for (const auto& p : view.parameters) {
      const std::string t = parameter_text(r, p);
      c.push_back(t.empty() ? "-" : t);
    }
    for (const auto& m : metrics) c.push_back(r.done() ? metric_text(r, m) : "-");
    c.push_back(r.wall_seconds ? short_number(*r.wall_seconds) : "-");
    cells.push_back(std::move(c));
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t k = 0; k < header.size(); ++k) {
    width[k] = header[k].size();
    for (const auto& c : cells) width[k] = std::max(width[k], c[k].size());
  }
  auto print = [&](const std::vector<std::string>& c) {
    std::string line;
    for (std::size_t k = 0; k < c.size(); ++k) {
      // Numbers right-aligned, words left-aligned.
      const bool left = k == 1 || (k >= 2 && k < 2 + shown.size() && !c[k].empty() &&
                                   std::isalpha(static_cast<unsigned char>(c[k][0])));
      const std::string pad(width[k] - c[k].size(), ' ');
      line += (k ? "  " : "") + (left ? c[k] + pad : pad + c[k]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  print(header);
  std::vector<std::string> rule;
  for (std::size_t k = 0; k < header.size(); ++k) rule.emplace_back(width[k], '-');
  print(rule);
  for (const auto& c : cells) print(c);

  std::map<std::string, long> counts;
  for (const auto& r : rows)
    if (r.index) ++counts[r.status];
  out << "\n" << view.name << ":";
  for (const char* s : {"ok", "partial", "failed", "running", "pending"})
    if (counts[s]) out << " " << counts[s] << " " << s;
  const long stale = static_cast<long>(std::count_if(rows.begin(), rows.end(), [](const auto& r) { return !r.index; }));
  if (stale) out << "; " << stale << " row(s) of jobs the study no longer has (job '-')";
  out << "\n";
  for (const auto& r : rows) {
    if (r.status != "failed" && r.status != "partial") continue;
    out << "  job " << (r.index ? std::to_string(*r.index) : "-") << " " << r.status << ": " << r.message;
    if (r.status == "failed" && !r.log_file.empty()) out << " (log: " << r.log_file << ")";
    out << "\n";
  }
}

bool plot_sweep(const fs::path& dir, const std::vector<JobRecord>& rows, const StudyView& view, std::ostream& warn) {
  const PlotSpec& spec = view.plot;
  std::vector<const JobRecord*> done;
  for (const auto& r : rows)
    if (r.index && r.done()) done.push_back(&r);
  if (done.empty() || spec.x.empty() || spec.metrics.empty()) return false;

  // x: numbers, or categories in order of first appearance.
  bool categorical = false;
  for (const auto* r : done) categorical = categorical || !parameter_number(*r, spec.x);
  std::vector<std::string> categories;
  auto x_of = [&](const JobRecord& r) -> double {
    if (!categorical) return *parameter_number(r, spec.x);
    const std::string t = parameter_text(r, spec.x);
    auto it = std::find(categories.begin(), categories.end(), t);
    if (it == categories.end()) {
      categories.push_back(t);
      return static_cast<double>(categories.size() - 1);
    }
    return static_cast<double>(it - categories.begin());
  };
  // Series: in numeric order when they are numbers, else as they come.
  std::vector<std::string> series;
  std::map<std::string, double> series_number;
  bool series_numeric = true;
  for (const auto* r : done) {
    const std::string s = spec.series.empty() ? std::string() : parameter_text(*r, spec.series);
    if (std::find(series.begin(), series.end(), s) == series.end()) series.push_back(s);
    if (auto n = spec.series.empty() ? std::nullopt : parameter_number(*r, spec.series))
      series_number[s] = *n;
    else
      series_numeric = false;
  }
  if (series_numeric)
    std::stable_sort(series.begin(), series.end(),
                     [&](const auto& a, const auto& b) { return series_number[a] < series_number[b]; });

  struct Panel {
    std::string metric, data;
    std::vector<std::size_t> blocks;  // series with data, by block order
    bool spread = false;              // some point averages several jobs
  };
  std::vector<Panel> panels;
  for (std::size_t m = 0; m < spec.metrics.size(); ++m) {
    Panel panel;
    panel.metric = spec.metrics[m];
    panel.data = "sweep_" + std::to_string(m) + ".dat";
    AtomicFile data_file(dir / panel.data, "plot data");
    std::ostream& data = data_file.stream();
    data << "# " << panel.metric << " against " << spec.x
         << (spec.series.empty() ? "" : ", one block per " + spec.series) << "\n# x mean standard_deviation jobs"
         << (categorical ? " label" : "") << "\n";
    for (std::size_t s = 0; s < series.size(); ++s) {
      std::map<double, std::vector<double>> points;
      std::map<double, std::string> labels;
      for (const auto* r : done) {
        if (!spec.series.empty() && parameter_text(*r, spec.series) != series[s]) continue;
        const auto v = metric_number(*r, panel.metric);
        if (!v || !std::isfinite(*v) || (spec.log_y && *v <= 0)) continue;
        const double x = x_of(*r);
        if (spec.log_x && !categorical && x <= 0) continue;
        points[x].push_back(*v);
        labels[x] = parameter_text(*r, spec.x);
      }
      if (points.empty()) continue;
      for (const auto& [x, vs] : points) {
        double mean = 0;
        for (double v : vs) mean += v;
        mean /= static_cast<double>(vs.size());
        double var = 0;
        for (double v : vs) var += (v - mean) * (v - mean);
        const double sd = vs.size() > 1 ? std::sqrt(var / static_cast<double>(vs.size() - 1)) : 0.0;
        panel.spread = panel.spread || vs.size() > 1;
        data << csv_number(x) << ' ' << csv_number(mean) << ' ' << csv_number(sd) << ' ' << vs.size();
        if (categorical)
          data << " \"" << flow::plain_text(labels[x]) << "\"";  // for people; the ticks are in the script
        data << "\n";
      }
      data << "\n\n";
      panel.blocks.push_back(s);
    }
    data_file.commit();
    if (!panel.blocks.empty()) panels.push_back(std::move(panel));
  }
  if (panels.empty()) {
    warn << "memcosim: no values of " << spec.metrics.front() << " to plot yet\n";
    return false;
  }

  const std::size_t n = panels.size();
  const std::size_t cols = n == 1 ? 1 : 2, rows_n = (n + cols - 1) / cols;
  AtomicFile gp_file(dir / "sweep.gp", "plot script");
  std::ostream& gp = gp_file.stream();
  gp << "set terminal pngcairo size " << (cols == 1 ? 1000 : 1700) << "," << 120 + 600 * rows_n
     << " font 'sans,11'\nset output 'sweep.png'\n"  // enhanced: every label goes through safe_title
     << "set multiplot layout " << rows_n << "," << cols << " title \"" << flow::safe_title(view.name) << "\"\n"
     << "set grid\nset key outside right top title \"" << flow::safe_title(spec.series) << "\"\n"
     << "set xlabel \"" << flow::safe_title(spec.x) << "\"\n";
  if (spec.log_x && !categorical) gp << "set logscale x\n";
  if (spec.log_y) gp << "set logscale y\n";
  // Tick labels with SI prefixes (100k, 1M, 8.0n) for values far from 1.
  if (!categorical) {
    double largest = 0;
    for (const auto* r : done) largest = std::max(largest, std::abs(*parameter_number(*r, spec.x)));
    if (largest >= 1e4 || (largest > 0 && largest < 1e-2))
      gp << "set format x '" << (spec.log_x ? "%.0s%c" : "%.1s%c") << "'\n";
  }
  if (categorical) {
    gp << "set xrange [-0.5:" << static_cast<double>(categories.size()) - 0.5 << "]\nset xtics (";
    for (std::size_t k = 0; k < categories.size(); ++k)
      gp << (k ? ", " : "") << "\"" << flow::safe_title(categories[k]) << "\" " << k;
    gp << ")\n";
  }
  for (const auto& p : panels) {
    gp << "set title \"" << flow::safe_title(p.metric) << (p.spread ? " (mean +- sd over the other parameters)" : "")
       << "\"\nplot ";
    for (std::size_t b = 0; b < p.blocks.size(); ++b) {
      const std::string& s = series[p.blocks[b]];
      const std::string using_cols = p.spread ? "1:2:3" : "1:2";
      gp << (b ? ", \\\n     " : "") << "'" << p.data << "' index " << b << " using " << using_cols << " with "
         << (p.spread ? "yerrorlines" : "linespoints") << " lw 2 pt 7 ps 1.2 lc " << (p.blocks[b] % 8) + 1
         << " title \"" << flow::safe_title(spec.series.empty() ? p.metric : s) << "\"";
    }
    gp << "\n";
  }
  gp << "unset multiplot\n";
  gp_file.commit();
  return flow::run_gnuplot(dir, "sweep.gp", warn);
}

void write_results(const fs::path& dir, Store& store, std::ostream& log) {
  const auto rows = store.records();
  const StudyView view = StudyView::from(store);
  {
    AtomicFile csv(dir / "results.csv", "study results");
    write_csv(csv.stream(), rows, view);
    csv.commit();
  }
  {
    AtomicFile table(dir / "table.txt", "study table");
    write_table(table.stream(), rows, view, view.table_metrics);
    table.commit();
  }
  const bool plotted = plot_sweep(dir, rows, view, log);
  log << "results: " << (dir / "table.txt").string() << ", " << (dir / "results.csv").string()
      << (plotted ? ", " + (dir / "sweep.png").string() : std::string()) << "\n";
}

}  // namespace memcosim::study
