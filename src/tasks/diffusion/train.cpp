#include "tasks/diffusion/train.hpp"

#include <cstdio>
#include <ostream>

#include "flow/common.hpp"
#include "nn/weights.hpp"
#include "tasks/diffusion/setup.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::diffusion {

using namespace memcosim::flow;

TrainReport train_from_config(const config::Config& cfg, const std::string& output, std::ostream& log, int log_every) {
  const auto path = output.empty() ? cfg.resolve(cfg.model.file) : std::filesystem::path(output);
  if (path.has_parent_path()) create_folder(path.parent_path().string());
  const LabeledData train_set = draw_labeled_dataset(cfg, cfg.dataset.n, "train");
  const Eigen::MatrixXd& data = train_set.points;
  nn::ScoreNet net(architecture(cfg));
  const bool conditional = cfg.model.classes > 0;
  if (conditional && train_set.labels.empty())
    throw InputError(Diagnostic{cfg.locations.find("model.classes"), "model.classes",
                                "a conditional model needs a labelled data set (dataset.kind: letters); the " +
                                    std::string(config::enum_name(cfg.dataset.kind)) + " data set has no classes"});
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
  report.result = nn::train(net, data, conditional ? &train_set.labels : nullptr, options, progress);
  nn::Provenance p;
  p.config = cfg.source;
  p.seed = cfg.seed;
  p.epochs = options.epochs;
  p.steps = report.result.steps;
  p.final_loss = report.result.final_loss;
  p.train_seconds = report.result.seconds;
  if (cfg.dataset.kind == config::DatasetKind::letters)
    p.dataset = "letters " + cfg.dataset.letters.text + ": height " + exact_number(cfg.dataset.letters.height) +
                ", jitter " + exact_number(cfg.dataset.letters.jitter) + ", " + std::to_string(cfg.dataset.n) +
                " points";
  else
    p.dataset = "ring: radius ~ N(" + exact_number(cfg.dataset.ring.radius_mean) + ", " +
                exact_number(cfg.dataset.ring.radius_std) + "^2), " + std::to_string(cfg.dataset.n) + " points";
  nn::save_weights(path.string(), net, options.schedule, p);
  report.weights = path;
  char line[160];
  std::snprintf(line, sizeof line, "trained in %.1f s (%ld steps), final loss %.5f; wrote %s\n", report.result.seconds,
                report.result.steps, report.result.final_loss, path.string().c_str());
  log << line;
  return report;
}

}  // namespace memcosim::tasks::diffusion
