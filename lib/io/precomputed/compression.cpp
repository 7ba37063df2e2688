#include "io/precomputed/compression.hpp"

#include "codec/gzip.hpp"
#include "core/error.hpp"

namespace dflow::precomputed {

bool looks_gzipped(std::span<const std::byte> data) {
  return data.size() >= 2 && data[0] == std::byte{0x1f} && data[1] == std::byte{0x8b};
}

std::vector<std::byte> gunzip(std::span<const std::byte> data, const std::string& where) {
  try {
    return gzip::decompress(data);
  } catch (const Error& e) {
    fail("{}: gzip data is corrupt or truncated ({})", where, e.what());
  }
}

}  // namespace dflow::precomputed
