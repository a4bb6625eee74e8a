// Numbers as circuit designers write them.
//
// Accepted: plain numbers ("2.5", "-1e-3", ".5") and SPICE scale suffixes,
// case-insensitive as in SPICE: f 1e-15, p 1e-12, n 1e-9, u (or µ) 1e-6,
// m 1e-3, k 1e3, meg 1e6, g 1e9, t 1e12. A unit may follow the scale for
// readability ("10kOhm", "1.5nF", "100uS", "5ms", "10MegHz"): V A s Hz F H
// Ohm S W J, case-insensitive; it is not checked against the key.
//
// Rejected with a reason: empty text, nan/inf, trailing garbage ("10kk"),
// results that overflow, and a lone upper-case "M" ("10M"): SPICE reads it
// as milli while most people mean mega, so we ask for "m" or "meg".
#pragma once

#include <string>
#include <string_view>

namespace memcosim::config {

struct ParsedNumber {
  bool ok = false;
  double value = 0.0;
  std::string error;  // why not, when !ok
};

ParsedNumber parse_si(std::string_view text);

// The way back (text that parse_si reads as the same double) is
// exact_number in util/numbers.hpp.

}  // namespace memcosim::config
