// Internal to src/nn: number formatting shared by messages and weight files.
#pragma once

#include <string>

namespace memcosim::nn::detail {

// The shortest decimal text that reads back as exactly x (std::to_chars):
// 0.1 -> "0.1", 1e-05 -> "1e-05"; non-finite values give "nan", "inf", "-inf".
std::string format_double(double x);

}  // namespace memcosim::nn::detail
