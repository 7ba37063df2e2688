#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace dflow {

enum class DType { uint8, uint16, uint32, uint64, int8, int16, int32, int64, float32, float64 };

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::uint8: case DType::int8: return 1;
    case DType::uint16: case DType::int16: return 2;
    case DType::uint32: case DType::int32: case DType::float32: return 4;
    default: return 8;
  }
}

constexpr std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::uint8: return "uint8";
    case DType::uint16: return "uint16";
    case DType::uint32: return "uint32";
    case DType::uint64: return "uint64";
    case DType::int8: return "int8";
    case DType::int16: return "int16";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
    case DType::float32: return "float32";
    case DType::float64: return "float64";
  }
  return "?";
}

// Parses the names used by N5 ("uint8"), numpy/zarr ("<u8", "|u1") and neuroglancer ("uint64").
DType parse_dtype(std::string_view name);

template <typename T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<uint8_t>() { return DType::uint8; }
template <> constexpr DType dtype_of<uint16_t>() { return DType::uint16; }
template <> constexpr DType dtype_of<uint32_t>() { return DType::uint32; }
template <> constexpr DType dtype_of<uint64_t>() { return DType::uint64; }
template <> constexpr DType dtype_of<int8_t>() { return DType::int8; }
template <> constexpr DType dtype_of<int16_t>() { return DType::int16; }
template <> constexpr DType dtype_of<int32_t>() { return DType::int32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::int64; }
template <> constexpr DType dtype_of<float>() { return DType::float32; }
template <> constexpr DType dtype_of<double>() { return DType::float64; }

}  // namespace dflow
