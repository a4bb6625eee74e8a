#include "tasks/field/pipeline.hpp"

#include <cstdio>
#include <fstream>
#include <ostream>

#include "flow/common.hpp"
#include "flow/plots.hpp"
#include "tasks/field/quant.hpp"
#include "tasks/field/train.hpp"
#include "util/csv.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::field {

Problem make_problem(const config::Config& cfg) {
  const auto& fc = cfg.field;
  Problem p;
  p.ellipses = phantom_ellipses(fc.phantom.kind);
  p.phantom = phantom_image(p.ellipses, fc.phantom.resolution, fc.phantom.supersample);
  p.sino = project(p.ellipses, fc.projections, fc.phantom.resolution, derive_seed(cfg.seed, "detector noise"));
  p.fbp = filtered_back_projection(p.sino, fc.phantom.resolution);
  return p;
}

ImageScore score(const Eigen::MatrixXd& ref, const Eigen::MatrixXd& img, double range) {
  ImageScore s;
  s.psnr = psnr(ref, img, range);
  s.ssim = ref.rows() > 10 && ref.cols() > 10 ? ssim(ref, img, range) : 0.0;
  return s;
}

nn::Mlp haq_network(const config::Config& cfg, const nn::Mlp& net) {
  return quantise(net, Quantiser::haq, cfg.field.haq, derive_seed(encoder_seed(cfg), "haq cells"));
}
nn::Mlp ptq_network(const config::Config& cfg, const nn::Mlp& net) {
  return quantise(net, Quantiser::ptq, cfg.field.haq, derive_seed(encoder_seed(cfg), "haq cells"));
}

namespace {

nlohmann::json score_json(const ImageScore& s) { return {{"psnr_db", s.psnr}, {"ssim", s.ssim}}; }

}  // namespace

SoftwareImages software_images(const config::Config& cfg, const Problem& p, const Field& f, std::ostream& log) {
  const int n = cfg.field.phantom.resolution;
  SoftwareImages out;
  out.field = f.image(n);
  Field q = f;
  QuantReport haq_rep, ptq_rep;
  q.net = quantise(f.net, Quantiser::haq, cfg.field.haq, derive_seed(encoder_seed(cfg), "haq cells"), &haq_rep);
  out.haq = q.image(n);
  q.net = quantise(f.net, Quantiser::ptq, cfg.field.haq, derive_seed(encoder_seed(cfg), "haq cells"), &ptq_rep);
  out.ptq = q.image(n);
  const ImageScore fbp = score(p.phantom, p.fbp), fl = score(p.phantom, out.field), haq = score(p.phantom, out.haq),
                   ptq = score(p.phantom, out.ptq);
  out.scores = {{"fbp", score_json(fbp)},
                {"field", score_json(fl)},
                {"haq", score_json(haq)},
                {"ptq", score_json(ptq)},
                {"haq_cells_on", haq_rep.cells_on},
                {"ptq_cells_on", ptq_rep.cells_on},
                {"cells_total", haq_rep.cells_total},
                {"haq_max_error_before_noise", haq_rep.max_error},
                {"ptq_max_error_before_noise", ptq_rep.max_error}};
  char line[400];
  std::snprintf(line, sizeof line,
                "against the phantom (%dx%d, %d views):\n  FBP          PSNR %6.2f dB  SSIM %.4f\n"
                "  field float  PSNR %6.2f dB  SSIM %.4f  (FBP %+.2f dB)\n"
                "  field HAQ    PSNR %6.2f dB  SSIM %.4f  (float %+.2f dB)\n"
                "  field PTQ    PSNR %6.2f dB  SSIM %.4f  (float %+.2f dB)\n",
                n, n, cfg.field.projections.angles, fbp.psnr, fbp.ssim, fl.psnr, fl.ssim, fl.psnr - fbp.psnr, haq.psnr,
                haq.ssim, haq.psnr - fl.psnr, ptq.psnr, ptq.ssim, ptq.psnr - fl.psnr);
  log << line;
  std::snprintf(line, sizeof line,
                "  (%d cells per weight: HAQ ratio %g switches on %ld of %ld cells, PTQ %ld; cell noise %g)\n",
                cfg.field.haq.cells, cfg.field.haq.ratio, haq_rep.cells_on, haq_rep.cells_total, ptq_rep.cells_on,
                cfg.field.haq.cell_noise);
  log << line;
  return out;
}

void write_image_csv(const std::filesystem::path& file, const Eigen::MatrixXd& img) {
  std::vector<std::string> header;
  for (Eigen::Index c = 0; c < img.cols(); ++c) header.push_back("c" + std::to_string(c));
  CsvWriter csv(file, header);
  for (Eigen::Index r = 0; r < img.rows(); ++r) {
    std::vector<double> row(img.row(r).data(), img.row(r).data() + 0);
    row.clear();
    for (Eigen::Index c = 0; c < img.cols(); ++c) row.push_back(img(r, c));
    csv.row(row);
  }
}

bool plot_images(const std::filesystem::path& dir, const std::string& name,
                 const std::vector<std::pair<std::string, Eigen::MatrixXd>>& images, double lo, double hi,
                 std::ostream& warn) {
  const std::string data = "plot_" + name + ".dat";
  {
    AtomicFile d_file(dir / data, "plot data");
    std::ostream& d = d_file.stream();
    for (const auto& [title, img] : images) {
      const Eigen::Index n = img.rows();
      // matrix rows bottom-up so that row 0 is drawn at the top
      for (Eigen::Index r = n - 1; r >= 0; --r) {
        for (Eigen::Index c = 0; c < img.cols(); ++c) d << (c ? " " : "") << csv_number(img(r, c));
        d << '\n';
      }
      d << "\n\n";
    }
    d_file.commit();
  }
  AtomicFile gp_file(dir / (name + ".gp"), "plot script");
  std::ostream& gp = gp_file.stream();
  gp << "set terminal pngcairo size " << 420 * images.size() << ",460 font 'sans,11'\nset output '" << name
     << ".png'\nset multiplot layout 1," << images.size() << "\nset size ratio -1\nunset xtics\nunset ytics\n"
     << "set palette gray\nset cbrange [" << csv_number(lo) << ":" << csv_number(hi) << "]\nunset colorbox\n";
  for (std::size_t k = 0; k < images.size(); ++k)
    gp << "set title \"" << flow::safe_title(images[k].first) << "\"\nplot '" << data << "' index " << k
       << " matrix with image notitle\n";
  gp << "unset multiplot\n";
  gp_file.commit();
  return flow::run_gnuplot(dir, name + ".gp", warn);
}

void train_from_config(const config::Config& cfg, const std::string& weights_out, const std::string& results_dir,
                       std::ostream& log, int log_every) {
  const std::filesystem::path results =
      flow::create_folder(results_dir.empty() ? "out/" + cfg.name + "-train" : results_dir);
  const std::filesystem::path weights =
      weights_out.empty() ? cfg.resolve(cfg.model.file) : std::filesystem::path(weights_out);
  if (weights.has_parent_path()) std::filesystem::create_directories(weights.parent_path());
  const Problem p = make_problem(cfg);
  Field f;
  f.encoder = make_encoder(cfg.field.encoder, encoder_seed(cfg));
  log << "training field " << cfg.name << ": " << p.sino.theta.size() << " views x " << p.sino.s.size()
      << " detectors; encoder B " << f.encoder.B.rows() << " x 2 from RRAM cells (std "
      << exact_number(std::sqrt(f.encoder.B.squaredNorm() / static_cast<double>(f.encoder.B.size()))) << ", target "
      << exact_number(cfg.field.encoder.sigma) << ")\n";
  const TrainReport rep =
      train_field(f, p.sino, cfg.field.train, derive_seed(cfg.seed, "field training"), log, log_every);
  nn::MlpProvenance prov;
  prov.config = cfg.source;
  prov.seed = cfg.seed;
  prov.steps = rep.steps;
  prov.trajectory_loss = rep.final_loss;
  prov.train_seconds = rep.seconds;
  prov.dataset = std::to_string(p.sino.theta.size()) + " parallel-beam views of the " +
                 std::string(config::enum_name(cfg.field.phantom.kind)) + " phantom";
  save_field(weights.string(), f, prov);
  char line[300];
  std::snprintf(line, sizeof line, "trained in %.1f s (%ld steps, loss %.4g); wrote %s\n", rep.seconds, rep.steps,
                rep.final_loss, weights.string().c_str());
  log << line;
  const SoftwareImages img = software_images(cfg, p, f, log);
  write_image_csv(results / "phantom.csv", p.phantom);
  write_image_csv(results / "fbp.csv", p.fbp);
  write_image_csv(results / "field.csv", img.field);
  write_image_csv(results / "field_haq.csv", img.haq);
  write_image_csv(results / "field_ptq.csv", img.ptq);
  nlohmann::json summary = img.scores;
  summary["train_seconds"] = rep.seconds;
  summary["final_loss"] = rep.final_loss;
  write_file(results / "summary.json", summary.dump(2) + "\n", "training summary");
  plot_images(results, "images",
              {{"phantom", p.phantom},
               {"FBP", p.fbp},
               {"field (float)", img.field},
               {"field (HAQ)", img.haq},
               {"field (PTQ)", img.ptq}},
              p.phantom.minCoeff(), p.phantom.maxCoeff(), log);
  log << "results in " << results.string() << "\n";
}

}  // namespace memcosim::tasks::field
