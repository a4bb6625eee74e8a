// The CT task end to end in software: the phantom and its projections, the
// FBP baseline, the trained field and its quantised versions, their metrics
// (`memcosim train` of a field config), and the pictures.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "tasks/field/ct.hpp"
#include "tasks/field/model.hpp"

namespace memcosim::tasks::field {

struct Problem {
  std::vector<Ellipse> ellipses;
  Eigen::MatrixXd phantom;  // the reference image
  Sinogram sino;
  Eigen::MatrixXd fbp;
};

Problem make_problem(const config::Config& cfg);

struct ImageScore {
  double psnr = 0, ssim = 0;
};
// PSNR and SSIM (SSIM 0 when the image is smaller than its window); range 0:
// the reference's max - min.
ImageScore score(const Eigen::MatrixXd& reference, const Eigen::MatrixXd& image, double range = 0);

// The field's MLP as programmed: HAQ (or PTQ) cells with the config's cell
// noise, seeded from the config.
nn::Mlp haq_network(const config::Config& cfg, const nn::Mlp& net);
nn::Mlp ptq_network(const config::Config& cfg, const nn::Mlp& net);

// Images of the float, HAQ and PTQ fields with their scores against the
// phantom, and FBP's, as JSON (also printed).
struct SoftwareImages {
  Eigen::MatrixXd field, haq, ptq;
  nlohmann::json scores;
};
SoftwareImages software_images(const config::Config& cfg, const Problem& p, const Field& f, std::ostream& log);

// An image as CSV (N rows of N values) and a picture of several images side
// by side (gnuplot, one shared colour range: the phantom's). Returns false
// when gnuplot failed (a warning on `warn`).
void write_image_csv(const std::filesystem::path& file, const Eigen::MatrixXd& img);
bool plot_images(const std::filesystem::path& dir, const std::string& name,
                 const std::vector<std::pair<std::string, Eigen::MatrixXd>>& images, double lo, double hi,
                 std::ostream& warn);

// `memcosim train` of a field config.
void train_from_config(const config::Config& cfg, const std::string& weights_out, const std::string& results_dir,
                       std::ostream& log, int log_every);

}  // namespace memcosim::tasks::field
