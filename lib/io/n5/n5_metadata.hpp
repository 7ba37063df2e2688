#pragma once
// N5 dataset attributes (attributes.json) <-> our description of the dataset.
//   {"dimensions":[x,y,z], "blockSize":[x,y,z], "dataType":"uint64",
//    "compression":{"type":"gzip","level":-1,"useZlib":false}}
// Also accepted: the pre-1.0 "compressionType":"gzip" spelling; compression types raw, gzip
// (useZlib: zlib streams), zstd, blosc. bzip2, xz and lz4 are refused with a clear error.
#include <string>

#include <nlohmann/json.hpp>

#include "codec/compressor.hpp"
#include "core/dtype.hpp"
#include "core/geometry.hpp"

namespace dflow::n5 {

struct Metadata {
  Vec3 shape;  // x,y,z ("dimensions")
  Vec3 chunk;  // x,y,z ("blockSize")
  DType dtype = DType::uint8;
  Compressor compressor;
};

// `where` names the attributes.json in errors.
Metadata parse_metadata(const nlohmann::json& attrs, const std::string& where);
Compressor parse_compression(const nlohmann::json& attrs, const std::string& where);

// The four dataset keys as N5 writers (n5-java, tensorstore) spell them.
nlohmann::json metadata_to_json(const Metadata& m);
nlohmann::json compression_to_json(const Compressor& c);

// "raw" | "gzip" | "zlib" | "zstd" | "blosc" (= blosc-lz4) | "blosc-<cname>"; level -1 = default.
Compressor compressor_from_name(const std::string& name, int level, DType dtype);

}  // namespace dflow::n5
