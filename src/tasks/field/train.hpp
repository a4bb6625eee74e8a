// Training the neural field on the projections only.
//
// Each step draws field.train.rays rays (view, detector) uniformly with
// replacement (seeded), clips each ray to the square [-1, 1]^2 (chord length
// L) and takes field.train.samples stratified points along the chord, one
// uniform draw in each of the equal segments. The predicted line integral is
// L times the mean of f over the points (the Monte Carlo estimate of the
// integral); the loss is the mean squared difference to the measured
// projection. Adam (nn/optimizer.hpp) with an exponentially decaying learning
// rate from learning_rate to final_learning_rate. Deterministic for a seed:
// one sequential stream for the initial weights, one for the rays and points.
#pragma once

#include <cstdint>
#include <iosfwd>

#include "config/field.hpp"
#include "tasks/field/ct.hpp"
#include "tasks/field/model.hpp"

namespace memcosim::tasks::field {

struct TrainReport {
  double final_loss = 0;  // mean of the last 50 steps' losses
  double seconds = 0;
  long steps = 0;
};

// Initialises f.net (shape from cfg.hidden, f.encoder's feature count) and
// trains it. log_every 0: no progress lines.
TrainReport train_field(Field& f, const Sinogram& sino, const config::FieldTrainConfig& cfg, std::uint64_t seed,
                        std::ostream& log, int log_every);

// The chord of the ray (theta, s) inside [-1, 1]^2 as parameters t0 < t1 of
// p(t) = s (cos, sin) + t (-sin, cos); false when the ray misses the square.
bool ray_chord(double theta, double s, double& t0, double& t1);

}  // namespace memcosim::tasks::field
