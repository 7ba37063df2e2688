#pragma once
// Label-index block keys (DVID datatype/common/labels/index.go EncodeBlockIndex): three 21-bit
// sign-magnitude fields, x in bits 0-20, y in 21-41, z in 42-62; bit 20 of each field is its sign.
// Not two's complement: x = -1 encodes as 0x100001. neuclease's decoder differs for negatives; we follow DVID.
#include <cstdint>

#include "core/error.hpp"
#include "core/geometry.hpp"

namespace dflow::dvid {

constexpr int64_t kMaxBlockCoord = (1 << 20) - 1;

inline uint64_t encode_block_index(int64_t bx, int64_t by, int64_t bz) {
  auto field = [](int64_t v, const char* axis) -> uint64_t {
    const uint64_t mag = static_cast<uint64_t>(v < 0 ? -v : v);
    if (mag > kMaxBlockCoord) fail("label index: block coordinate {}={} does not fit DVID's 20-bit magnitude", axis, v);
    return mag | (v < 0 ? (1ull << 20) : 0);
  };
  return field(bz, "z") << 42 | field(by, "y") << 21 | field(bx, "x");
}

inline Vec3 decode_block_index(uint64_t key) {
  auto field = [](uint64_t f) -> int64_t {
    const int64_t mag = static_cast<int64_t>(f & kMaxBlockCoord);
    return (f & (1ull << 20)) ? -mag : mag;
  };
  return {field(key & 0x1FFFFF), field((key >> 21) & 0x1FFFFF), field((key >> 42) & 0x1FFFFF)};
}

}  // namespace dflow::dvid
