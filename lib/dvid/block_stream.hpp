#pragma once
// The labelmap block stream (POST /blocks, POST /ingest-supervoxels, GET /blocks, GET /specificblocks):
// a concatenation of records
//   int32 bx, by, bz   block coordinate (in blocks, at the request's scale), little-endian
//   int32 nbytes       payload length (> 0)
//   nbytes             payload: for POSTs, gzip of one DVID compressed label block
#include <cstdint>
#include <span>
#include <vector>

#include "core/geometry.hpp"

namespace dflow::dvid {

struct BlockRecord {
  Vec3 coord;                          // block coordinate
  std::span<const std::byte> payload;  // view into the stream
};

void append_block_record(std::vector<std::byte>& stream, const Vec3& coord, std::span<const std::byte> payload);
// Validates record boundaries; a truncated stream is an error naming the offset.
std::vector<BlockRecord> parse_block_stream(std::span<const std::byte> stream);

}  // namespace dflow::dvid
