// memcosim sample CONFIG --engine reference [-n N] [--method pf_ode|sde] [-o DIR]
#include <iostream>

#include "app/cli.hpp"
#include "tasks/diffusion/sample.hpp"
#include "tasks/diffusion/setup.hpp"
#include "util/error.hpp"
#include "util/limits.hpp"

namespace memcosim::app {

void add_sample_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("sample", "Sample the trained model with the Boost.Odeint reference sampler");
  auto args = std::make_shared<ConfigArgs>();
  auto engine = std::make_shared<std::string>("reference");
  auto n = std::make_shared<long>(0);
  auto method = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto cls = std::make_shared<std::string>();
  add_config_args(*cmd, *args);
  cmd->add_option("--class", *cls, "Conditional model: the class to generate, by name (e.g. K) or index");
  cmd->add_option("--engine", *engine, "Sampler: reference (the circuit engine is `memcosim run`)")
      ->check(CLI::IsMember({"reference"}));
  cmd->add_option("-n", *n, "Number of samples (default: sampling.n)")->check(count_range(limits::kMaxSamples));
  cmd->add_option("--method", *method, "pf_ode or sde (default: sampling.method)")
      ->check(CLI::IsMember({"pf_ode", "sde"}));
  cmd->add_option("-o,--output", *out, "Results folder (default: out/<name>-reference)")->check(NonEmptyPath);
  cmd->callback([=] {
    ConfigArgs a = *args;
    if (*n > 0) a.overrides.push_back("sampling.n=" + std::to_string(*n));
    if (!method->empty()) a.overrides.push_back("sampling.method=" + *method);
    if (*cls == "all")
      throw InputError(Diagnostic{SourceLocation{"--class all"}, "sampling.class_index",
                                  "sample draws one class at a time (run accepts --class all)"});
    config::Config cfg = a.load();
    if (!cls->empty()) tasks::diffusion::select_class(cfg, *cls);
    const auto model = tasks::diffusion::load_model(cfg, std::cerr);
    const std::string dir = out->empty() ? "out/" + cfg.name + "-reference" : *out;
    tasks::diffusion::sample_reference(cfg, model, dir, std::cout);
  });
}

}  // namespace memcosim::app
