// An ONNX model as plain C++ values: what `memcosim import` reads from a
// .onnx file (protobuf) before it recognises the network in it
// (nn/onnx_import.hpp). Only src/nn/onnx_graph.cpp sees protobuf and the
// ONNX headers (libonnx-dev); everything else works on these structs, so the
// recogniser is the same code whether or not the build has ONNX support.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace memcosim::nn::onnx {

// ONNX TensorProto.DataType values memcosim names.
enum class DataType : int {
  undefined = 0,
  float32 = 1,
  uint8 = 2,
  int8 = 3,
  uint16 = 4,
  int16 = 5,
  int32 = 6,
  int64 = 7,
  string = 8,
  boolean = 9,
  float16 = 10,
  float64 = 11,
  uint32 = 12,
  uint64 = 13,
  bfloat16 = 16
};
// "FLOAT", "DOUBLE", "INT64", ... (ONNX's names), or "data type N".
std::string type_name(int data_type);

// A constant tensor (an initializer or a Constant node's value). Real types
// (FLOAT, DOUBLE) fill `values`, integer types (INT32, INT64) fill `ints`;
// other types fill neither (the recogniser refuses them where they are used).
struct Tensor {
  std::string name;
  int data_type = 0;
  std::vector<std::int64_t> dims;
  std::vector<double> values;
  std::vector<std::int64_t> ints;
  bool is_real() const { return data_type == 1 || data_type == 11; }
  bool is_integer() const { return data_type == 6 || data_type == 7; }
  std::int64_t size() const;  // product of dims (1 for a scalar)
};

struct Attribute {
  enum class Kind { other, real, integer, reals, integers, text, tensor };
  std::string name;
  Kind kind = Kind::other;
  double f = 0;
  std::int64_t i = 0;
  std::vector<double> floats;
  std::vector<std::int64_t> ints;
  std::string s;
  std::optional<Tensor> t;
};

struct Node {
  std::string name, op_type, domain;
  std::vector<std::string> inputs, outputs;
  std::vector<Attribute> attributes;
  const Attribute* attribute(const std::string& n) const {
    for (const auto& a : attributes)
      if (a.name == n) return &a;
    return nullptr;
  }
  // "'name' (Op, inputs: a, b)" for messages.
  std::string describe() const;
};

// A graph input or output: its element type and shape; a dimension is a
// number, or nullopt with its symbolic name (dynamic).
struct ValueInfo {
  std::string name;
  int data_type = 0;
  bool has_shape = false;
  std::vector<std::optional<std::int64_t>> dims;
  std::vector<std::string> dim_names;
};

struct Graph {
  std::string file;  // for messages
  std::int64_t ir_version = 0;
  std::string producer;                                      // "pytorch 1.13.0"
  std::vector<std::pair<std::string, std::int64_t>> opsets;  // (domain, version); "" = ai.onnx
  std::vector<ValueInfo> inputs, outputs;                    // inputs without the initializers
  std::vector<Tensor> initializers;
  std::vector<Node> nodes;  // in the file's (topological) order
};

// True when this memcosim was built with ONNX support (MEMCOSIM_WITH_ONNX).
bool supported();

// Parses a .onnx file. Throws InputError naming the file when it cannot be
// read, is not an ONNX model (truncated, not protobuf), holds subgraphs,
// external data or functions, or when this build has no ONNX support.
Graph read_graph(const std::string& path);

}  // namespace memcosim::nn::onnx
