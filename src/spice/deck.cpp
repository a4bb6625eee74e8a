#include "spice/deck.hpp"

#include <algorithm>

#include "spice/text.hpp"
#include "util/files.hpp"

namespace memcosim::spice {

namespace fs = std::filesystem;
using text::first_word;
using text::lower;
using text::trim;

namespace {

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t end = s.find('\n', pos);
    if (end == std::string::npos) end = s.size();
    std::string line = s.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(std::move(line));
    pos = end + 1;
  }
  return out;
}

// The words after the card name: a quoted path stays one word.
std::vector<std::string> card_arguments(const std::string& line) {
  std::vector<std::string> words;
  std::string_view s = trim(line);
  s.remove_prefix(std::min(s.size(), s.find_first_of(" \t")));
  for (;;) {
    s = trim(s);
    if (s.empty() || s[0] == ';' || s[0] == '$') break;
    std::size_t end = 0;
    if (s[0] == '"' || s[0] == '\'') {
      end = s.find(s[0], 1);
      words.emplace_back(s.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
      end = end == std::string_view::npos ? s.size() : end + 1;
    } else {
      end = std::min(s.size(), s.find_first_of(" \t"));
      words.emplace_back(s.substr(0, end));
    }
    s.remove_prefix(end);
  }
  return words;
}

class Reader {
 public:
  explicit Reader(Deck& deck) : deck_(deck) {}

  // Text of a file with its binary-content check.
  std::vector<std::string> file_lines(const fs::path& file, const SourceLocation& named_at, std::string_view what) {
    const std::string content = read_input_file(file, named_at, "", what);
    if (const auto nul = content.find('\0'); nul != std::string::npos)
      throw InputError(Diagnostic{{file.string()},
                                  "",
                                  std::string(what) + " is not a text file (a NUL byte at offset " +
                                      std::to_string(nul) + "): not a SPICE netlist"});
    deck_.files.push_back(file.string());
    return split_lines(content);
  }

  // Appends lines [first, last) of `lines` (from `file`), expanding includes.
  void expand(const fs::path& file, const std::vector<std::string>& lines, std::size_t first, std::size_t last,
              int line_offset) {
    for (std::size_t i = first; i < last; ++i) {
      const SourceLocation here{file.string(), static_cast<int>(i) + 1 + line_offset, 1};
      const std::string& line = lines[i];
      const std::string card = first_word(line);
      if (card.rfind(".inc", 0) == 0) {
        include_file(here, card, card_arguments(line));
      } else if (card == ".lib") {
        const auto args = card_arguments(line);
        if (args.size() >= 2)
          include_section(here, args[0], args[1]);
        else
          include_file(here, card, args);
      } else {
        if (card == ".control") deck_.control.push_back(deck_.lines.size());
        deck_.lines.push_back({line, here});
      }
    }
  }

  void enter(const fs::path& file, const SourceLocation& here) {
    std::error_code ec;
    const fs::path canon = fs::weakly_canonical(file, ec);
    const fs::path key = ec ? file : canon;
    if (std::find(stack_.begin(), stack_.end(), key) != stack_.end())
      throw InputError(
          Diagnostic{here, "", "'" + file.string() + "' includes itself (directly or through other files)"});
    if (static_cast<int>(stack_.size()) > kMaxIncludeDepth)
      throw InputError(Diagnostic{here, "", "includes nest more than " + std::to_string(kMaxIncludeDepth) + " deep"});
    stack_.push_back(key);
  }
  void leave() { stack_.pop_back(); }

 private:
  fs::path resolve(const SourceLocation& here, const std::string& card, const std::string& name) {
    if (name.empty()) throw InputError(Diagnostic{here, card, "needs a file name"});
    fs::path p(name);
    if (p.is_absolute()) return p;
    fs::path beside = fs::path(here.file).parent_path() / p;
    std::error_code ec;
    if (fs::exists(beside, ec)) return beside;
    if (fs::exists(p, ec)) return p;  // the ngspice program's fallback: the working folder
    return beside;                    // reported as missing where it was looked for first
  }

  void include_file(const SourceLocation& here, const std::string& card, const std::vector<std::string>& args) {
    const fs::path path = resolve(here, card, args.empty() ? std::string() : args[0]);
    const auto lines = file_lines(path, here, "included file");
    enter(path, here);
    std::size_t last = lines.size();
    for (std::size_t i = 0; i < lines.size(); ++i)  // an included file ends at its .end
      if (first_word(lines[i]) == ".end") {
        last = i;
        break;
      }
    expand(path, lines, 0, last, 0);
    leave();
  }

  void include_section(const SourceLocation& here, const std::string& name, const std::string& section) {
    const fs::path path = resolve(here, ".lib", name);
    const auto lines = file_lines(path, here, "library file");
    const std::string want = lower(section);
    std::vector<std::string> found;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (first_word(lines[i]) != ".lib") continue;
      const auto args = card_arguments(lines[i]);
      if (args.size() != 1) continue;
      found.push_back(args[0]);
      if (lower(args[0]) != want) continue;
      std::size_t end = i + 1;
      while (end < lines.size() && first_word(lines[end]) != ".endl") ++end;
      if (end == lines.size())
        throw InputError(
            Diagnostic{{path.string(), static_cast<int>(i) + 1, 1}, ".lib " + section, "library section has no .endl"});
      enter(path, here);
      expand(path, lines, i + 1, end, 0);
      leave();
      return;
    }
    std::string names;
    for (const auto& f : found) names += (names.empty() ? "" : ", ") + f;
    throw InputError(Diagnostic{here, ".lib " + section,
                                "no section '" + section + "' in " + path.string() +
                                    (names.empty() ? " (it has no sections)" : " (sections: " + names + ")")});
  }

  Deck& deck_;
  std::vector<fs::path> stack_;
};

}  // namespace

bool is_include_card(const std::string& line) {
  const std::string card = first_word(line);
  return card.rfind(".inc", 0) == 0 || card == ".lib";
}

std::string Deck::text() const {
  std::string out;
  for (const DeckLine& l : lines) out += l.text + "\n";
  return out;
}

SourceLocation Deck::where(int line) const {
  if (line < 1 || static_cast<std::size_t>(line) > lines.size()) return {};
  return lines[static_cast<std::size_t>(line) - 1].where;
}

void check_deck_policy(const Deck& deck, const DeckPolicy& policy) {
  if (deck.script_title)
    throw InputError(Diagnostic{deck.where(1), "*ng_script",
                                "this title line makes ngspice run the whole file as control commands: a command "
                                "script, not a netlist (memcosim never runs one; the ngspice program does)"});
  if (policy.allow_control) return;
  const std::string why =
      "control commands are not run from a user netlist (they can run programs and write files); "
      "`memcosim sim --control` runs them on purpose";
  if (!deck.control.empty())
    throw InputError(Diagnostic{deck.lines[deck.control.front()].where, ".control", "a .control block: " + why});
}

Deck read_deck(const fs::path& file, const DeckPolicy& policy) {
  Deck deck;
  Reader reader(deck);
  const auto lines = reader.file_lines(file, SourceLocation{file.string()}, "netlist");
  if (lines.empty()) throw InputError(Diagnostic{{file.string()}, "", "the netlist is empty"});
  reader.enter(file, SourceLocation{file.string()});
  // Line 1 is the title: never a card, not even an include.
  deck.lines.push_back({lines[0], {file.string(), 1, 1}});
  deck.script_title = lower(trim(lines[0])).rfind("*ng_script", 0) == 0;
  reader.expand(file, lines, 1, lines.size(), 0);
  reader.leave();
  check_deck_policy(deck, policy);
  return deck;
}

}  // namespace memcosim::spice
