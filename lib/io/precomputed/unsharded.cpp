#include "io/precomputed/unsharded.hpp"

#include "io/precomputed/compression.hpp"

namespace dflow::precomputed {

std::string chunk_name(const Box& b) {
  return fmt::format("{}-{}_{}-{}_{}-{}", b.lo.x, b.hi.x, b.lo.y, b.hi.y, b.lo.z, b.hi.z);
}

std::optional<std::vector<std::byte>> read_unsharded_chunk(const kv::KvStore& store, const Scale& scale, DType dtype,
                                                           const Box& chunk_box, std::string* where_out) {
  const std::string name = chunk_name(chunk_box);
  if (auto bytes = store.get(name)) {
    const std::string where = store.describe(name);
    if (where_out) *where_out = where;
    const bool exact_raw = scale.encoding == Encoding::raw &&
                           bytes->size() == static_cast<size_t>(chunk_box.volume()) * dtype_size(dtype);
    if (!exact_raw && looks_gzipped(*bytes)) return gunzip(*bytes, "precomputed: " + where);
    return bytes;
  }
  if (auto bytes = store.get(name + ".gz")) {
    const std::string where = store.describe(name + ".gz");
    if (where_out) *where_out = where;
    return gunzip(*bytes, "precomputed: " + where);
  }
  return std::nullopt;
}

}  // namespace dflow::precomputed
