#include "io/precomputed/unsharded.hpp"

#include "core/files.hpp"
#include "io/precomputed/compression.hpp"

namespace dflow::precomputed {

std::string chunk_name(const Box& b) {
  return fmt::format("{}-{}_{}-{}_{}-{}", b.lo.x, b.hi.x, b.lo.y, b.hi.y, b.lo.z, b.hi.z);
}

std::optional<std::vector<std::byte>> read_unsharded_chunk(const std::filesystem::path& scale_dir, const Scale& scale,
                                                           DType dtype, const Box& chunk_box,
                                                           std::filesystem::path* path_out) {
  const std::filesystem::path plain = scale_dir / chunk_name(chunk_box);
  if (auto bytes = read_file_if_exists(plain)) {
    if (path_out) *path_out = plain;
    // A raw chunk of exactly the expected size is raw even if its first bytes happen to be 1f 8b;
    // cseg starts with a small channel count and jpeg with ff d8, so for them the magic is decisive.
    const bool exact_raw = scale.encoding == Encoding::raw &&
                           bytes->size() == static_cast<size_t>(chunk_box.volume()) * dtype_size(dtype);
    if (!exact_raw && looks_gzipped(*bytes)) return gunzip(*bytes, "precomputed: " + plain.string());
    return bytes;
  }
  const std::filesystem::path gz = scale_dir / (chunk_name(chunk_box) + ".gz");
  if (auto bytes = read_file_if_exists(gz)) {
    if (path_out) *path_out = gz;
    return gunzip(*bytes, "precomputed: " + gz.string());
  }
  return std::nullopt;
}

}  // namespace dflow::precomputed
