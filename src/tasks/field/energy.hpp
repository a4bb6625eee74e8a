// Energy per inferred pixel: an estimate for the analogue field against this
// machine's digital inference, with every assumption stated in the report.
//
// Analogue, per pixel (DC, so energy = power x the time a pixel is held):
//   cells     sum over crossbar rows of V_row^2 sum of the row's conductances
//             (columns at virtual ground), with the row voltages the software
//             field gives at that pixel (features at k_in, hidden activations
//             at k_hidden, bias rows at v_read) and the programmed
//             conductances; the mean over the image's pixels;
//   op-amps   count x static power per op-amp (assumed; memcosim's 180 nm
//             two-stage OTA measured 160 uW, README "Transistor level");
//   time      settle_time per pixel (assumed: the op-amp chain settling).
// Digital: the measured wall time of the software forward pass per pixel
// (one batch of the image, this process, one thread) x an assumed power of
// the core.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/field/circuit.hpp"
#include "tasks/field/model.hpp"

namespace memcosim::tasks::field {

struct EnergyAssumptions {
  double opamp_power = 160e-6;  // W per op-amp (measured transistor-level OTA, 1.8 V)
  double settle_time = 1e-6;    // s per pixel
  double cpu_power = 15.0;      // W of one busy core of this machine (assumed)
};

struct EnergyReport {
  double cell_power = 0;  // W, mean over pixels
  int opamps = 0;
  double analog_joules = 0;        // per pixel
  double digital_seconds = 0;      // per pixel (measured)
  double digital_joules = 0;       // per pixel
  std::vector<std::string> lines;  // the report with its assumptions
  nlohmann::json json() const;
};

EnergyReport estimate_energy(const Field& programmed, const FieldCircuit& fc, double k_hidden, double v_read,
                             int resolution, const EnergyAssumptions& a = {});

}  // namespace memcosim::tasks::field
