// The diffusion task's setup from a config: the options of the network,
// the reference sampler and the metrics, the data drawn from the configured
// data set (ring, letters), its classes and the model loaded with located
// errors.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "analysis/metrics.hpp"
#include "config/config.hpp"
#include "nn/score_net.hpp"
#include "nn/weights.hpp"
#include "reference/sampler.hpp"
#include "sde/schedule.hpp"

namespace memcosim::tasks::diffusion {

nn::Architecture architecture(const config::Config& cfg);
reference::SamplerOptions sampler_options(const config::Config& cfg);
analysis::MetricsOptions metrics_options(const config::Config& cfg);

// n points of the configured data set from the stream named `purpose`
// ("train" for the training set, "target" for the metrics' reference set).
Eigen::MatrixXd draw_dataset(const config::Config& cfg, Eigen::Index n, std::string_view purpose);

// Points with their class labels (the letters data set); labels stay empty
// for an unlabelled data set (the ring).
struct LabeledData {
  Eigen::MatrixXd points;
  std::vector<int> labels;
};
LabeledData draw_labeled_dataset(const config::Config& cfg, Eigen::Index n, std::string_view purpose);

// n points of class `cls` only (a labelled data set), from a stream of its
// own per class: the target of per-class metrics.
Eigen::MatrixXd draw_class_dataset(const config::Config& cfg, int cls, Eigen::Index n, std::string_view purpose);

// Names of the data set's classes (the letters: "H", "K", "U"); empty for an
// unlabelled data set.
std::vector<std::string> class_names(const config::Config& cfg);

// Applies the --class argument of the commands to a loaded config: a class
// name ("K") or a 0-based index ("1") sets sampling.class_index, "all" sets
// sampling.all_classes; the key is then located at the option, and the
// config's rules are checked again (config::check_rules). Throws
// InputError naming --class for anything else.
void select_class(config::Config& cfg, const std::string& cls);

// The fresh data every distribution metric compares against: the class's
// own data for a class of a labelled data set (class_index >= 0), the whole
// data set otherwise.
Eigen::MatrixXd metrics_target(const config::Config& cfg, int class_index);

// The model of cfg.model.file. A missing or invalid file is an InputError
// located at the model.file key (and at the weight file's own lines). When
// the file's architecture or schedule differs from the config's, the file
// wins and a warning saying so goes to `warn`.
nn::LoadedModel load_model(const config::Config& cfg, std::ostream& warn);

// The score model to sample: the network itself, or for a conditional
// network the class sampling.class_index (masked when null). Refers to the
// network, which must outlive it.
class SamplingScore {
 public:
  SamplingScore(const config::Config& cfg, const nn::ScoreNet& net);
  const sde::ScoreModel& model() const {
    if (conditional_) return *conditional_;
    return *net_;
  }
  int class_index() const { return conditional_ ? conditional_->class_index() : -1; }

 private:
  const nn::ScoreNet* net_;
  std::optional<nn::ConditionalScore> conditional_;
};

// beta_scale x the schedule the model was trained with.
sde::VpSchedule sampling_schedule(const config::Config& cfg, const sde::VpSchedule& trained);

}  // namespace memcosim::tasks::diffusion
