#include "circuit/network.hpp"

#include <algorithm>
#include <cmath>

#include "circuit/nonideal.hpp"
#include "util/error.hpp"
#include "util/numbers.hpp"

namespace memcosim::circuit {

namespace {

std::string idx(Eigen::Index i) { return std::to_string(i); }

[[noreturn]] void config_error(const config::Locations* where, const std::string& key, const std::string& message) {
  SourceLocation loc = where ? where->find(key) : SourceLocation{"<config>"};
  throw InputError(Diagnostic{loc, key, message});
}

}  // namespace

LayerMapping map_layer(const nn::Dense& layer, double sign, double k_in, const config::CrossbarConfig& xb, Rng& rng,
                       int index, const config::Locations* where, std::uint64_t device_seed) {
  const Eigen::MatrixXd d = sign * layer.W;                        // G+ - G- in units of g_unit
  const Eigen::VectorXd db = sign * layer.b * (k_in / xb.v_read);  // bias rows run at v_read
  const double span = xb.g_max - xb.g_min;
  const double largest = std::max(d.cwiseAbs().maxCoeff(), db.size() ? db.cwiseAbs().maxCoeff() : 0.0);
  LayerMapping m;
  m.g_unit = xb.g_unit;
  if (m.g_unit == 0.0) {
    m.g_unit = largest > 0 ? span / largest : span;
  } else if (largest * m.g_unit > span * (1 + 1e-12)) {
    config_error(where, "circuit.crossbar.g_unit",
                 "layer " + std::to_string(index + 1) + " needs conductance differences up to " +
                     exact_number(largest * m.g_unit) + " S but g_max - g_min = " + exact_number(span) +
                     " S; lower g_unit or use 0 (auto)");
  }
  const DeviceSeeds seeds(device_seed);
  std::uint64_t cell = 0;
  auto program = [&](double target) { return program_conductance(target, xb, rng, seeds, index, cell++); };
  auto pair = [&](double diff, double& gp, double& gm) {
    gp = program(xb.g_min + std::max(diff, 0.0) * m.g_unit);
    gm = program(xb.g_min + std::max(-diff, 0.0) * m.g_unit);
  };
  m.g_plus.resize(d.rows(), d.cols());
  m.g_minus.resize(d.rows(), d.cols());
  m.gb_plus.resize(d.rows());
  m.gb_minus.resize(d.rows());
  for (Eigen::Index j = 0; j < d.rows(); ++j) {
    for (Eigen::Index i = 0; i < d.cols(); ++i) pair(d(j, i), m.g_plus(j, i), m.g_minus(j, i));
    pair(db(j), m.gb_plus(j), m.gb_minus(j));
  }
  m.w_effective = sign * (m.g_plus - m.g_minus) / m.g_unit;
  m.b_effective = sign * (m.gb_plus - m.gb_minus) / m.g_unit * (xb.v_read / k_in);
  return m;
}

nn::Dense scale_columns(const nn::Dense& layer, const Eigen::VectorXd& factor) {
  if (factor.size() != layer.W.cols()) throw std::invalid_argument("scale_columns: one factor per input needed");
  return {layer.W * factor.asDiagonal(), layer.b};
}

void add_bias_rails(Circuit& c, double v_read) {
  auto& rails = c.block("bias rails", {"Bias rows of every crossbar run at +-v_read."});
  voltage(c, rails, "read_p", "vbp", SourceValue{v_read, std::nullopt});
  voltage(c, rails, "read_n", "vbn", SourceValue{-v_read, std::nullopt});
}

namespace {

// Everything one layer's crossbar needs to place its cells.
struct LayerContext {
  Circuit& c;
  Block& block;
  const config::CircuitConfig& cc;
  const Environment& env;
  const ReadNoise* noise;
  std::string L;  // "l1", "l2", ...
  int index;
};

// The crossbar block's documentation.
Block& crossbar_block(Circuit& c, const std::string& L, bool output, const std::vector<std::string>& row_names,
                      Eigen::Index n_out, const LayerMapping& m, const config::CircuitConfig& cc,
                      const ReadNoise* noise) {
  std::string row_list;
  for (const auto& r : row_names) row_list += r + "+ " + r + "- ";
  const auto& xbc = cc.crossbar;
  auto& xb = c.block(
      L + " crossbar" + (output ? " (output layer)" : ""),
      {"Rows: " + row_list + "bias+ bias-; " + std::to_string(n_out) + " columns " + L + "_c0..",
       "g_unit = " + spice_number(m.g_unit) + " S per unit weight, G in [" + spice_number(xbc.g_min) + ", " +
           spice_number(xbc.g_max) + "] S" + (xbc.levels >= 2 ? ", " + std::to_string(xbc.levels) + " levels" : "") +
           (xbc.programming_error > 0 ? ", programming error " + spice_number(xbc.programming_error) : "") + "."});
  if (cc.level_of(cc.blocks.crossbar) == config::Level::behavioral) {
    const auto& cp = xbc.cell;
    const double g_lo =
        std::min({m.g_plus.minCoeff(), m.g_minus.minCoeff(), m.gb_plus.minCoeff(), m.gb_minus.minCoeff()});
    const double g_hi =
        std::max({m.g_plus.maxCoeff(), m.g_minus.maxCoeff(), m.gb_plus.maxCoeff(), m.gb_minus.maxCoeff()});
    xb.notes.push_back("Cells I = A sinh(V/" + spice_number(cp.v0) + "), A = " + spice_number(cp.i0) + " exp(-gap/" +
                       spice_number(cp.g0) + "); verified at " + spice_number(cp.verify_voltage) + " V: gaps from " +
                       spice_number(cell_gap(g_hi, cp)) + " m (G " + spice_number(g_hi) + " S) to " +
                       spice_number(cell_gap(g_lo, cp)) + " m (G " + spice_number(g_lo) + " S).");
  }
  for (auto& note : device_notes(xbc, noise)) xb.notes.push_back(std::move(note));
  return xb;
}

// The cells of one layer (with wires and read noise as configured), and the
// thermal-noise currents and additive-input resistors of its columns, column
// by column.
void add_cells(LayerContext& x, const LayerMapping& m, const std::vector<std::string>& row_drivers,
               const std::vector<AdditiveInput>& additive, bool with_bias = true) {
  const Eigen::Index n_out = m.g_plus.rows(), n_in = m.g_plus.cols();
  const double r_wire = x.cc.crossbar.wire_resistance;
  const config::Level level = x.cc.level_of(x.cc.blocks.crossbar);
  const CrossbarWires wires{x.L, static_cast<int>(row_drivers.size()), static_cast<int>(n_out)};
  if (r_wire > 0) {
    std::vector<std::string> column_out;
    for (Eigen::Index j = 0; j < n_out; ++j) column_out.push_back(x.L + "_c" + idx(j));
    auto& wb = x.c.block(x.L + " crossbar wires", {"Row r is driven at column 0 (nodes " + x.L +
                                                   "_rwR_J), column J is read "
                                                   "after its last row (nodes " +
                                                   x.L + "_cwJ_R); " + spice_number(r_wire) + " ohm per segment."});
    add_crossbar_wires(x.c, wb, wires, row_drivers, column_out, r_wire);
  }
  // One cell at crossbar row r, column j: with wires between its own row
  // and column nodes, with read noise a fluctuating conductance.
  std::uint64_t cell_number = 0;
  auto place = [&](const std::string& name, int r, Eigen::Index j, const std::string& col, double g) {
    const std::string row_node =
        r_wire > 0 ? wires.row_node(r, static_cast<int>(j)) : row_drivers[static_cast<std::size_t>(r)];
    const std::string col_node = r_wire > 0 ? wires.column_node(static_cast<int>(j), r) : col;
    const std::uint64_t number = cell_number++;
    if (x.noise && x.noise->per_cell())
      fluctuating_cell(x.c, x.block, name, row_node, col_node, g, level, x.env,
                       x.noise->waveform(x.noise->cell_fluctuation(x.index, number)));
    else
      cell(x.c, x.block, name, row_node, col_node, g, level, x.env);
  };
  const std::string& L = x.L;
  for (Eigen::Index j = 0; j < n_out; ++j) {
    const std::string col = L + "_c" + idx(j);
    for (Eigen::Index i = 0; i < n_in; ++i) {
      place(L + "_p_r" + idx(i) + "_c" + idx(j), static_cast<int>(2 * i), j, col, m.g_plus(j, i));
      place(L + "_n_r" + idx(i) + "_c" + idx(j), static_cast<int>(2 * i + 1), j, col, m.g_minus(j, i));
    }
    if (with_bias) {
      place(L + "_bp_c" + idx(j), static_cast<int>(2 * n_in), j, col, m.gb_plus(j));
      place(L + "_bn_c" + idx(j), static_cast<int>(2 * n_in + 1), j, col, m.gb_minus(j));
    }
    if (x.noise && x.cc.crossbar.read_noise.temperature > 0) {
      const double g_sum =
          m.g_plus.row(j).sum() + m.g_minus.row(j).sum() + (with_bias ? m.gb_plus(j) + m.gb_minus(j) : 0.0);
      x.c.add(x.block, BehavioralCurrent{
                           "B" + L + "_thermal_c" + idx(j), "0", col,
                           x.noise->waveform(x.noise->column_current(x.index, static_cast<std::uint64_t>(j), g_sum))});
    }
    for (const auto& add : additive)
      x.c.add(x.block, Resistor{"R" + L + "_" + add.tag + "_c" + idx(j), add.node(j, n_out), col, m.r_embedding});
  }
}

// Row pairs as crossbar rows, in order +a_0, -a_0, +a_1, -a_1, ...
std::vector<std::string> flat_rows(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::vector<std::string> nodes;
  for (const auto& [pos, neg] : rows) {
    nodes.push_back(pos);
    nodes.push_back(neg);
  }
  return nodes;
}

// The nodes that drive one layer's crossbar rows, in order +a_0, -a_0, +a_1,
// ..., bias+, bias-: the signals themselves, or with row_driver = replica
// the outputs of linearising drivers (the inverting driver of -a drives the
// +a row and vice versa).
std::vector<std::string> crossbar_rows(Circuit& c, const std::string& L,
                                       std::vector<std::pair<std::string, std::string>> rows,
                                       const config::CircuitConfig& cc, const Environment& env) {
  rows.emplace_back("vbp", "vbn");
  if (cc.crossbar.row_driver == config::RowDriver::direct) return flat_rows(rows);
  std::vector<std::string> nodes;
  const double g = cc.crossbar.replica_g();
  auto& b = c.block(L + " row drivers", {"Linearising drivers: 1/G_r in, a replica cell of G_r = " + spice_number(g) +
                                         " S in feedback; V(" + L + "_rKp) drives row +a_K from -a_K."});
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const bool bias = k + 1 == rows.size();
    const std::string tag = bias ? std::string("b") : idx(static_cast<Eigen::Index>(k));
    for (const bool positive : {true, false}) {
      std::string suffix = tag;
      suffix += positive ? "p" : "n";
      std::string name = L, out = L;
      name.append("_rd").append(suffix);
      out.append("_r").append(suffix);
      row_driver(c, b, name, positive ? rows[k].second : rows[k].first, out, g, cc.level_of(cc.blocks.inverter),
                 cc.level_of(cc.blocks.crossbar), env);
      nodes.push_back(out);
    }
  }
  return nodes;
}

}  // namespace

Block& add_crossbar(Circuit& c, int index, const LayerMapping& m,
                    const std::vector<std::pair<std::string, std::string>>& rows,
                    const std::vector<std::string>& row_names, bool with_bias, const config::CircuitConfig& cc,
                    const Environment& env, const ReadNoise* noise) {
  if (static_cast<Eigen::Index>(rows.size()) != m.g_plus.cols() || row_names.size() != rows.size())
    throw std::invalid_argument("add_crossbar: one row pair and one name per input needed");
  const std::string L = "l" + std::to_string(index + 1);
  auto& xb = crossbar_block(c, L, false, row_names, m.g_plus.rows(), m, cc, noise);
  std::vector<std::string> row_drivers = flat_rows(rows);
  if (with_bias) {
    row_drivers.push_back("vbp");
    row_drivers.push_back("vbn");
  }
  LayerContext context{c, xb, cc, env, noise, L, index};
  add_cells(context, m, row_drivers, {}, with_bias);
  return xb;
}

NetworkCircuit add_network(Circuit& c, const std::vector<nn::Dense>& layers, const NetworkOptions& opt,
                           const config::CircuitConfig& cc, const Environment& env, Rng& programming,
                           const config::Locations* where) {
  if (opt.input_rows.size() != opt.input_names.size())
    throw std::invalid_argument("add_network: one name per input row pair needed");
  auto level = [&](const std::optional<config::Level>& l) { return cc.level_of(l); };
  NetworkCircuit net;
  std::vector<std::pair<std::string, std::string>> rows = opt.input_rows;
  std::vector<std::string> row_names = opt.input_names;
  double k_in = opt.k_in;
  const int last = static_cast<int>(layers.size()) - 1;
  for (int l = 0; l <= last; ++l) {
    const bool output = l == last;
    const std::string L = "l" + std::to_string(l + 1);
    const nn::Dense& layer = layers[static_cast<std::size_t>(l)];
    if (layer.W.cols() != static_cast<Eigen::Index>(rows.size()))
      throw std::invalid_argument("add_network: layer " + std::to_string(l + 1) + " has " +
                                  std::to_string(layer.W.cols()) + " inputs but " + std::to_string(rows.size()) +
                                  " rows drive it");
    LayerMapping m = map_layer(layer, output ? 1.0 : -1.0, k_in, cc.crossbar, programming, l, where, opt.device_seed);
    m.rf = output ? opt.k_out * opt.output_gain / (m.g_unit * k_in) : opt.k_hidden / (m.g_unit * k_in);
    m.r_embedding = output ? 0.0 : opt.k_additive / (m.g_unit * k_in);
    const Eigen::Index n_out = m.g_plus.rows();

    auto& xb = crossbar_block(c, L, output, row_names, n_out, m, cc, opt.noise);
    const std::vector<std::string> row_drivers = crossbar_rows(c, L, rows, cc, env);
    LayerContext context{c, xb, cc, env, opt.noise, L, l};
    add_cells(context, m, row_drivers, output ? std::vector<AdditiveInput>{} : opt.additive);

    auto& tias = c.block(L + " TIAs", {"Rf = " + spice_number(m.rf) + " ohm" +
                                       (output ? opt.output_note : "; V(" + L + "_zJ) = k_hidden z_J.")});
    for (Eigen::Index j = 0; j < n_out; ++j) {
      const std::string out = output ? opt.output_prefix + idx(j) : L + "_z" + idx(j);
      tia(c, tias, L + "_tia" + idx(j), L + "_c" + idx(j), out, m.rf, level(cc.blocks.tia), env);
      net.preactivation_nodes.push_back(out);
      if (output) net.output_nodes.push_back(out);
    }
    if (!output) {
      auto& relus = c.block(L + " rectifiers");
      auto& invs = c.block(L + " inverters", {"Negative rows of the next crossbar."});
      rows.clear();
      row_names.clear();
      for (Eigen::Index j = 0; j < n_out; ++j) {
        const std::string z = L + "_z" + idx(j), h = L + "_h" + idx(j), hn = L + "_hn" + idx(j);
        relu(c, relus, L + "_relu" + idx(j), z, h, level(cc.blocks.relu), env);
        inverter(c, invs, L + "_inv" + idx(j), h, hn, cc.inverter_r, level(cc.blocks.inverter), env);
        rows.emplace_back(h, hn);
        row_names.push_back(h);
      }
      k_in = opt.k_hidden;
    }
    net.layers.push_back(std::move(m));
  }
  return net;
}

}  // namespace memcosim::circuit
