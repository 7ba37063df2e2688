#pragma once
// The chunk compressors N5 and Zarr v2 share, described independently of either format's JSON
// (n5_metadata.cpp and zarr_metadata.cpp translate their own spellings into this).
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "codec/blosc.hpp"

namespace dflow {

struct Compressor {
  enum class Kind { raw, gzip, zlib, zstd, blosc };
  Kind kind = Kind::raw;
  int level = -1;        // gzip/zlib: -1 = 6; zstd: 0 = 3
  blosc::Options blosc;  // kind == blosc only

  // "raw", "gzip", "zlib", "zstd", "blosc-lz4" ...
  std::string name() const;
  // Decodes a whole compressed chunk to exactly out.size() bytes (raw: copies, sizes must match).
  // gzip and zlib streams are told apart by their headers, whichever of the two the metadata said.
  void decompress_into(std::span<const std::byte> in, std::span<std::byte> out) const;
  std::vector<std::byte> compress(std::span<const std::byte> in) const;

  friend bool operator==(const Compressor& a, const Compressor& b) {
    if (a.kind != b.kind) return false;
    if (a.kind == Kind::blosc)
      return a.blosc.cname == b.blosc.cname && a.blosc.clevel == b.blosc.clevel && a.blosc.shuffle == b.blosc.shuffle;
    return a.kind == Kind::raw || a.level == b.level;
  }
};

}  // namespace dflow
