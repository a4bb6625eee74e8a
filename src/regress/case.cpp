#include "regress/case.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

#include "spice/plot.hpp"
#include "util/error.hpp"
#include "util/yaml_diag.hpp"

namespace memcosim::regress {

namespace fs = std::filesystem;

fs::path Case::path_of(const std::string& relative) const {
  fs::path p(relative);
  if (p.is_absolute()) return p;
  return (fs::absolute(file).parent_path() / p).lexically_normal();
}

fs::path Case::golden_path() const { return path_of(golden.empty() ? name + ".golden" : golden); }

namespace {

// v(node), v(a,b), i(source) or a bare vector name: nothing that could be
// read as a second command when it reaches the simulator.
bool vector_spelling(const std::string& s) {
  static const std::regex re(R"(^([A-Za-z_][A-Za-z0-9_.#:]*|[vViI]\([A-Za-z0-9_.#:]+(,[A-Za-z0-9_.#:]+)?\))$)");
  return std::regex_match(s, re);
}

// One analysis card's words: "tran 1u 1m", "ac dec 20 1 1g", "op", "dc v1 0 1 0.1".
bool analysis_spelling(const std::string& s) {
  static const std::regex re(R"(^(run|op|(tran|ac|dc|noise|pz|tf|sens)( [A-Za-z0-9_.+\-()]+)*)$)");
  return std::regex_match(s, re);
}

}  // namespace

Case load_case(const fs::path& file) {
  // Reading and checking report together, so one pass lists every problem.
  const YAML::Node root = yamldiag::load_mapping(file.string(), "regression case");
  std::vector<Diagnostic> d;
  Case c;
  c.file = file;
  c.name = file.stem().string();
  config::Reader::Context ctx(file.string(), d);
  config::read_struct(ctx, root, c, c.locations);
  config::Checker check(c.locations, d);
  check.require(yamldiag::valid_name(c.name), "", "case file name " + yamldiag::name_rule_message(c.name));
  check.require(!c.netlist.empty(), "netlist", "is required: the netlist the case simulates");
  if (!c.netlist.empty())
    check.require(fs::exists(c.path_of(c.netlist)) || !c.generated_from.config.empty(), "netlist",
                  "no such file: " + c.path_of(c.netlist).string());
  if (!c.generated_from.config.empty())
    check.require(fs::exists(c.path_of(c.generated_from.config)), "generated_from.config",
                  "no such file: " + c.path_of(c.generated_from.config).string());
  check.require(analysis_spelling(c.analysis), "analysis",
                "must be 'run' or one analysis card such as 'tran 1u 1m' (got '" + c.analysis + "')");
  const bool probes_unread =
      std::any_of(d.begin(), d.end(), [](const Diagnostic& x) { return x.key_path.rfind("probes", 0) == 0; });
  check.require(!c.probes.empty() || probes_unread, "probes", "needs at least one probe");
  std::set<std::string> names;
  for (std::size_t i = 0; i < c.probes.size(); ++i) {
    const Probe& p = c.probes[i];
    const std::string key = "probes[" + std::to_string(i) + "]";
    check.require(yamldiag::valid_name(p.name), key + ".name", yamldiag::name_rule_message(p.name));
    check.require(names.insert(p.name).second, key + ".name", "probe '" + p.name + "' is defined twice");
    check.require(vector_spelling(p.vector), key + ".vector",
                  "must be v(node), v(a,b), i(source) or a vector name (got '" + p.vector + "')");
    check.require(p.abs > 0 || p.rel > 0 ||
                      std::any_of(p.windows.begin(), p.windows.end(), [](const Window& w) { return w.ignore; }),
                  key + ".abs", "a probe needs a band: abs > 0 or rel > 0 (a zero band fails on any rounding)");
    for (std::size_t k = 0; k < p.windows.size(); ++k)
      check.require(p.windows[k].to >= p.windows[k].from, key + ".windows[" + std::to_string(k) + "].to",
                    "must be >= from");
    check.require(p.measure == Measure::wave || p.windows.empty(), key + ".windows",
                  "windows only apply to measure: wave");
  }
  yamldiag::throw_if_any(std::move(d));
  return c;
}

std::vector<fs::path> case_files(const fs::path& dir_or_file) {
  if (fs::is_regular_file(dir_or_file)) return {dir_or_file};
  if (!fs::is_directory(dir_or_file))
    throw InputError(Diagnostic{{dir_or_file.string()}, "", "no such regression folder or case file"});
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir_or_file))
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw InputError(Diagnostic{{dir_or_file.string()}, "", "no regression cases (*.yaml) in this folder"});
  return files;
}

}  // namespace memcosim::regress
