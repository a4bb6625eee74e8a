#include "nn/format.hpp"

#include <charconv>

namespace memcosim::nn::detail {

std::string format_double(double x) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}

}  // namespace memcosim::nn::detail
