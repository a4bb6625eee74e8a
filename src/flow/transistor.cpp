#include "flow/transistor.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "circuit/models.hpp"
#include "spice/emitter.hpp"
#include "spice/runner.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/numbers.hpp"

namespace memcosim::flow {

namespace {

// The access transistor alone: drain swept, source at 0, gate on the word
// line, bulk at vss.
circuit::Circuit access_testbench(const circuit::TransistorEnvironment& t, double vss) {
  circuit::Circuit c;
  c.title = "memcosim access transistor I-V";
  circuit::use_transistor_models(c, t);
  auto& b = c.block("access transistor");
  c.add(b, circuit::VoltageSource{"Vd", "d", "0", circuit::SourceValue{0.0}});
  c.add(b, circuit::VoltageSource{"Vg", "g", "0", circuit::SourceValue{t.config.access.word_line}});
  c.add(b, circuit::VoltageSource{"Vb", "b", "0", circuit::SourceValue{vss}});
  const auto& a = t.config.access;
  c.add(b, circuit::mosfet("Macc", "d", "g", "0", "b", "nch", a.w, a.l, t.config.diffusion));
  return c;
}

std::mutex cache_mutex;
std::map<std::string, std::shared_ptr<const circuit::TransistorEnvironment>>& cache() {
  static std::map<std::string, std::shared_ptr<const circuit::TransistorEnvironment>> m;
  return m;
}

}  // namespace

bool uses_transistor_level(const config::Config& cfg) {
  const auto& c = cfg.circuit;
  const auto& b = c.blocks;
  for (const auto* l : {&b.crossbar, &b.tia, &b.relu, &b.inverter, &b.integrator, &b.multiplier})
    if (c.level_of(*l) == config::Level::transistor) return true;
  return false;
}

std::shared_ptr<const circuit::TransistorEnvironment> transistor_environment(const config::Config& cfg,
                                                                             spice::Runner* runner) {
  const auto& tc = cfg.circuit.transistor;
  const auto path = cfg.resolve_input("circuit.transistor.models", tc.models);
  const auto where = cfg.locations.find("circuit.transistor.models");
  const std::string text = read_input_file(path, where, "circuit.transistor.models", "model library");

  auto t = std::make_shared<circuit::TransistorEnvironment>();
  t->config = tc;
  t->library = std::filesystem::path(tc.models).filename().string();  // no machine-specific path in netlists
  {
    const auto library = circuit::parse_model_library(text, path.string());
    t->models = circuit::corner_cards(library, config::enum_name(tc.corner), {"nch", "pch"}, path.string());
  }
  const bool cells = cfg.circuit.level_of(cfg.circuit.blocks.crossbar) == config::Level::transistor;
  if (!cells) return t;

  const double v_max = 1.5 * cfg.circuit.crossbar.cell.verify_voltage;
  const int steps = 3000;
  const circuit::Circuit bench = access_testbench(*t, cfg.circuit.supply.vss);
  const std::string netlist = spice::emit(bench);
  const std::string key = netlist + "|" + std::to_string(v_max);
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (auto it = cache().find(key); it != cache().end()) {
      auto copy = std::make_shared<circuit::TransistorEnvironment>(*it->second);
      copy->config = tc;
      copy->library = t->library;
      return copy;
    }
  }
  spice::Job job;
  job.netlist = netlist;
  job.analysis = "dc vd 0 " + spice_number(v_max) + " " + spice_number(v_max / steps);
  job.vectors = {"i(vd)"};
  job.timeout_s = 60;
  std::optional<spice::Result> result;
  if (runner) {
    runner->submit(job);
    result = runner->next();
  } else {
    spice::RunnerOptions ro;
    ro.pool.workers = 1;
    spice::Runner own(ro);
    own.submit(job);
    result = own.next();
  }
  if (!result || !result->ok())
    throw SimulationError(
        "measuring the access transistor's I-V failed: " +
        (result ? std::string(spice::to_string(result->status)) + ": " + result->message : "no result"));
  const spice::Vector* scale = result->plot.scale_vector();
  const spice::Vector& i = result->plot.at("i(vd)");
  if (!scale || scale->size() != i.size() || scale->size() < 2)
    throw SimulationError("measuring the access transistor's I-V: unexpected plot " + result->plot.name);
  // Rounded to 6 significant digits: the cells' programmed amplitudes (and
  // so the golden netlists) must not depend on the last bits of a simulator
  // build; 1e-6 relative is far below any programming accuracy.
  auto round6 = [](double x) {
    if (x == 0.0 || !std::isfinite(x)) return x;
    const double factor = std::pow(10.0, 5 - static_cast<int>(std::floor(std::log10(std::abs(x)))));
    return std::round(x * factor) / factor;
  };
  for (std::size_t k = 0; k < i.size(); ++k) {
    const double id = round6(-i.re[k]);  // i(Vd) flows into Vd's + node: the drain current with a minus sign
    if (!t->access_id.empty() && !(id > t->access_id.back()))
      throw SimulationError(
          "the access transistor's measured I-V is not increasing at Vds = " + spice_number(scale->re[k]) + " V");
    t->access_vds.push_back(scale->re[k]);
    t->access_id.push_back(k == 0 ? std::max(id, 0.0) : id);
  }
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    cache()[key] = t;
  }
  return t;
}

}  // namespace memcosim::flow
