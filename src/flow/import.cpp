#include "flow/import.hpp"

#include <filesystem>
#include <ostream>

#include "nn/mlp_weights.hpp"
#include "nn/weights.hpp"
#include "util/error.hpp"

namespace memcosim::flow {

namespace {

sde::VpSchedule schedule_of(const config::Config& cfg) { return {cfg.schedule.beta_min, cfg.schedule.beta_max}; }

// nn::import_onnx with a first diagnostic at the config's model.file.
nn::OnnxImport import_for(const config::Config& cfg, nn::ImportTask task) {
  const std::string path = cfg.resolve_input("model.file", cfg.model.file).string();
  try {
    return nn::import_onnx(path, task, schedule_of(cfg));
  } catch (const InputError& e) {
    std::vector<Diagnostic> d{Diagnostic{cfg.locations.find("model.file"), "model.file",
                                         "the ONNX model " + path +
                                             " cannot be imported (details below; `memcosim "
                                             "import` prints what it recognises)"}};
    d.insert(d.end(), e.diagnostics().begin(), e.diagnostics().end());
    throw InputError(std::move(d));
  }
}

}  // namespace

void import_model(const ImportOptions& options, std::ostream& out) {
  nn::ImportTask task = nn::ImportTask::diffusion;
  if (options.task)
    task = *options.task;
  else if (options.config && options.config->task == config::Task::twin)
    task = nn::ImportTask::neural_ode;
  const sde::VpSchedule schedule = options.config ? schedule_of(*options.config) : sde::VpSchedule{};
  const nn::OnnxImport imported = nn::import_onnx(options.model, task, schedule);
  for (const auto& line : imported.recognised) out << line << "\n";
  if (imported.score) {
    out << "schedule written with it: vp-linear beta " << schedule.beta_min << " .. " << schedule.beta_max
        << (options.config ? " (from " + options.config->source + ")"
                           : std::string(" (memcosim's default; ONNX carries none)"))
        << "\n";
    nn::save_weights(options.output, imported.score->net, imported.score->schedule, imported.score->provenance);
    out << "wrote " << options.output << " (memcosim-score-network)\n";
  } else {
    nn::save_mlp(options.output, imported.mlp->net, imported.mlp->provenance);
    out << "wrote " << options.output << " (memcosim-mlp)\n";
  }
}

nn::LoadedModel load_onnx_score(const config::Config& cfg) {
  return std::move(*import_for(cfg, nn::ImportTask::diffusion).score);
}

nn::LoadedMlp load_onnx_mlp(const config::Config& cfg) {
  return std::move(*import_for(cfg, nn::ImportTask::neural_ode).mlp);
}

}  // namespace memcosim::flow
