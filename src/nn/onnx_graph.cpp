#include "nn/onnx_graph.hpp"

namespace memcosim::nn::onnx {

std::string type_name(int t) {
  switch (t) {
    case 1:
      return "FLOAT";
    case 2:
      return "UINT8";
    case 3:
      return "INT8";
    case 4:
      return "UINT16";
    case 5:
      return "INT16";
    case 6:
      return "INT32";
    case 7:
      return "INT64";
    case 8:
      return "STRING";
    case 9:
      return "BOOL";
    case 10:
      return "FLOAT16";
    case 11:
      return "DOUBLE";
    case 12:
      return "UINT32";
    case 13:
      return "UINT64";
    case 16:
      return "BFLOAT16";
    default:
      return "data type " + std::to_string(t);
  }
}

std::int64_t Tensor::size() const {
  std::int64_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

std::string Node::describe() const {
  std::string s = "'" + name + "' (" + op_type + ", inputs: ";
  for (std::size_t i = 0; i < inputs.size(); ++i) s += (i ? ", " : "") + (inputs[i].empty() ? "<none>" : inputs[i]);
  if (inputs.empty()) s += "none";
  return s + ")";
}

}  // namespace memcosim::nn::onnx
