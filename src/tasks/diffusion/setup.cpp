#include "tasks/diffusion/setup.hpp"

#include <charconv>
#include <filesystem>
#include <ostream>

#include "flow/import.hpp"
#include "nn/dataset.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::diffusion {

nn::Architecture architecture(const config::Config& cfg) {
  nn::Architecture a;
  a.input_dim = 2;
  a.output_dim = 2;
  a.hidden = cfg.model.hidden;
  a.num_classes = cfg.model.classes;
  a.output_gain = cfg.model.output_gain;
  a.embedding_scale = cfg.model.embedding_scale;
  return a;
}

reference::SamplerOptions sampler_options(const config::Config& cfg) {
  const auto& s = cfg.sampling;
  reference::SamplerOptions o;
  o.method = s.method == config::SamplingMethod::sde ? reference::Method::sde : reference::Method::pf_ode;
  o.n = s.n;
  o.seed = cfg.sampling_seed();
  o.t_start = s.t_start;
  o.t_end = s.t_end;
  switch (s.ode.stepper) {
    case config::OdeStepper::dopri5:
      o.ode.stepper = reference::OdeStepper::dopri5;
      break;
    case config::OdeStepper::cash_karp54:
      o.ode.stepper = reference::OdeStepper::cash_karp54;
      break;
    case config::OdeStepper::fehlberg78:
      o.ode.stepper = reference::OdeStepper::fehlberg78;
      break;
  }
  o.ode.rtol = s.ode.rtol;
  o.ode.atol = s.ode.atol;
  o.ode.dt_initial = s.ode.dt_initial;
  o.ode.max_steps = s.ode.max_steps;
  o.sde.steps = s.sde.steps;
  o.block_size = s.batch;
  return o;
}

analysis::MetricsOptions metrics_options(const config::Config& cfg) {
  const auto& m = cfg.metrics;
  analysis::MetricsOptions o;
  o.kl.bins = m.kl.bins;
  o.kl.lo = -m.kl.range;
  o.kl.hi = m.kl.range;
  o.kl.blur_sigma = m.kl.blur;
  o.kl.epsilon = m.kl.floor;
  o.l2.bins = m.l2.bins;
  o.l2.lo = -m.l2.range;
  o.l2.hi = m.l2.range;
  o.mmd.max_points = m.mmd.max_points;
  o.mmd.bandwidth = m.mmd.bandwidth;
  o.mmd.seed = derive_seed(cfg.seed, "mmd");
  o.ring.enabled = cfg.dataset.kind == config::DatasetKind::ring;
  return o;
}

Eigen::MatrixXd draw_dataset(const config::Config& cfg, Eigen::Index n, std::string_view purpose) {
  return draw_labeled_dataset(cfg, n, purpose).points;
}

LabeledData draw_labeled_dataset(const config::Config& cfg, Eigen::Index n, std::string_view purpose) {
  Rng rng(derive_seed(cfg.seed, std::string("dataset/") + std::string(purpose)));
  switch (cfg.dataset.kind) {
    case config::DatasetKind::ring:
      return {nn::sample_ring(cfg.dataset.ring.radius_mean, cfg.dataset.ring.radius_std, n, rng), {}};
    case config::DatasetKind::letters: {
      const auto& l = cfg.dataset.letters;
      auto s = nn::sample_letters(l.text, l.height, l.jitter, n, rng);
      return {std::move(s.points), std::move(s.labels)};
    }
  }
  throw Error("unknown data set");
}

Eigen::MatrixXd draw_class_dataset(const config::Config& cfg, int cls, Eigen::Index n, std::string_view purpose) {
  if (cfg.dataset.kind != config::DatasetKind::letters)
    throw Error("the " + std::string(config::enum_name(cfg.dataset.kind)) + " data set has no classes");
  Rng rng(derive_seed(cfg.seed, "dataset/" + std::string(purpose) + "/class" + std::to_string(cls)));
  const auto& l = cfg.dataset.letters;
  return nn::sample_letters(l.text, l.height, l.jitter, n, rng, cls).points;
}

std::vector<std::string> class_names(const config::Config& cfg) {
  std::vector<std::string> names;
  if (cfg.dataset.kind == config::DatasetKind::letters)
    for (char c : cfg.dataset.letters.text) names.emplace_back(1, c);
  return names;
}

void select_class(config::Config& cfg, const std::string& cls) {
  const SourceLocation option{"--class " + cls};
  if (cls == "all") {
    cfg.sampling.all_classes = true;
    cfg.locations.set("sampling.all_classes", option);
    return;
  }
  const auto names = class_names(cfg);
  std::optional<int> index;
  for (std::size_t c = 0; c < names.size() && !index; ++c)
    if (names[c] == cls) index = static_cast<int>(c);
  const bool digits = !cls.empty() && cls.find_first_not_of("0123456789") == std::string::npos;
  if (!index && digits) {
    int i = 0;
    const auto [end, ec] = std::from_chars(cls.data(), cls.data() + cls.size(), i);
    if (ec != std::errc{} || end != cls.data() + cls.size())
      throw InputError(Diagnostic{option, "sampling.class_index", "is out of range (got " + cls + ")"});
    index = i;
  }
  if (!index) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw InputError(Diagnostic{
        option, "sampling.class_index",
        "expected a class name" + (known.empty() ? std::string() : " (" + known + ")") + ", a class index or 'all'"});
  }
  cfg.sampling.class_index = *index;
  cfg.locations.set("sampling.class_index", option);
  config::check_rules(cfg);
}

Eigen::MatrixXd metrics_target(const config::Config& cfg, int class_index) {
  if (class_index >= 0 && !class_names(cfg).empty())
    return draw_class_dataset(cfg, class_index, cfg.metrics.target_samples, "target");
  return draw_dataset(cfg, cfg.metrics.target_samples, "target");
}

nn::LoadedModel load_model(const config::Config& cfg, std::ostream& warn) {
  const auto path = cfg.resolve_input("model.file", cfg.model.file);
  if (!std::filesystem::exists(path)) {
    throw InputError(Diagnostic{
        cfg.locations.find("model.file"), "model.file",
        nn::is_onnx_path(path.string())
            ? "ONNX model " + path.string() + " does not exist"
            : "weight file " + path.string() + " does not exist; train it with `memcosim train " + cfg.source + "`"});
  }
  const bool onnx = nn::is_onnx_path(path.string());
  check_input_file(path, cfg.locations.find("model.file"), "model.file", onnx ? "ONNX model" : "weight file");
  // An .onnx file is converted in memory, as `memcosim import` would.
  nn::LoadedModel m = onnx ? flow::load_onnx_score(cfg) : nn::load_weights(path.string());
  const nn::Architecture want = architecture(cfg);
  if (!(m.net.arch().hidden == want.hidden) || m.net.arch().output_gain != want.output_gain ||
      m.net.arch().num_classes != want.num_classes)
    warn << "memcosim: warning: " << path.string()
         << " was trained with a different architecture than the config's model.* keys; using the file's\n";
  if (m.schedule.beta_min != cfg.schedule.beta_min || m.schedule.beta_max != cfg.schedule.beta_max)
    warn << "memcosim: warning: " << path.string() << " was trained with beta in [" << m.schedule.beta_min << ", "
         << m.schedule.beta_max << "], not the config's schedule; sampling uses the file's x sampling.beta_scale\n";
  return m;
}

SamplingScore::SamplingScore(const config::Config& cfg, const nn::ScoreNet& net) : net_(&net) {
  const auto& cls = cfg.sampling.class_index;
  if (net.arch().num_classes == 0) {
    if (cls)
      throw InputError(Diagnostic{cfg.locations.find("sampling.class_index"), "sampling.class_index",
                                  "the model is unconditional; leave class_index null"});
    return;
  }
  if (cls && *cls >= net.arch().num_classes)
    throw InputError(Diagnostic{
        cfg.locations.find("sampling.class_index"), "sampling.class_index",
        "the model has " + std::to_string(net.arch().num_classes) + " classes (got " + std::to_string(*cls) + ")"});
  conditional_.emplace(net, cls ? *cls : -1);
}

sde::VpSchedule sampling_schedule(const config::Config& cfg, const sde::VpSchedule& trained) {
  return trained.scaled(cfg.sampling.beta_scale);
}

}  // namespace memcosim::tasks::diffusion
