#pragma once
// The two block files bench_codec and bench/go-labels exchange (little-endian throughout):
//   raw     "DFCBRAW1", then per block: u32 name length, name, u32 nx, ny, nz, nx*ny*nz uint64 labels
//           (z-major, x fastest)
//   encoded "DFCBENC1", then per block: u32 name length, name, u32 nbytes, one DVID compressed block
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/geometry.hpp"

namespace dflow::bench {

struct RawBlock {
  std::string name;
  Vec3 shape;
  std::vector<uint64_t> labels;
};

struct EncodedBlock {
  std::string name;
  std::vector<std::byte> data;
};

namespace detail {

inline void put_u32(std::vector<std::byte>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(std::byte((v >> (8 * i)) & 0xff));
}
inline void put_bytes(std::vector<std::byte>& out, const void* p, size_t n) {
  const auto* b = static_cast<const std::byte*>(p);
  out.insert(out.end(), b, b + n);
}

class Cursor {
 public:
  Cursor(std::span<const std::byte> d, std::string path) : d_(d), path_(std::move(path)) {}
  bool done() const { return at_ == d_.size(); }
  const std::byte* take(size_t n) {
    if (d_.size() - at_ < n) fail("{}: truncated at byte {}", path_, at_);
    const std::byte* p = d_.data() + at_;
    at_ += n;
    return p;
  }
  uint32_t u32() {
    uint32_t v;
    std::memcpy(&v, take(4), 4);
    return v;  // little-endian host (x86-64, as the whole project assumes)
  }
  std::string name() {
    const uint32_t n = u32();
    const auto* p = take(n);
    return std::string(reinterpret_cast<const char*>(p), n);
  }

 private:
  std::span<const std::byte> d_;
  std::string path_;
  size_t at_ = 0;
};

inline Cursor open_with_magic(const std::vector<std::byte>& data, const std::filesystem::path& path, const char* magic) {
  if (data.size() < 8 || std::memcmp(data.data(), magic, 8) != 0) fail("{}: not a {} file", path.string(), magic);
  Cursor c(data, path.string());
  c.take(8);
  return c;
}

}  // namespace detail

inline void write_raw_blocks(const std::filesystem::path& path, const std::vector<RawBlock>& blocks) {
  std::vector<std::byte> out;
  detail::put_bytes(out, "DFCBRAW1", 8);
  for (const auto& b : blocks) {
    detail::put_u32(out, uint32_t(b.name.size()));
    detail::put_bytes(out, b.name.data(), b.name.size());
    for (int a = 0; a < 3; ++a) detail::put_u32(out, uint32_t(b.shape[a]));
    detail::put_bytes(out, b.labels.data(), b.labels.size() * sizeof(uint64_t));
  }
  write_file_atomic(path, out);
}

inline std::vector<RawBlock> read_raw_blocks(const std::filesystem::path& path) {
  const auto data = read_file(path);
  auto c = detail::open_with_magic(data, path, "DFCBRAW1");
  std::vector<RawBlock> out;
  while (!c.done()) {
    RawBlock b;
    b.name = c.name();
    for (int a = 0; a < 3; ++a) b.shape[a] = c.u32();
    b.labels.resize(size_t(b.shape.prod()));
    std::memcpy(b.labels.data(), c.take(b.labels.size() * 8), b.labels.size() * 8);
    out.push_back(std::move(b));
  }
  return out;
}

inline void write_encoded_blocks(const std::filesystem::path& path, const std::vector<EncodedBlock>& blocks) {
  std::vector<std::byte> out;
  detail::put_bytes(out, "DFCBENC1", 8);
  for (const auto& b : blocks) {
    detail::put_u32(out, uint32_t(b.name.size()));
    detail::put_bytes(out, b.name.data(), b.name.size());
    detail::put_u32(out, uint32_t(b.data.size()));
    detail::put_bytes(out, b.data.data(), b.data.size());
  }
  write_file_atomic(path, out);
}

inline std::vector<EncodedBlock> read_encoded_blocks(const std::filesystem::path& path) {
  const auto data = read_file(path);
  auto c = detail::open_with_magic(data, path, "DFCBENC1");
  std::vector<EncodedBlock> out;
  while (!c.done()) {
    EncodedBlock b;
    b.name = c.name();
    const uint32_t n = c.u32();
    const auto* p = c.take(n);
    b.data.assign(p, p + n);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace dflow::bench
