// SPICE inference of the field: many coordinates through one loaded circuit
// in one ngspice session.
//
//   alter     per coordinate: `alter vcx = ...`, `alter vcy = ...`, `op`, read
//             V(fneg0). One operating point per pixel; each Newton solve
//             starts from the previous pixel's solution.
//   dc_sweep  per image row: `alter vcy = ...`, then `dc vcx x_first x_last
//             dx` over the row's pixel centres; one analysis per row, the
//             sweep continuing each point from the last. The sweep's own
//             scale vector is checked against the expected coordinates.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "config/field.hpp"
#include "spice/session.hpp"
#include "tasks/field/circuit.hpp"

namespace memcosim::tasks::field {

struct InferenceResult {
  std::vector<double> values;  // f per coordinate (software units)
  double seconds = 0;          // wall time of the analyses (load excluded)
  double rate() const { return seconds > 0 ? static_cast<double>(values.size()) / seconds : 0.0; }
};

// f at arbitrary coordinates (2 x N) by alter + op. The circuit must be loaded.
InferenceResult infer_alter(spice::NgspiceSession& s, const FieldCircuit& fc, const Eigen::MatrixXd& points,
                            double timeout_s);

// f at the pixel centres of rows [row_begin, row_end) of an N x N image,
// row-major, by one DC sweep per row. progress(image row, its N values)
// after each row, so that the caller can keep every finished row when a
// later one fails.
InferenceResult infer_rows(spice::NgspiceSession& s, const FieldCircuit& fc, int resolution, int row_begin, int row_end,
                           double timeout_s, const std::function<void(int, std::span<const double>)>& progress = {});

}  // namespace memcosim::tasks::field
