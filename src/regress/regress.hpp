// `memcosim regress`: runs regression cases (case.hpp) against their golden
// netlists and golden waveforms (golden.hpp), prints a summary and writes
// JUnit XML (one testcase per probe, plus one per golden-netlist check).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "regress/case.hpp"
#include "regress/diff.hpp"
#include "regress/golden.hpp"

namespace memcosim::regress {

struct CaseReport {
  std::string name, description;
  double seconds = 0;
  bool netlist_checked = false;  // generated_from.config given
  NetlistDiff netlist;           // golden netlist -> emitter output
  std::string error;             // the case could not be simulated or compared (every probe then errs)
  std::vector<ProbeOutcome> probes;
  bool updated = false;  // --update wrote the goldens

  bool netlist_failed() const { return netlist_checked && !netlist.same; }
  long failed_probes() const;
  bool passed() const { return error.empty() && !netlist_failed() && failed_probes() == 0; }
};

struct SuiteReport {
  std::vector<CaseReport> cases;
  double seconds = 0;
  bool passed() const;
};

struct RegressOptions {
  std::filesystem::path out_dir = "out/regress";  // junit.xml, and per case the new waveforms and diffs
  bool update = false;                            // rewrite golden netlists and golden waveforms
  bool in_process = false;
  unsigned workers = 0;  // 0: one per core
};

// Loads every case (and the configs and models the golden-netlist checks
// need) before anything runs: all input errors of all files together in one
// InputError.
std::vector<Case> load_cases(const std::filesystem::path& dir_or_file);

SuiteReport run_regression(const std::vector<Case>& cases, const RegressOptions& options, std::ostream& log);

// JUnit XML in the common schema CI systems read (testsuites / testsuite /
// testcase with failure or error).
std::string junit_xml(const SuiteReport& report);

}  // namespace memcosim::regress
