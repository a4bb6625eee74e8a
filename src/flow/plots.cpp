#include "flow/plots.hpp"

#include <fstream>
#include <ostream>

#include "util/error.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"
#include "util/process.hpp"

namespace memcosim::flow {

namespace {

void write_points(const std::filesystem::path& path, const Eigen::Ref<const Eigen::MatrixXd>& x) {
  AtomicFile file(path, "plot data");
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    if (x.col(j).allFinite()) file.stream() << csv_number(x(0, j)) << ' ' << csv_number(x(1, j)) << '\n';
  file.commit();
}

}  // namespace

std::string plain_text(std::string s) {
  for (char& c : s)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = ' ';
  return s;
}

// gnuplot titles are double-quoted strings in enhanced text mode: keep them
// printable and unquoted, and escape the enhanced-mode control characters
// (a config named ring_sde would otherwise print "ring" with a subscript).
// In a double-quoted string "\\_" is the two characters \_, which enhanced
// mode prints as a literal _.
std::string safe_title(std::string s) {
  std::string out;
  for (char c : plain_text(std::move(s))) {
    if (c == '_' || c == '^' || c == '{' || c == '}' || c == '@' || c == '&' || c == '~') out += "\\\\";
    out += c;
  }
  return out;
}

bool run_gnuplot(const std::filesystem::path& dir, const std::string& script_name, std::ostream& warn) {
  // No shell: the folder may hold any character (quotes, ';', '$').
  std::string why;
  try {
    ProgramOptions o;
    o.cwd = dir;
    o.stdout_file = "gnuplot.log";  // relative to o.cwd (the chdir comes first)
    const ProgramResult r = run_program({"gnuplot", script_name}, o);
    if (!r.ok())
      why = r.signal ? "gnuplot ended by signal " + std::to_string(r.signal)
                     : "gnuplot exited with status " + std::to_string(r.exit_code);
  } catch (const Error& e) {
    why = e.what();
  }
  if (!why.empty()) {
    warn << "memcosim: warning: gnuplot could not draw " << (dir / script_name).string() << " (" << why << "; see "
         << (dir / "gnuplot.log").string() << "); the data files are kept\n";
    return false;
  }
  return true;
}

namespace {

const char* kHeader =
    "set terminal pngcairo size 900,900 font 'sans,11'\n"
    "set size ratio -1\n"
    "set xrange [-1.5:1.5]\nset yrange [-1.5:1.5]\n"
    "set xlabel 'x_0'\nset ylabel 'x_1'\nset key top right\n";

}  // namespace

bool plot_samples(const std::filesystem::path& dir, const Eigen::Ref<const Eigen::MatrixXd>& circuit,
                  const Eigen::Ref<const Eigen::MatrixXd>& software, const std::string& title, std::ostream& warn) {
  write_points(dir / "plot_software.dat", software);
  write_points(dir / "plot_circuit.dat", circuit);
  AtomicFile gp_file(dir / "samples.gp", "plot script");
  std::ostream& gp = gp_file.stream();
  gp << kHeader << "set output 'samples.png'\nset title \"" << safe_title(title) << "\"\n"
     << "plot 'plot_software.dat' with points pt 7 ps 0.5 lc rgb '#999999' title 'software (Boost.Odeint)', \\\n"
     << "     'plot_circuit.dat' with points pt 7 ps 0.6 lc rgb '#1f5fbf' title 'circuit (ngspice)'\n";
  gp_file.commit();
  return run_gnuplot(dir, "samples.gp", warn);
}

bool plot_trajectories(const std::filesystem::path& dir, const std::vector<TrajectoryPair>& trajectories,
                       const std::string& title, std::ostream& warn) {
  // Blocks per trajectory k: 3k circuit path, 3k+1 reference path, 3k+2 error vs time.
  AtomicFile data_file(dir / "plot_trajectories.dat", "plot data");
  std::ostream& data = data_file.stream();
  for (const auto& t : trajectories) {
    for (const Eigen::MatrixXd* m : {&t.circuit, &t.reference}) {
      for (Eigen::Index k = 0; k < m->cols(); ++k)
        data << csv_number((*m)(0, k)) << ' ' << csv_number((*m)(1, k)) << '\n';
      data << "\n\n";
    }
    for (Eigen::Index k = 0; k < t.circuit.cols(); ++k) {
      // log axes cannot show an exact zero: floor at 1e-12
      const double e = std::max((t.circuit.col(k) - t.reference.col(k)).norm(), 1e-12);
      data << csv_number(t.time[static_cast<std::size_t>(k)]) << ' ' << csv_number(e) << '\n';
    }
    data << "\n\n";
  }
  data_file.commit();
  AtomicFile gp_file(dir / "trajectories.gp", "plot script");
  std::ostream& gp = gp_file.stream();
  gp << "set terminal pngcairo size 1600,800 font 'sans,11'\nset output 'trajectories.png'\n"
     << "set multiplot layout 1,2 title \"" << safe_title(title) << "\"\n"
     << "set size ratio -1\nset xlabel 'x_0'\nset ylabel 'x_1'\nset key top left\n"
     << "set title 'paths from x_T (circles) to the samples'\nplot ";
  for (std::size_t k = 0; k < trajectories.size(); ++k) {
    const int color = static_cast<int>(k % 8) + 1;
    const std::size_t b = 3 * k;
    gp << (k ? ", \\\n     " : "") << "'plot_trajectories.dat' index " << b + 1 << " with lines dt 2 lw 5 lc " << color
       << " lt 1 " << (k == 0 ? "title 'reference'" : "notitle") << ", \\\n     'plot_trajectories.dat' index " << b
       << " with lines lw 1.5 lc rgb 'black' " << (k == 0 ? "title 'SPICE'" : "notitle")
       << ", \\\n     'plot_trajectories.dat' index " << b << " every ::0::0 with points pt 6 ps 2 lc " << color
       << " notitle";
  }
  gp << "\nset size noratio\nset logscale y\nset format y '10^{%L}'\nset xlabel 'physical time (s)'\n"
     << "set ylabel '|x_{SPICE} - x_{reference}| (x units)'\nset key top left\nset title 'error against the "
        "circuit-equivalent reference'\nplot ";
  for (std::size_t k = 0; k < trajectories.size(); ++k) {
    const int color = static_cast<int>(k % 8) + 1;
    gp << (k ? ", \\\n     " : "") << "'plot_trajectories.dat' index " << 3 * k + 2 << " with lines lw 2 lc " << color
       << " title 'sample " << trajectories[k].index << "'";
  }
  gp << "\nunset multiplot\n";
  gp_file.commit();
  return run_gnuplot(dir, "trajectories.gp", warn);
}

bool plot_classes(const std::filesystem::path& dir, const std::vector<ClassPanel>& panels, const std::string& title,
                  std::ostream& warn) {
  AtomicFile gp_file(dir / "classes.gp", "plot script");
  std::ostream& gp = gp_file.stream();
  gp << "set terminal pngcairo size " << 600 * std::max<std::size_t>(panels.size(), 1) << ",660 font 'sans,11'\n"
     << "set output 'classes.png'\nset multiplot layout 1," << panels.size() << " title \"" << safe_title(title)
     << "\"\nset size ratio -1\nset xrange [-1.5:1.5]\nset yrange [-1.5:1.5]\nset xlabel 'x_0'\nset ylabel 'x_1'\n"
     << "set key bottom right\n";
  for (std::size_t k = 0; k < panels.size(); ++k) {
    const std::string sw = "plot_class" + std::to_string(k) + "_software.dat";
    const std::string ci = "plot_class" + std::to_string(k) + "_circuit.dat";
    write_points(dir / sw, panels[k].software);
    write_points(dir / ci, panels[k].circuit);
    gp << "set title \"class " << safe_title(panels[k].name) << "\"\n"
       << "plot '" << sw << "' with points pt 7 ps 0.5 lc rgb '#999999' title 'software', \\\n     '" << ci
       << "' with points pt 7 ps 0.6 lc rgb '#1f5fbf' title 'circuit'\n";
  }
  gp << "unset multiplot\n";
  gp_file.commit();
  return run_gnuplot(dir, "classes.gp", warn);
}

}  // namespace memcosim::flow
