#include "tasks/field/task.hpp"

#include <ostream>

#include "tasks/field/pipeline.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

namespace memcosim::tasks::field {

FieldCircuit field_circuit(const config::Config& cfg, const Field& field) {
  Field haq = field;
  haq.net = haq_network(cfg, field.net);
  FieldCircuitOptions o;
  o.circuit = cfg.circuit;
  o.simulation = cfg.simulation;
  o.field = cfg.field.circuit;
  o.encoder = cfg.field.encoder;
  o.k_hidden = hidden_scale(haq, pixel_points(cfg.field.phantom.resolution), cfg.field.circuit.row_swing);
  o.seed = cfg.circuit.crossbar.device_seed ? *cfg.circuit.crossbar.device_seed : derive_seed(cfg.seed, "circuit");
  o.title = "memcosim " + cfg.name + " neural field";
  return build_field_circuit(haq.encoder, haq.net, o, &cfg.locations);
}

namespace {

class FieldTask final : public flow::Task {
 public:
  explicit FieldTask(const config::Config& cfg) : field_(load_field(cfg)) {}

  std::string name() const override { return "field"; }

  circuit::Circuit circuit(const config::Config& cfg, bool use_klu, std::uint64_t) const override {
    FieldCircuit fc = field_circuit(cfg, field_);
    if (use_klu) fc.circuit.option("klu");
    return std::move(fc.circuit);
  }

  flow::RunOutcome run(const config::Config& cfg, const flow::RunOptions& options, std::ostream& log) const override {
    return run_field(cfg, field_, options, log);
  }

 private:
  Field field_;
};

}  // namespace

std::unique_ptr<flow::Task> load_field_task(const config::Config& cfg, std::ostream&) {
  return std::make_unique<FieldTask>(cfg);
}

}  // namespace memcosim::tasks::field
