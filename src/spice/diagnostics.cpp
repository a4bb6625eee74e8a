#include "spice/diagnostics.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include "spice/text.hpp"

namespace memcosim::spice {

namespace {

using text::first_word;
using text::lower;
using text::trim;

constexpr std::size_t kMaxQuote = 24;

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// The first integer after `marker` in `s`, 0 if none.
int int_after(std::string_view s, std::string_view marker) {
  const auto at = s.find(marker);
  if (at == std::string_view::npos) return 0;
  std::string_view rest = trim(s.substr(at + marker.size()));
  int value = 0;
  const auto res = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  return res.ec == std::errc() ? value : 0;
}

// Collapses runs of blanks ("OP:  Timestep" -> "OP: Timestep").
std::string squeeze(std::string_view s) {
  std::string out;
  bool blank = false;
  for (char c : trim(s)) {
    const bool is_blank = c == ' ' || c == '\t';
    if (is_blank && blank) continue;
    out += is_blank ? ' ' : c;
    blank = is_blank;
  }
  return out;
}

void add_quote(Problem& p, std::string_view text) {
  std::string t(trim(text));
  if (t.empty() || p.quote.size() >= kMaxQuote) return;
  if (std::find(p.quote.begin(), p.quote.end(), t) != p.quote.end()) return;
  p.quote.push_back(std::move(t));
}

// The stderr lines only: ngspice prints every complaint there, and stdout
// carries the circuit title, which may contain any word.
std::vector<std::string_view> stderr_lines(const std::vector<OutputLine>& lines) {
  std::vector<std::string_view> out;
  for (const OutputLine& l : lines)
    if (l.is_stderr) out.emplace_back(l.text);
  return out;
}

// `trouble with node "n"` -> n; `trouble with d-instance d1` -> d1.
std::string blamed_in(std::string_view text) {
  const std::string l = lower(text);
  auto at = l.find("trouble with node");
  if (at != std::string::npos) {
    std::string_view rest = trim(std::string_view(l).substr(at + 17));
    if (!rest.empty() && rest.front() == '"') {
      rest.remove_prefix(1);
      return std::string(rest.substr(0, rest.find('"')));
    }
    return first_word(rest);
  }
  at = l.find("-instance ");
  if (at != std::string::npos) return first_word(std::string_view(l).substr(at + 10));
  at = l.find("for source ");  // "No callback supplied for source v1"
  if (at != std::string::npos) return first_word(std::string_view(l).substr(at + 11));
  at = l.find("check node ");
  if (at != std::string::npos) return first_word(std::string_view(l).substr(at + 11));
  return {};
}

}  // namespace

Problem analyze_load_output(const std::vector<OutputLine>& lines, bool strict) {
  Problem p;
  const auto err = stderr_lines(lines);
  std::string generic;  // first unspecific error line, used if nothing better
  bool have_specific = false;

  auto set_specific = [&](std::string summary, int line, std::string element) {
    if (have_specific) return;
    have_specific = true;
    p.summary = std::move(summary);
    p.line = line;
    p.element = std::move(element);
  };

  for (std::size_t i = 0; i < err.size(); ++i) {
    const std::string_view text = trim(err[i]);
    const std::string l = lower(text);
    const auto next = [&](std::size_t k) -> std::string_view {
      return i + k < err.size() ? trim(err[i + k]) : std::string_view{};
    };

    if (contains(l, "cannot recover")) {
      p.cannot_recover = true;
      p.kind = ProblemKind::parse;
      add_quote(p, text);
    } else if (starts_with(l, "error on line ")) {
      // Error on line 5 or its substitute:
      // y1 out 0 5
      // model name is not found
      p.kind = ProblemKind::parse;
      add_quote(p, text);
      add_quote(p, next(1));
      add_quote(p, next(2));
      set_specific(std::string(next(2)), int_after(l, "error on line "), first_word(next(1)));
      i += 2;
    } else if (contains(l, "unknown subckt:")) {
      // Error: unknown subckt: x1 out 0 nosuchsub
      // in line no. 4 from file circbyline      (46 only)
      p.kind = ProblemKind::parse;
      add_quote(p, text);
      const std::string_view call = trim(text.substr(l.find("unknown subckt:") + 15));
      int line = 0;
      if (contains(lower(next(1)), "in line no.")) {
        add_quote(p, next(1));
        line = int_after(lower(next(1)), "in line no.");
        ++i;
      }
      set_specific("unknown subcircuit in '" + std::string(call) + "'", line, first_word(call));
    } else if (contains(l, "yyparse error") || starts_with(l, "pterror")) {
      // 46: "YYparse error, syntax error, in expression: parsing stopped at line 4"
      // 39: "PTerror: syntax error, parsing stopped at", then "Error on line 4 ..."
      p.kind = ProblemKind::parse;
      add_quote(p, text);
      if (contains(l, "at line ")) set_specific(squeeze(text), int_after(l, "at line "), {});
    } else if (contains(l, "can't find model")) {
      // warning, can't find model 'abc' from line
      // r1 in out abc
      // Only context: ngspice follows it with an error if it matters.
      add_quote(p, text);
      add_quote(p, next(1));
      ++i;
    } else if (strict && contains(l, "is not a valid") && contains(l, "instance line")) {
      // Warning: 'r1 in out' is not a valid resistor instance line, ignored!
      p.kind = ProblemKind::parse;
      add_quote(p, text);
      const auto q1 = text.find('\'');
      const auto q2 = q1 == std::string_view::npos ? q1 : text.find('\'', q1 + 1);
      const std::string_view card =
          q2 == std::string_view::npos ? std::string_view{} : text.substr(q1 + 1, q2 - q1 - 1);
      std::string summary = "'";  // (built stepwise: GCC 12 warns falsely on "'" + string)
      summary.append(card).append("' is not a valid instance line (ngspice would drop it)");
      set_specific(std::move(summary), 0, first_word(card));
    } else if (starts_with(l, "error")) {
      p.kind = ProblemKind::parse;
      add_quote(p, text);
      // "Error: circuit not parsed." only says that something above failed.
      if (generic.empty() && !contains(l, "circuit not parsed")) generic = squeeze(text);
    }
  }
  if (p && !have_specific) {
    p.summary = !generic.empty()   ? generic
                : p.cannot_recover ? "ngspice stopped while reading the netlist"
                                   : "ngspice could not parse the netlist";
  }
  return p;
}

Problem analyze_run_output(const std::vector<OutputLine>& lines) {
  Problem p;
  std::string doanalyses, first_error, singular_node;
  for (std::string_view raw : stderr_lines(lines)) {
    const std::string_view text = trim(raw);
    const std::string l = lower(text);
    if (contains(l, "cannot recover")) {
      p.cannot_recover = true;
      add_quote(p, text);
      if (p.kind == ProblemKind::none) p.kind = ProblemKind::convergence;
    } else if (contains(l, "pause requested") || contains(l, "simulation interrupted")) {
      p.kind = ProblemKind::interrupted;
      add_quote(p, text);
    } else if (contains(l, "doanalyses:")) {
      // doAnalyses: TRAN:  Timestep too small; time = 1.57047, timestep = 5.6e-15: trouble with node "n"
      if (p.kind == ProblemKind::none) p.kind = ProblemKind::convergence;
      add_quote(p, text);
      if (doanalyses.empty()) doanalyses = squeeze(text);
    } else if (contains(l, "simulation(s) aborted")) {
      if (p.kind == ProblemKind::none) p.kind = ProblemKind::convergence;
      add_quote(p, text);
    } else if (contains(l, "no job (tran, ac, op etc.) defined") || contains(l, "simulation not started")) {
      if (p.kind == ProblemKind::none) p.kind = ProblemKind::no_analysis;
      add_quote(p, text);
    } else if (contains(l, "aren't any circuits loaded") || contains(l, "no circuit loaded")) {
      if (p.kind == ProblemKind::none) p.kind = ProblemKind::command;
      add_quote(p, text);
      if (first_error.empty()) first_error = squeeze(text);
    } else if (starts_with(l, "error") || contains(l, "stepping failed") || contains(l, "timestep too small") ||
               contains(l, "trouble with")) {
      add_quote(p, text);
      if (first_error.empty() && starts_with(l, "error")) first_error = squeeze(text);
    } else if (contains(l, "singular matrix")) {
      add_quote(p, text);
      if (singular_node.empty()) singular_node = blamed_in(text);
    }
  }
  if (!p) return p;
  if (p.kind == ProblemKind::interrupted) {
    p.summary = "analysis interrupted";
  } else if (p.kind == ProblemKind::no_analysis) {
    p.summary = "the netlist defines no analysis (.tran, .op, .dc, .ac, ...)";
  } else {
    p.summary = !doanalyses.empty()    ? doanalyses
                : !first_error.empty() ? first_error
                : p.cannot_recover     ? "ngspice stopped during the analysis"
                                       : "analysis aborted";
  }
  p.element = blamed_in(doanalyses);
  if (p.element.empty()) p.element = blamed_in(first_error);
  if (p.element.empty()) p.element = singular_node;
  return p;
}

Problem analyze_command_output(const std::vector<OutputLine>& lines) {
  Problem p;
  for (std::string_view raw : stderr_lines(lines)) {
    const std::string_view text = trim(raw);
    if (text.empty()) continue;
    const std::string l = lower(text);
    if (contains(l, "cannot recover")) p.cannot_recover = true;
    // Warnings and notes are advice; anything else on stderr is a complaint
    // ("foo: no such command available in ngspice", "x.raw: No such file or directory").
    if (starts_with(l, "warning") || starts_with(l, "note")) continue;
    if (p.kind == ProblemKind::none) {
      p.kind = ProblemKind::command;
      p.summary = squeeze(text);
    }
    add_quote(p, text);
  }
  return p;
}

std::string solver_from_output(const std::vector<OutputLine>& lines) {
  std::string solver;
  for (const OutputLine& line : lines) {
    const std::string l = lower(line.text);
    if (!contains(l, "as direct linear solver")) continue;
    if (contains(l, "using klu"))
      solver = "KLU";
    else if (contains(l, "using sparse"))
      solver = "SPARSE";
  }
  return solver;
}

namespace {

// An element inside a subcircuit, as ngspice names it after expansion:
// "r.x1.x2.r5" or "x1.x2.r5" (instance path, then the local name). Follows
// the instances from the top level through their .subckt definitions to
// the line that defines the element; 0 if the path cannot be followed.
int find_expanded_element_line(const std::vector<std::string>& lines, std::string want) {
  if (want.size() > 2 && want[1] == '.') want.erase(0, 2);  // ngspice's type letter prefix
  std::vector<std::string> path;
  for (std::size_t pos = 0;;) {
    const auto dot = want.find('.', pos);
    path.push_back(want.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos));
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  if (path.size() < 2) return 0;
  // Scope: [first, last) lines; the top level skips .subckt bodies.
  auto find_in = [&](std::size_t first, std::size_t last, const std::string& name, bool top) -> std::size_t {
    int depth = 0;
    for (std::size_t i = first; i < last; ++i) {
      const std::string w = first_word(lines[i]);
      if (w == ".subckt")
        ++depth;
      else if (w == ".ends")
        --depth;
      else if ((!top || depth == 0) && w == name)
        return i;
    }
    return lines.size();
  };
  auto subckt_body = [&](const std::string& name, std::size_t& first, std::size_t& last) {
    for (std::size_t i = 1; i < lines.size(); ++i) {
      std::istringstream words(lower(lines[i]));
      std::string card, sub;
      if (words >> card >> sub && card == ".subckt" && sub == name) {
        first = i + 1;
        for (last = first; last < lines.size() && first_word(lines[last]) != ".ends"; ++last) {
        }
        return true;
      }
    }
    return false;
  };
  std::size_t first = 1, last = lines.size();
  for (std::size_t k = 0; k + 1 < path.size(); ++k) {
    const std::size_t at = find_in(first, last, path[k], k == 0);
    if (at >= lines.size()) return 0;
    // The instance line's last word that is not name=value names the subcircuit.
    std::istringstream words(lower(lines[at]));
    std::string w, sub;
    while (words >> w)
      if (w.find('=') == std::string::npos) sub = w;
    if (!subckt_body(sub, first, last)) return 0;
  }
  const std::size_t at = find_in(first, last, path.back(), false);
  return at < lines.size() ? static_cast<int>(at) + 1 : 0;
}

}  // namespace

int find_element_line(std::string_view netlist, std::string_view element) {
  if (element.empty()) return 0;
  const std::string want = lower(element);
  if (want.find('.') != std::string::npos) {
    std::vector<std::string> lines;
    for (std::size_t pos = 0; pos <= netlist.size();) {
      const auto end = netlist.find('\n', pos);
      lines.emplace_back(netlist.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
      if (end == std::string_view::npos) break;
      pos = end + 1;
    }
    if (const int n = find_expanded_element_line(lines, want)) return n;
  }
  int number = 0;
  std::size_t pos = 0;
  while (pos <= netlist.size()) {
    const auto end = netlist.find('\n', pos);
    const std::string_view line =
        netlist.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    ++number;
    if (number > 1 && first_word(line) == want) return number;
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return 0;
}

std::string netlist_line(std::string_view netlist, int number) {
  if (number < 1) return {};
  int n = 1;
  std::size_t pos = 0;
  while (n < number) {
    const auto end = netlist.find('\n', pos);
    if (end == std::string_view::npos) return {};
    pos = end + 1;
    ++n;
  }
  const auto end = netlist.find('\n', pos);
  return std::string(trim(netlist.substr(pos, end == std::string_view::npos ? end : end - pos)));
}

}  // namespace memcosim::spice
