// Small text helpers and the bounded log shared by the spice module's
// sources (internal: not part of the module's interface).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "spice/diagnostics.hpp"

namespace memcosim::spice::text {

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// The first blank-separated word of a line, lower-cased (a SPICE element
// name or dot card: "R1 a b 1k" -> "r1").
inline std::string first_word(std::string_view s) {
  s = trim(s);
  return lower(s.substr(0, s.find_first_of(" \t")));
}

// Keeps the first and the last lines when it overflows: the start says
// what was loaded, the end why it stopped.
class BoundedLog {
 public:
  explicit BoundedLog(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 2)) {}

  void clear() {
    head_.clear();
    tail_.clear();
    dropped_ = 0;
  }
  void push(OutputLine line) {
    if (head_.size() < capacity_ - capacity_ / 2) {
      head_.push_back(std::move(line));
      return;
    }
    tail_.push_back(std::move(line));
    if (tail_.size() > capacity_ / 2) {
      tail_.pop_front();
      ++dropped_;
    }
  }
  std::vector<OutputLine> lines() const {
    std::vector<OutputLine> out(head_.begin(), head_.end());
    if (dropped_ > 0) out.push_back({false, "[memcosim: " + std::to_string(dropped_) + " lines dropped]"});
    out.insert(out.end(), tail_.begin(), tail_.end());
    return out;
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (OutputLine& l : lines()) out.push_back(std::move(l.text));
    return out;
  }

 private:
  std::size_t capacity_;
  std::vector<OutputLine> head_;
  std::deque<OutputLine> tail_;
  std::size_t dropped_ = 0;
};

}  // namespace memcosim::spice::text
