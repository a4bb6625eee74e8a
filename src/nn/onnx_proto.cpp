// The one file that sees protobuf and the ONNX message definitions
// (libonnx-dev's onnx-ml.pb.h, libonnx_proto): .onnx file -> onnx::Graph.
// Built on its own (CMakeLists.txt, MEMCOSIM_WITH_ONNX) so that the ONNX
// headers and ONNX_ML reach no other file; without ONNX support it only
// says so.
#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "nn/onnx_graph.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

#if MEMCOSIM_WITH_ONNX
#include <onnx/onnx_pb.h>
#endif

namespace memcosim::nn::onnx {

namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& message) {
  throw InputError(Diagnostic{SourceLocation{path}, "", message});
}

}  // namespace

#if MEMCOSIM_WITH_ONNX

bool supported() { return true; }

namespace {

namespace pb = ::onnx;

// Little-endian raw bytes to T (x86_64 and every platform Debian builds
// ONNX for are little-endian; checked at compile time).
template <class T>
std::vector<T> from_raw(const std::string& raw) {
  static_assert(std::endian::native == std::endian::little, "ONNX raw_data is little-endian");
  std::vector<T> v(raw.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), raw.data(), v.size() * sizeof(T));
  return v;
}

Tensor convert_tensor(const pb::TensorProto& t, const std::string& path, const std::string& where) {
  Tensor out;
  out.name = t.name();
  out.data_type = t.data_type();
  for (auto d : t.dims()) {
    if (d < 0 || d > (std::int64_t{1} << 31))
      refuse(path, where + ": tensor '" + t.name() + "' has dimension " + std::to_string(d));
    out.dims.push_back(d);
  }
  if (t.data_location() == pb::TensorProto::EXTERNAL || t.external_data_size() > 0)
    refuse(path, where + ": tensor '" + t.name() +
                     "' keeps its data in an external file; export with the weights inside the .onnx file");
  if (t.has_segment()) refuse(path, where + ": tensor '" + t.name() + "' is segmented (not supported)");
  const std::int64_t n = out.size();
  if (n > (std::int64_t{1} << 28))
    refuse(path, where + ": tensor '" + t.name() + "' has " + std::to_string(n) + " values (too large)");
  const bool raw = t.has_raw_data();
  auto check_count = [&](std::size_t got) {
    if (static_cast<std::int64_t>(got) != n)
      refuse(path, where + ": tensor '" + t.name() + "' (" + type_name(out.data_type) + ", " + std::to_string(n) +
                       " values by its shape) holds " + std::to_string(got) + " values");
  };
  switch (t.data_type()) {
    case pb::TensorProto::FLOAT: {
      if (raw) {
        if (t.raw_data().size() % 4) check_count(t.raw_data().size() / 4 + 1);
        const auto v = from_raw<float>(t.raw_data());
        out.values.assign(v.begin(), v.end());
      } else {
        out.values.assign(t.float_data().begin(), t.float_data().end());
      }
      check_count(out.values.size());
      break;
    }
    case pb::TensorProto::DOUBLE: {
      if (raw) {
        if (t.raw_data().size() % 8) check_count(t.raw_data().size() / 8 + 1);
        out.values = from_raw<double>(t.raw_data());
      } else {
        out.values.assign(t.double_data().begin(), t.double_data().end());
      }
      check_count(out.values.size());
      break;
    }
    case pb::TensorProto::INT64: {
      if (raw) {
        if (t.raw_data().size() % 8) check_count(t.raw_data().size() / 8 + 1);
        out.ints = from_raw<std::int64_t>(t.raw_data());
      } else {
        out.ints.assign(t.int64_data().begin(), t.int64_data().end());
      }
      check_count(out.ints.size());
      break;
    }
    case pb::TensorProto::INT32: {
      if (raw) {
        if (t.raw_data().size() % 4) check_count(t.raw_data().size() / 4 + 1);
        const auto v = from_raw<std::int32_t>(t.raw_data());
        out.ints.assign(v.begin(), v.end());
      } else {
        out.ints.assign(t.int32_data().begin(), t.int32_data().end());
      }
      check_count(out.ints.size());
      break;
    }
    default:
      break;  // kept as a typed tensor without values; refused where it is used
  }
  return out;
}

ValueInfo convert_value_info(const pb::ValueInfoProto& v) {
  ValueInfo out;
  out.name = v.name();
  if (v.type().has_tensor_type()) {
    const auto& tt = v.type().tensor_type();
    out.data_type = tt.elem_type();
    out.has_shape = tt.has_shape();
    for (const auto& d : tt.shape().dim()) {
      if (d.has_dim_value() && d.dim_value() >= 0) {
        out.dims.emplace_back(d.dim_value());
        out.dim_names.emplace_back();
      } else {
        out.dims.emplace_back(std::nullopt);
        out.dim_names.push_back(d.has_dim_param() ? d.dim_param() : std::string("?"));
      }
    }
  } else {
    out.data_type = -1;  // not a tensor (sequence, map, ...)
  }
  return out;
}

Attribute convert_attribute(const pb::AttributeProto& a, const std::string& path, const std::string& where) {
  Attribute out;
  out.name = a.name();
  switch (a.type()) {
    case pb::AttributeProto::FLOAT:
      out.kind = Attribute::Kind::real;
      out.f = a.f();
      break;
    case pb::AttributeProto::INT:
      out.kind = Attribute::Kind::integer;
      out.i = a.i();
      break;
    case pb::AttributeProto::STRING:
      out.kind = Attribute::Kind::text;
      out.s = a.s();
      break;
    case pb::AttributeProto::FLOATS:
      out.kind = Attribute::Kind::reals;
      out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case pb::AttributeProto::INTS:
      out.kind = Attribute::Kind::integers;
      out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case pb::AttributeProto::TENSOR:
      out.kind = Attribute::Kind::tensor;
      out.t = convert_tensor(a.t(), path, where);
      break;
    case pb::AttributeProto::GRAPH:
    case pb::AttributeProto::GRAPHS:
      refuse(path,
             where + ": attribute '" + a.name() +
                 "' holds a subgraph (control flow: If, Loop, Scan); memcosim imports feed-forward networks only");
    default:
      out.kind = Attribute::Kind::other;
      break;
  }
  return out;
}

}  // namespace

Graph read_graph(const std::string& path) {
  const std::string bytes = read_input_file(path, SourceLocation{path}, "", "ONNX model");
  pb::ModelProto model;
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) || !model.ParseFromString(bytes))
    refuse(path, "not a readable ONNX model (" + std::to_string(bytes.size()) +
                     " bytes that do not parse as an ONNX ModelProto: truncated, damaged or another format)");
  if (!model.has_graph() || model.graph().node_size() == 0)
    refuse(path, "the ONNX model holds no graph (or a graph without nodes): truncated or not an exported network");
  if (model.functions_size() > 0)
    refuse(path,
           "the ONNX model defines local functions (" + model.functions(0).name() + ", ...); export without them");
  Graph g;
  g.file = path;
  g.ir_version = model.ir_version();
  g.producer = model.producer_name() + (model.producer_version().empty() ? "" : " " + model.producer_version());
  for (const auto& o : model.opset_import()) g.opsets.emplace_back(o.domain(), o.version());
  const pb::GraphProto& graph = model.graph();
  for (const auto& t : graph.initializer()) g.initializers.push_back(convert_tensor(t, path, "initializer"));
  if (graph.sparse_initializer_size() > 0) refuse(path, "the graph has sparse initializers (not supported)");
  for (const auto& v : graph.input()) {
    bool is_initializer = false;
    for (const auto& t : g.initializers) is_initializer = is_initializer || t.name == v.name();
    if (!is_initializer) g.inputs.push_back(convert_value_info(v));
  }
  for (const auto& v : graph.output()) g.outputs.push_back(convert_value_info(v));
  for (const auto& n : graph.node()) {
    Node node;
    node.name = n.name();
    node.op_type = n.op_type();
    node.domain = n.domain();
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    for (const auto& a : n.attribute())
      node.attributes.push_back(convert_attribute(a, path, "node " + node.describe()));
    g.nodes.push_back(std::move(node));
  }
  return g;
}

#else  // !MEMCOSIM_WITH_ONNX

bool supported() { return false; }

Graph read_graph(const std::string& path) {
  check_input_file(path, "ONNX model");
  refuse(path,
         "this memcosim was built without ONNX support (configure with -DMEMCOSIM_WITH_ONNX=ON; needs "
         "libonnx-dev and libprotobuf-dev)");
}

#endif

}  // namespace memcosim::nn::onnx
