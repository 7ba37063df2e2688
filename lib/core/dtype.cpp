#include "core/dtype.hpp"

namespace dflow {

DType parse_dtype(std::string_view name) {
  // numpy typestr: byte-order char, kind, size. Only little-endian or byte-free forms are accepted;
  // big-endian zarr arrays are rejected by the zarr reader itself with a clearer message.
  std::string_view n = name;
  if (!n.empty() && (n[0] == '<' || n[0] == '|' || n[0] == '=')) n.remove_prefix(1);
  if (n == "uint8" || n == "u1") return DType::uint8;
  if (n == "uint16" || n == "u2") return DType::uint16;
  if (n == "uint32" || n == "u4") return DType::uint32;
  if (n == "uint64" || n == "u8") return DType::uint64;
  if (n == "int8" || n == "i1") return DType::int8;
  if (n == "int16" || n == "i2") return DType::int16;
  if (n == "int32" || n == "i4") return DType::int32;
  if (n == "int64" || n == "i8") return DType::int64;
  if (n == "float32" || n == "f4") return DType::float32;
  if (n == "float64" || n == "f8") return DType::float64;
  fail("unsupported data type '{}'", name);
}

}  // namespace dflow
