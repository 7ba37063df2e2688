#pragma once
// Voxel geometry. Every coordinate triple here is explicitly x,y,z (as in configs and DVID URLs);
// arrays are stored z-major with x fastest. Boxes are half-open [lo, hi).
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace dflow {

struct Vec3 {
  int64_t x = 0, y = 0, z = 0;

  constexpr int64_t& operator[](int axis) { return axis == 0 ? x : axis == 1 ? y : z; }
  constexpr int64_t operator[](int axis) const { return axis == 0 ? x : axis == 1 ? y : z; }
  constexpr int64_t prod() const { return x * y * z; }
  constexpr int64_t max() const { return std::max({x, y, z}); }
  constexpr int64_t min() const { return std::min({x, y, z}); }
  friend constexpr bool operator==(const Vec3&, const Vec3&) = default;
  friend constexpr Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
  friend constexpr Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
  friend constexpr Vec3 operator*(Vec3 a, Vec3 b) { return {a.x * b.x, a.y * b.y, a.z * b.z}; }
  friend constexpr Vec3 operator*(Vec3 a, int64_t s) { return {a.x * s, a.y * s, a.z * s}; }
  static constexpr Vec3 fill(int64_t v) { return {v, v, v}; }
};

// Floor division and rounding that are correct for negative coordinates too.
constexpr int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
constexpr int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }
constexpr Vec3 floor_div(Vec3 a, Vec3 b) { return {floor_div(a.x, b.x), floor_div(a.y, b.y), floor_div(a.z, b.z)}; }
constexpr Vec3 ceil_div(Vec3 a, Vec3 b) { return {ceil_div(a.x, b.x), ceil_div(a.y, b.y), ceil_div(a.z, b.z)}; }
constexpr Vec3 vmin(Vec3 a, Vec3 b) { return {std::min(a.x, b.x), std::min(a.y, b.y), std::min(a.z, b.z)}; }
constexpr Vec3 vmax(Vec3 a, Vec3 b) { return {std::max(a.x, b.x), std::max(a.y, b.y), std::max(a.z, b.z)}; }

struct Box {
  Vec3 lo, hi;  // half-open

  constexpr Vec3 shape() const { return hi - lo; }
  constexpr int64_t volume() const { return empty() ? 0 : shape().prod(); }
  constexpr bool empty() const { return hi.x <= lo.x || hi.y <= lo.y || hi.z <= lo.z; }
  constexpr bool contains(const Box& b) const {
    return b.lo.x >= lo.x && b.lo.y >= lo.y && b.lo.z >= lo.z && b.hi.x <= hi.x && b.hi.y <= hi.y && b.hi.z <= hi.z;
  }
  constexpr bool contains(const Vec3& p) const {
    return p.x >= lo.x && p.y >= lo.y && p.z >= lo.z && p.x < hi.x && p.y < hi.y && p.z < hi.z;
  }
  constexpr Box intersect(const Box& b) const { return {vmax(lo, b.lo), vmin(hi, b.hi)}; }
  constexpr Box translate(const Vec3& d) const { return {lo + d, hi + d}; }
  // Smallest box aligned to `grid` (cells starting at multiples of grid) that contains this one.
  constexpr Box round_out(const Vec3& grid) const { return {floor_div(lo, grid) * grid, ceil_div(hi, grid) * grid}; }
  friend constexpr bool operator==(const Box&, const Box&) = default;
};

inline std::string to_string(const Vec3& v) { return fmt::format("[{},{},{}]", v.x, v.y, v.z); }
inline std::string to_string(const Box& b) { return fmt::format("[{},{}]", to_string(b.lo), to_string(b.hi)); }

}  // namespace dflow

template <> struct fmt::formatter<dflow::Vec3> : fmt::formatter<std::string> {
  auto format(const dflow::Vec3& v, format_context& ctx) const { return fmt::formatter<std::string>::format(dflow::to_string(v), ctx); }
};
template <> struct fmt::formatter<dflow::Box> : fmt::formatter<std::string> {
  auto format(const dflow::Box& b, format_context& ctx) const { return fmt::formatter<std::string>::format(dflow::to_string(b), ctx); }
};
