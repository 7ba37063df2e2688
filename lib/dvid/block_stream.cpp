#include "dvid/block_stream.hpp"

#include <limits>

#include "core/error.hpp"
#include "core/files.hpp"

namespace dflow::dvid {

void append_block_record(std::vector<std::byte>& stream, const Vec3& coord, std::span<const std::byte> payload) {
  if (payload.empty() || payload.size() > std::numeric_limits<int32_t>::max())
    fail("block stream: payload of block {} has an invalid size {}", coord, payload.size());
  const size_t at = stream.size();
  stream.resize(at + 16 + payload.size());
  std::byte* p = stream.data() + at;
  store_le32(p, static_cast<uint32_t>(static_cast<int32_t>(coord.x)));
  store_le32(p + 4, static_cast<uint32_t>(static_cast<int32_t>(coord.y)));
  store_le32(p + 8, static_cast<uint32_t>(static_cast<int32_t>(coord.z)));
  store_le32(p + 12, static_cast<uint32_t>(payload.size()));
  std::copy(payload.begin(), payload.end(), p + 16);
}

std::vector<BlockRecord> parse_block_stream(std::span<const std::byte> s) {
  std::vector<BlockRecord> out;
  size_t pos = 0;
  while (pos < s.size()) {
    if (s.size() - pos < 16) fail("block stream: truncated record header at byte {} of {}", pos, s.size());
    const std::byte* p = s.data() + pos;
    const Vec3 c{static_cast<int32_t>(load_le32(p)), static_cast<int32_t>(load_le32(p + 4)), static_cast<int32_t>(load_le32(p + 8))};
    const uint32_t n = load_le32(p + 12);
    if (n == 0) fail("block stream: zero-length block {} at byte {}", c, pos);
    if (s.size() - pos - 16 < n) fail("block stream: block {} at byte {} claims {} bytes, only {} left", c, pos, n, s.size() - pos - 16);
    out.push_back({c, s.subspan(pos + 16, n)});
    pos += 16 + n;
  }
  return out;
}

}  // namespace dflow::dvid
