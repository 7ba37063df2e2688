#pragma once
// Small file helpers with errors that name the path.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <string_view>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dflow {

namespace fs = std::filesystem;

// Whole file as bytes; throws Error("<path>: cannot read: <reason>").
std::vector<std::byte> read_file(const fs::path& path);
// Like read_file, but std::nullopt if the file does not exist (a missing chunk is not an error).
std::optional<std::vector<std::byte>> read_file_if_exists(const fs::path& path);
std::string read_text(const fs::path& path);
// Writes via a temporary name and rename, so a crash never leaves a half-written file behind.
void write_file_atomic(const fs::path& path, std::span<const std::byte> data);
// Atomic and durable: the data, then the rename (its directory), are fsync'd before it returns. For
// results a journal line will vouch for: without the syncs, a node crash can leave a journaled brick
// with no result file.
void write_file_durable(const fs::path& path, std::span<const std::byte> data);
void write_text_atomic(const fs::path& path, const std::string& text);
void fsync_directory(const fs::path& dir);
// Calls fn(line) for every line of `in` (without its '\n'; a last line without one too), reading in
// 4 MiB blocks: the CSV tables this pipeline reads can have billions of rows.
void for_each_line(std::istream& in, const std::function<void(std::string_view)>& fn);

// Endian helpers for binary headers.
inline uint16_t load_be16(const std::byte* p) { return uint16_t(uint16_t(p[0]) << 8 | uint16_t(p[1])); }
inline uint32_t load_be32(const std::byte* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}
inline uint32_t load_le32(const std::byte* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline uint64_t load_le64(const std::byte* p) { return uint64_t(load_le32(p)) | uint64_t(load_le32(p + 4)) << 32; }
inline void store_be16(std::byte* p, uint16_t v) { p[0] = std::byte(v >> 8); p[1] = std::byte(v); }
inline void store_be32(std::byte* p, uint32_t v) {
  p[0] = std::byte(v >> 24); p[1] = std::byte(v >> 16); p[2] = std::byte(v >> 8); p[3] = std::byte(v);
}
inline void store_le32(std::byte* p, uint32_t v) {
  p[0] = std::byte(v); p[1] = std::byte(v >> 8); p[2] = std::byte(v >> 16); p[3] = std::byte(v >> 24);
}
inline void store_le64(std::byte* p, uint64_t v) { store_le32(p, uint32_t(v)); store_le32(p + 4, uint32_t(v >> 32)); }

// In-place byte swap of `count` elements of `elem` bytes (N5 stores big-endian).
void byteswap_inplace(std::byte* data, size_t count, size_t elem);

}  // namespace dflow
