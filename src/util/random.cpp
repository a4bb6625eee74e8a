#include "util/random.hpp"

#include <cmath>
#include <numbers>

namespace memcosim {

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t derive_seed(std::uint64_t seed, std::string_view purpose) {
  // FNV-1a over the purpose string, then mixed with the seed.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : purpose) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix64(mix64(seed) ^ h);
}

namespace {
inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
inline double to_unit(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }
}  // namespace

Rng::Rng(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = mix64(seed) ^ mix64(stream + 0x632be59bd9b4e019ULL);
  for (auto& s : s_) {
    z += 0x9e3779b97f4a7c15ULL;
    s = mix64(z);
  }
  // xoshiro's state must not be all zero; mix64 of distinct inputs cannot
  // give four zeros, but keep the guarantee explicit.
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return to_unit(next()); }

std::uint64_t Rng::below(std::uint64_t n) {
  // Reject the 2^64 mod n smallest values so every residue is equally likely
  // (arc4random_uniform's method).
  const std::uint64_t threshold = (0 - n) % n;
  for (;;) {
    const std::uint64_t r = next();
    if (r >= threshold) return r % n;
  }
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Box–Muller; 1 - u keeps the logarithm's argument in (0, 1].
  const double u1 = 1.0 - uniform();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double a = 2.0 * std::numbers::pi * u2;
  spare_ = r * std::sin(a);
  has_spare_ = true;
  return r * std::cos(a);
}

namespace {
std::uint64_t counter_bits(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t lane) {
  std::uint64_t h = mix64(seed ^ 0x5851f42d4c957f2dULL);
  h = mix64(h ^ a);
  h = mix64(h ^ (b + 0x14057b7ef767814fULL));
  h = mix64(h ^ (c + 0x2545f4914f6cdd1dULL));
  return mix64(h ^ lane);
}
}  // namespace

double counter_uniform(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  return to_unit(counter_bits(seed, a, b, c, 0));
}

double counter_normal(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  const double u1 = 1.0 - to_unit(counter_bits(seed, a, b, c, 1));
  const double u2 = to_unit(counter_bits(seed, a, b, c, 2));
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace memcosim
