// Numbers as text: every format in which memcosim writes a double, each
// defined once. Pick the function by where the text goes. The precisions
// differ on purpose: netlists, golden files and weight files are compared
// byte for byte, so each output keeps its own format.
//
// All of them are independent of the C and C++ locales ("." as the decimal
// point, no digit grouping), except printf_number, which is printf.
#pragma once

#include <string>

namespace memcosim {

// Exact: the shortest decimal text that std::strtod reads back as the same
// double (std::to_chars without a precision; 17 significant digits at
// most): 0.1 -> "0.1", 1e-05 -> "1e-05", 1e+22 -> "1e+22", -0.0 -> "-0".
// Non-finite values: "inf", "-inf", "nan" or "-nan" (a NaN's sign bit is
// kept). For weight files, config values (the config reference, messages
// quoting a config value) and anything else read back as data.
std::string exact_number(double x);

// CSV cells and plot data files: exact_number, except that every NaN is
// "nan" whatever its sign bit (0.0 / 0.0 is -nan on x86).
std::string csv_number(double x);

// Netlists and simulator commands: printf "%.15g", 15 significant digits
// ("5e-06", "100000", "0.1"; 0.1 + 0.2 -> "0.3"). Not exact (that takes 17)
// but readable and 1e-15 relative, far below any simulator tolerance; the
// golden netlists are written with it. Non-finite values as exact_number
// (the IR rejects them before they reach a netlist).
std::string spice_number(double x);

// Golden regression files (and messages comparing against them): printf
// "%.10g", 10 significant digits, far finer than any band and short enough
// to review. Not exact.
std::string golden_number(double x);

// ASCII rawfiles (ngspice's "Values:" block): printf "%.17e", one digit
// before the point and 17 after, 18 significant digits; exact.
std::string raw_number(double x);

// Console and log text: printf "%g", 6 significant digits, which is what
// std::ostream << x prints by default ("1e-06", "123457"). Not exact.
std::string text_number(double x);

// Compact text (study tables, durations in messages): printf "%.4g",
// 4 significant digits. Not exact.
std::string short_number(double x);

// Fixed point with 3 decimals, printf "%.3f" (seconds to the millisecond in
// JUnit reports and regress logs). Not exact.
std::string fixed3_number(double x);

// One number through a printf format for console reports, e.g.
// printf_number("%.1f %%", 12.34) -> "12.3 %". `format` must hold exactly
// one conversion, and it must take a double (%e %f %g %a and variants).
std::string printf_number(const char* format, double x);

}  // namespace memcosim
