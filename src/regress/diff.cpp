#include "regress/diff.hpp"

#include <algorithm>
#include <cstdint>
#include <sstream>

namespace memcosim::regress {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(std::move(l));
  }
  return lines;
}

namespace {

enum class Op : std::uint8_t { keep, del, add };
struct Edit {
  Op op;
  std::size_t a, b;  // line index in golden (keep/del) and actual (keep/add)
};

// Edit script golden -> actual: common prefix and suffix, then a longest
// common subsequence of the middle (dynamic programming; a middle too large
// for that is replaced as a whole, which is still a correct diff).
std::vector<Edit> edit_script(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
  std::size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) ++suf;
  const std::size_t n = a.size() - pre - suf, m = b.size() - pre - suf;

  std::vector<Edit> script;
  for (std::size_t i = 0; i < pre; ++i) script.push_back({Op::keep, i, i});
  constexpr std::size_t kMaxCells = 40'000'000;
  if (n > 0 && m > 0 && (n + 1) * (m + 1) <= kMaxCells) {
    // lcs[i][j]: LCS length of a[pre+i..] and b[pre+j..].
    std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& { return lcs[i * (m + 1) + j]; };
    for (std::size_t i = n; i-- > 0;)
      for (std::size_t j = m; j-- > 0;)
        at(i, j) = a[pre + i] == b[pre + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[pre + i] == b[pre + j]) {
        script.push_back({Op::keep, pre + i++, pre + j++});
      } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
        script.push_back({Op::del, pre + i++, pre + j});  // removals before additions, as diff -u
      } else {
        script.push_back({Op::add, pre + i, pre + j++});
      }
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) script.push_back({Op::del, pre + i, pre});
    for (std::size_t j = 0; j < m; ++j) script.push_back({Op::add, pre + n, pre + j});
  }
  for (std::size_t k = 0; k < suf; ++k) script.push_back({Op::keep, pre + n + k, pre + m + k});
  return script;
}

// The block each line belongs to: the latest "* ---- title ----" or
// ".subckt name" above it ("header" before the first).
std::vector<std::string> block_of_lines(const std::vector<std::string>& lines) {
  std::vector<std::string> block(lines.size());
  std::string current = "header";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.rfind("* ---- ", 0) == 0 && l.size() > 12 && l.compare(l.size() - 5, 5, " ----") == 0) {
      current = l.substr(7, l.size() - 12);
    } else if (l.rfind(".subckt ", 0) == 0) {
      const auto end = l.find(' ', 8);
      current = "subcircuit " + l.substr(8, end == std::string::npos ? std::string::npos : end - 8);
    } else if (l.rfind(".options", 0) == 0 || l.rfind(".ic ", 0) == 0 || l.rfind(".tran", 0) == 0 ||
               l.rfind(".save", 0) == 0) {
      current = "analysis and options";
    }
    block[i] = current;
  }
  return block;
}

std::string range(std::size_t start, std::size_t count) {
  // Unified-diff ranges are 1-based; an empty range names the line before.
  return std::to_string(count == 0 ? start : start + 1) + "," + std::to_string(count);
}

}  // namespace

NetlistDiff diff_netlists(const std::vector<std::string>& golden, const std::vector<std::string>& actual,
                          const std::string& golden_label, const std::string& actual_label, int context) {
  NetlistDiff d;
  const auto script = edit_script(golden, actual);
  const auto blocks_a = block_of_lines(golden), blocks_b = block_of_lines(actual);
  std::vector<std::size_t> changes;
  for (std::size_t k = 0; k < script.size(); ++k) {
    if (script[k].op == Op::keep) continue;
    changes.push_back(k);
    const std::string& blk = script[k].op == Op::del ? blocks_a[script[k].a] : blocks_b[script[k].b];
    if (std::find(d.blocks.begin(), d.blocks.end(), blk) == d.blocks.end()) d.blocks.push_back(blk);
    (script[k].op == Op::del ? d.removed : d.added)++;
  }
  if (changes.empty()) return d;
  d.same = false;

  std::ostringstream out;
  out << "--- " << golden_label << "\n+++ " << actual_label << "\n";
  const auto ctx = static_cast<std::size_t>(context);
  std::size_t c = 0;
  while (c < changes.size()) {
    // A hunk: changes closer than 2*context lines apart, plus context.
    std::size_t first = changes[c], last = changes[c];
    while (c + 1 < changes.size() && changes[c + 1] - last <= 2 * ctx + 1) last = changes[++c];
    ++c;
    const std::size_t begin = first >= ctx ? first - ctx : 0;
    const std::size_t end = std::min(script.size(), last + ctx + 1);
    std::size_t a_start = script[begin].a, b_start = script[begin].b, a_count = 0, b_count = 0;
    std::ostringstream body;
    for (std::size_t k = begin; k < end; ++k) {
      const Edit& e = script[k];
      if (e.op == Op::keep) {
        body << " " << golden[e.a] << "\n";
        ++a_count;
        ++b_count;
      } else if (e.op == Op::del) {
        body << "-" << golden[e.a] << "\n";
        ++a_count;
      } else {
        body << "+" << actual[e.b] << "\n";
        ++b_count;
      }
    }
    const Edit& fe = script[first];
    const std::string& blk = fe.op == Op::del ? blocks_a[fe.a] : blocks_b[fe.b];
    out << "@@ -" << range(a_start, a_count) << " +" << range(b_start, b_count) << " @@ " << blk << "\n" << body.str();
  }
  d.unified = out.str();
  return d;
}

}  // namespace memcosim::regress
