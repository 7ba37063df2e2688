#pragma once
// gzip handling for precomputed: CloudFiles stores gzip'd chunks (with a ".gz" suffix on file://),
// and sharded scales may gzip minishard indexes and chunk data.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace dflow::precomputed {

// True if `data` starts with the gzip magic bytes 1f 8b.
bool looks_gzipped(std::span<const std::byte> data);
// Inflates a whole gzip (or zlib) stream with codec/gzip.hpp; errors name `where`.
std::vector<std::byte> gunzip(std::span<const std::byte> data, const std::string& where);

}  // namespace dflow::precomputed
