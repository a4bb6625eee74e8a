#include "flow/train.hpp"

#include <cstdio>
#include <ostream>

#include "flow/common.hpp"
#include "nn/weights.hpp"
#include "util/random.hpp"

namespace memcosim::flow {

TrainReport train_model(const config::Config& cfg, const std::string& output, std::ostream& log, int log_every) {
  const auto path = output.empty() ? cfg.resolve(cfg.model.file) : std::filesystem::path(output);
  if (path.has_parent_path()) prepare_output_dir(path.parent_path().string());
  const Eigen::MatrixXd data = draw_dataset(cfg, cfg.dataset.n, "train");
  nn::ScoreNet net(architecture(cfg));
  const nn::TrainOptions options = train_options(cfg);
  log << "training " << cfg.name << ": " << data.cols() << " points, " << options.epochs << " epochs, batch "
      << options.batch_size << ", " << net.num_params() << " parameters\n";
  auto progress = [&](int epoch, double loss) {
    if (log_every > 0 && (epoch % log_every == 0 || epoch == options.epochs)) {
      char line[96];
      std::snprintf(line, sizeof line, "  epoch %6d  loss %.5f\n", epoch, loss);
      log << line << std::flush;
    }
  };
  TrainReport report;
  report.result = nn::train(net, data, nullptr, options, progress);
  nn::Provenance p;
  p.config = cfg.source;
  p.seed = cfg.seed;
  p.epochs = options.epochs;
  p.steps = report.result.steps;
  p.final_loss = report.result.final_loss;
  p.train_seconds = report.result.seconds;
  p.dataset = "ring: radius ~ N(" + config::format_number(cfg.dataset.ring.radius_mean) + ", " +
              config::format_number(cfg.dataset.ring.radius_std) + "^2), " + std::to_string(cfg.dataset.n) + " points";
  nn::save_weights(path.string(), net, options.schedule, p);
  report.weights = path;
  char line[160];
  std::snprintf(line, sizeof line, "trained in %.1f s (%ld steps), final loss %.5f; wrote %s\n",
                report.result.seconds, report.result.steps, report.result.final_loss, path.string().c_str());
  log << line;
  return report;
}

}  // namespace memcosim::flow
