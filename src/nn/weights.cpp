#include "nn/weights.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/reflect.hpp"
#include "nn/yaml_io.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/limits.hpp"
#include "util/numbers.hpp"

namespace memcosim::nn {

using namespace detail;

namespace {

constexpr const char* kFormat = "memcosim-score-network";
constexpr int kVersion = 1;

std::string layer_name(std::size_t l, std::size_t num_hidden) {
  return l < num_hidden ? "hidden" + std::to_string(l + 1) : "output";
}

std::string widths_text(const std::vector<int>& h) {
  std::string s = "[";
  for (std::size_t i = 0; i < h.size(); ++i) s += (i ? ", " : "") + std::to_string(h[i]);
  return s + "]";
}

}  // namespace

// ---------------------------------------------------------------------------

void save_weights(const std::string& path, const ScoreNet& net, const sde::VpSchedule& trained_schedule,
                  const Provenance& provenance) {
  const Architecture& a = net.arch();
  if (!net.params().allFinite() || !net.frequencies().allFinite())
    throw std::invalid_argument("save_weights: the network has non-finite parameters");
  if (!std::isfinite(trained_schedule.beta_min) || !std::isfinite(trained_schedule.beta_max))
    throw std::invalid_argument("save_weights: the schedule is not finite");

  YAML::Emitter out;
  out << YAML::Comment("memcosim score network. weight rows are output neurons; see src/nn/weights.hpp");
  out << YAML::BeginMap;
  out << YAML::Key << "format" << YAML::Value << kFormat;
  out << YAML::Key << "version" << YAML::Value << kVersion;

  out << YAML::Key << "architecture" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "input_dim" << YAML::Value << a.input_dim;
  out << YAML::Key << "hidden" << YAML::Value << YAML::Flow << a.hidden;
  out << YAML::Key << "output_dim" << YAML::Value << a.output_dim;
  out << YAML::Key << "num_classes" << YAML::Value << a.num_classes;
  out << YAML::Key << "output_gain" << YAML::Value;
  emit_number(out, a.output_gain);
  out << YAML::Key << "embedding_scale" << YAML::Value;
  emit_number(out, a.embedding_scale);
  out << YAML::EndMap;

  out << YAML::Key << "schedule" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "kind" << YAML::Value << "vp-linear";
  out << YAML::Key << "beta_min" << YAML::Value;
  emit_number(out, trained_schedule.beta_min);
  out << YAML::Key << "beta_max" << YAML::Value;
  emit_number(out, trained_schedule.beta_max);
  out << YAML::EndMap;

  out << YAML::Key << "time_embedding" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "frequencies" << YAML::Value;
  emit_vector(out, net.frequencies());
  out << YAML::EndMap;

  out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
  for (std::size_t l = 0; l < net.layers().size(); ++l)
    emit_dense(out, layer_name(l, a.hidden.size()), net.layers()[l]);
  out << YAML::EndSeq;

  if (a.num_classes > 0) {
    out << YAML::Key << "class_embedding" << YAML::Value << YAML::BeginSeq;
    for (std::size_t l = 0; l < net.class_layers().size(); ++l)
      emit_dense(out, "class" + std::to_string(l + 1), net.class_layers()[l]);
    out << YAML::EndSeq;
  }

  const Provenance& p = provenance;
  out << YAML::Key << "provenance" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "config" << YAML::Value << p.config;
  out << YAML::Key << "seed" << YAML::Value << p.seed;
  out << YAML::Key << "epochs" << YAML::Value << p.epochs;
  out << YAML::Key << "steps" << YAML::Value << p.steps;
  out << YAML::Key << "final_loss" << YAML::Value;
  emit_number(out, p.final_loss);
  out << YAML::Key << "train_seconds" << YAML::Value;
  emit_number(out, p.train_seconds);
  out << YAML::Key << "dataset" << YAML::Value << p.dataset;
  out << YAML::Key << "memcosim_version" << YAML::Value << p.memcosim_version;
  out << YAML::EndMap;
  out << YAML::EndMap;
  write_yaml_document(path, out, "weights file");
}

LoadedModel load_weights(const std::string& path) {
  const YAML::Node root = yamldiag::load_document(path, "weights file");

  Reader rd(path);
  auto fail = [&]() { throw InputError(std::move(rd.diagnostics())); };
  rd.check_header(root, kFormat, kVersion);
  rd.report().check_unknown_keys(
      root, "",
      {"format", "version", "architecture", "schedule", "time_embedding", "layers", "class_embedding", "provenance"});

  // Architecture.
  Architecture arch;
  bool arch_ok = false;
  if (const auto fa = rd.field(root, "", "architecture"); fa && rd.expect_map(fa->value, fa->at(), fa->path)) {
    const YAML::Node& A = fa->value;
    const std::string& P = fa->path;
    rd.report().check_unknown_keys(
        A, P, {"input_dim", "hidden", "output_dim", "num_classes", "output_gain", "embedding_scale"});
    bool parsed = true;
    auto read_int = [&](const char* key, int& dst) {
      const auto f = rd.field(A, P, key);
      const auto v = f ? rd.integer<int>(*f) : std::nullopt;
      if (v)
        dst = *v;
      else
        parsed = false;
    };
    auto read_real = [&](const char* key, double& dst) {
      const auto f = rd.field(A, P, key);
      const auto v = f ? rd.real(*f) : std::nullopt;
      if (v)
        dst = *v;
      else
        parsed = false;
    };
    read_int("input_dim", arch.input_dim);
    read_int("output_dim", arch.output_dim);
    read_int("num_classes", arch.num_classes);
    read_real("output_gain", arch.output_gain);
    read_real("embedding_scale", arch.embedding_scale);
    const std::optional<Reader::Field> fh = rd.field(A, P, "hidden");
    if (!fh || !rd.integers(*fh, arch.hidden)) parsed = false;
    if (parsed) {
      // Report each violated rule at its key ("hidden[1]" at that element).
      auto node_of = [&](const std::string& key) -> YAML::Node {
        if (key.rfind("hidden", 0) == 0) {
          const auto open = key.find('[');
          if (open == std::string::npos) return fh->at();
          return fh->value[std::stoul(key.substr(open + 1))];
        }
        if (const auto f = rd.field(A, P, key, false)) return f->at();
        return A;
      };
      for (const auto& [key, message] : arch.problems()) rd.error(node_of(key), P + "." + key, message);
      arch_ok = arch.problems().empty();
    }
  }

  // Schedule.
  sde::VpSchedule schedule;
  if (const auto fs = rd.field(root, "", "schedule"); fs && rd.expect_map(fs->value, fs->at(), fs->path)) {
    const YAML::Node& S = fs->value;
    rd.report().check_unknown_keys(S, fs->path, {"kind", "beta_min", "beta_max"});
    if (const auto f = rd.field(S, fs->path, "kind")) {
      const auto k = rd.text(*f);
      if (k && *k != "vp-linear") rd.error(f->at(), f->path, "expected 'vp-linear', got '" + *k + "'");
    }
    // (Plain doubles rather than optionals: g++ 12 misreports those as
    // maybe-uninitialized here.)
    bool have_min = false, have_max = false;
    const auto fmin = rd.field(S, fs->path, "beta_min");
    const auto fmax = rd.field(S, fs->path, "beta_max");
    if (const auto v = fmin ? rd.real(*fmin) : std::nullopt) {
      schedule.beta_min = *v;
      have_min = true;
    }
    if (const auto v = fmax ? rd.real(*fmax) : std::nullopt) {
      schedule.beta_max = *v;
      have_max = true;
    }
    const std::string got_min = exact_number(schedule.beta_min);
    if (have_min && schedule.beta_min < 0) rd.error(fmin->at(), fmin->path, "must be >= 0 (got " + got_min + ")");
    if (have_min && have_max && (schedule.beta_max <= 0 || schedule.beta_max < schedule.beta_min))
      rd.error(fmax->at(), fmax->path,
               "must be > 0 and >= beta_min " + got_min + " (got " + exact_number(schedule.beta_max) + ")");
  }

  // Time embedding.
  std::optional<Eigen::VectorXd> freq;
  if (const auto ft = rd.field(root, "", "time_embedding"); ft && rd.expect_map(ft->value, ft->at(), ft->path)) {
    rd.report().check_unknown_keys(ft->value, ft->path, {"frequencies"});
    if (const auto f = rd.field(ft->value, ft->path, "frequencies")) {
      if (arch_ok)
        freq = rd.vector(f->value, f->at(), f->path, arch.embedding_width() / 2);
      else if (rd.expect_sequence(f->value, f->at(), f->path))
        freq = rd.vector(f->value, f->at(), f->path, static_cast<Eigen::Index>(f->value.size()));
    }
  }

  // Layers: shapes follow from the architecture.
  std::optional<std::vector<Dense>> layers;
  if (const auto fl = rd.field(root, "", "layers")) {
    std::vector<std::string> names;
    std::vector<std::optional<std::pair<Eigen::Index, Eigen::Index>>> shapes;
    if (arch_ok) {
      Eigen::Index fan_in = arch.input_dim;
      for (std::size_t l = 0; l <= arch.hidden.size(); ++l) {
        const Eigen::Index rows = l < arch.hidden.size() ? arch.hidden[l] : arch.output_dim;
        names.push_back(layer_name(l, arch.hidden.size()));
        shapes.push_back({{rows, fan_in}});
        fan_in = rows;
      }
      layers = read_dense_list(rd, *fl, names, shapes,
                               "one per hidden width " + widths_text(arch.hidden) + " and the output");
    } else if (rd.expect_sequence(fl->value, fl->at(), fl->path)) {
      // Unknown architecture: check each layer against its own shape.
      for (std::size_t l = 0; l < fl->value.size(); ++l) {
        names.push_back(layer_name(l, fl->value.size() - 1));
        shapes.emplace_back();
      }
      read_dense_list(rd, *fl, names, shapes, "as listed");
    }
  }

  // Class embedding: present exactly for conditional networks.
  std::optional<std::vector<Dense>> class_layers;
  if (const auto fc = rd.field(root, "", "class_embedding", false)) {
    if (arch_ok && arch.num_classes == 0) {
      rd.error(fc->key, fc->path, "unexpected: architecture.num_classes is 0 (unconditional network)");
    } else if (arch_ok) {
      const Eigen::Index E = arch.embedding_width();
      class_layers = read_dense_list(rd, *fc, {"class1", "class2"}, {{{E, arch.num_classes}}, {{E, E}}},
                                     "Linear(num_classes, E) and Linear(E, E)");
    } else {
      read_dense_list(rd, *fc, {"class1", "class2"}, {std::nullopt, std::nullopt},
                      "Linear(num_classes, E) and Linear(E, E)");
    }
  } else if (arch_ok && arch.num_classes > 0) {
    rd.error(root, "class_embedding",
             "missing required key 'class_embedding' (architecture.num_classes is " + std::to_string(arch.num_classes) +
                 ")");
  }

  // Provenance: optional, every field optional.
  Provenance prov;
  prov.memcosim_version.clear();
  if (const auto fp = rd.field(root, "", "provenance", false); fp && rd.expect_map(fp->value, fp->at(), fp->path)) {
    const YAML::Node& Pn = fp->value;
    const std::string& P = fp->path;
    rd.report().check_unknown_keys(
        Pn, P, {"config", "seed", "epochs", "steps", "final_loss", "train_seconds", "dataset", "memcosim_version"});
    rd.optional(Pn, P, "config", prov.config);
    rd.optional(Pn, P, "dataset", prov.dataset);
    rd.optional(Pn, P, "memcosim_version", prov.memcosim_version);
    rd.optional(Pn, P, "final_loss", prov.final_loss);
    rd.optional(Pn, P, "train_seconds", prov.train_seconds);
    rd.optional(Pn, P, "seed", prov.seed);
    rd.optional(Pn, P, "epochs", prov.epochs);
    rd.optional(Pn, P, "steps", prov.steps);
  }

  if (!rd.diagnostics().empty()) fail();
  // Everything required parsed without a diagnostic, so all parts are present.
  LoadedModel model{ScoreNet(arch), schedule, prov};
  model.net.frequencies() = *freq;
  model.net.layers() = std::move(*layers);
  if (arch.num_classes > 0) model.net.class_layers() = std::move(*class_layers);
  return model;
}

}  // namespace memcosim::nn
