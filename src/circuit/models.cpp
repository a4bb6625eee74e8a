#include "circuit/models.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "config/si.hpp"
#include "util/error.hpp"

namespace memcosim::circuit {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

[[noreturn]] void fail(const std::string& source, int line, const std::string& message) {
  throw InputError(Diagnostic{SourceLocation{source, line}, "", message});
}

// A statement: its first line number and the joined text of its lines.
struct Statement {
  int line = 0;
  std::string text;
};

}  // namespace

std::vector<ModelCard> parse_model_library(std::string_view text, const std::string& source) {
  // 1. Lines -> statements (comments dropped, "+" lines joined).
  std::vector<Statement> statements;
  int number = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string raw(text.substr(pos, eol - pos));
    pos = eol + 1;
    ++number;
    for (char c : raw)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r')
        fail(source, number, "control character in a model library");
    const std::size_t comment = raw.find_first_of("$;");
    if (comment != std::string::npos) raw.erase(comment);
    std::string line = trim(raw);
    if (line.empty() || line[0] == '*') {
      if (eol == text.size()) break;
      continue;
    }
    if (line[0] == '+') {
      if (statements.empty()) fail(source, number, "continuation line ('+') without a .model statement before it");
      statements.back().text += " " + line.substr(1);
    } else {
      statements.push_back({number, line});
    }
    if (eol == text.size()) break;
  }

  // 2. Statements -> cards.
  std::vector<ModelCard> cards;
  for (const auto& st : statements) {
    std::string s = st.text;
    for (char& c : s)
      if (c == '(' || c == ')' || c == '=' || c == ',') c = c == '=' ? '=' : ' ';
    // Tokens; "key = value" spacing is normalised to "key=value".
    std::vector<std::string> tokens;
    for (std::size_t i = 0; i < s.size();) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (i >= s.size()) break;
      std::size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      tokens.push_back(s.substr(i, j - i));
      i = j;
    }
    std::vector<std::string> joined;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i] == "=" && !joined.empty() && i + 1 < tokens.size()) {
        ++i;
        joined.back() += "=" + tokens[i];
      } else if (!tokens[i].empty() && tokens[i].back() == '=' && i + 1 < tokens.size()) {
        joined.push_back(tokens[i] + tokens[i + 1]);
        ++i;
      } else if (!tokens[i].empty() && tokens[i].front() == '=' && !joined.empty()) {
        joined.back() += tokens[i];
      } else {
        joined.push_back(tokens[i]);
      }
    }
    if (joined.empty() || lower(joined[0]) != ".model")
      fail(source, st.line,
           "only .model statements are allowed in a model library (got '" + st.text.substr(0, 40) + "')");
    if (joined.size() < 3) fail(source, st.line, ".model needs a name and a type");
    ModelCard card;
    card.name = joined[1];
    card.type = lower(joined[2]);
    if (!is_identifier(card.name)) fail(source, st.line, "invalid model name '" + card.name + "'");
    if (card.type != "nmos" && card.type != "pmos")
      fail(source, st.line, "model " + card.name + ": type must be nmos or pmos (got '" + joined[2] + "')");
    for (std::size_t i = 3; i < joined.size(); ++i) {
      const std::string& kv = joined[i];
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size())
        fail(source, st.line, "model " + card.name + ": expected key=number, got '" + kv + "'");
      const std::string key = lower(kv.substr(0, eq));
      const std::string value = kv.substr(eq + 1);
      if (!is_identifier(key)) fail(source, st.line, "model " + card.name + ": invalid parameter name '" + key + "'");
      const auto parsed = config::parse_si(value);
      if (!parsed.ok)
        fail(source, st.line,
             "model " + card.name + ": parameter " + key + " must be a number (got '" + value + "': " + parsed.error +
                 ")");
      for (const auto& [k, v] : card.params)
        if (k == key) fail(source, st.line, "model " + card.name + ": parameter " + key + " given twice");
      card.params.emplace_back(key, parsed.value);
    }
    for (const auto& c : cards)
      if (lower(c.name) == lower(card.name)) fail(source, st.line, "model " + card.name + " defined twice");
    cards.push_back(std::move(card));
  }
  if (cards.empty()) fail(source, 0, "no .model statements in the model library");
  return cards;
}

std::vector<ModelCard> corner_cards(const std::vector<ModelCard>& library, std::string_view corner,
                                    const std::vector<std::string>& bases, const std::string& source) {
  std::vector<ModelCard> out;
  for (const auto& base : bases) {
    const std::string want = lower(base + "_" + std::string(corner));
    const auto it =
        std::find_if(library.begin(), library.end(), [&](const ModelCard& c) { return lower(c.name) == want; });
    if (it == library.end())
      throw InputError(Diagnostic{SourceLocation{source}, "",
                                  "no model card '" + base + "_" + std::string(corner) + "' (corner " +
                                      std::string(corner) + ") in the model library"});
    ModelCard c = *it;
    c.name = base;
    out.push_back(std::move(c));
  }
  return out;
}

double model_param(const ModelCard& card, std::string_view key) {
  const std::string k = lower(key);
  for (const auto& [name, value] : card.params)
    if (name == k) return value;
  throw std::out_of_range("model " + card.name + " has no parameter " + std::string(key));
}

}  // namespace memcosim::circuit
