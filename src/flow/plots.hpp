// Pictures of a run, drawn by gnuplot (Debian's gnuplot-nox, pngcairo).
// Each picture is a gnuplot script plus its data files in the results
// folder, so it can be re-drawn or restyled by hand.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace memcosim::flow {

// Circuit samples over software samples (2-D scatter).
// Returns false (after a warning on `warn`) when gnuplot is missing or fails;
// the script and data stay in `dir` either way.
bool plot_samples(const std::filesystem::path& dir, const Eigen::Ref<const Eigen::MatrixXd>& circuit,
                  const Eigen::Ref<const Eigen::MatrixXd>& software, const std::string& title, std::ostream& warn);

// A few trajectories: left, the x0-x1 plane (reference thick dashed under
// SPICE thin solid, starts marked); right, |x_SPICE - x_reference| against
// physical time on a log scale.
struct TrajectoryPair {
  long index;
  Eigen::MatrixXd circuit;    // 2 x grid
  Eigen::MatrixXd reference;  // 2 x grid
  std::vector<double> time;   // the grid (s)
};
bool plot_trajectories(const std::filesystem::path& dir, const std::vector<TrajectoryPair>& trajectories,
                       const std::string& title, std::ostream& warn);

// Runs `gnuplot script_name` in dir (output to dir/gnuplot.log). Returns
// false after a warning on `warn` when gnuplot is missing or fails.
bool run_gnuplot(const std::filesystem::path& dir, const std::string& script_name, std::ostream& warn);

// The one escape for text in gnuplot scripts. Every title, label and key of
// the scripts memcosim writes is a double-quoted string printed by an
// enhanced-text terminal, and goes through safe_title: quotes, backslashes
// and control characters become spaces and the enhanced-mode characters
// _ ^ { } @ & ~ print as themselves (test: the labels read back from an SVG
// rendering). plain_text only does the first part (text in data files).
std::string safe_title(std::string s);
std::string plain_text(std::string s);
// One panel per class: circuit samples over software samples.
struct ClassPanel {
  std::string name;
  Eigen::MatrixXd circuit, software;  // 2 x N each
};
bool plot_classes(const std::filesystem::path& dir, const std::vector<ClassPanel>& panels, const std::string& title,
                  std::ostream& warn);

}  // namespace memcosim::flow
