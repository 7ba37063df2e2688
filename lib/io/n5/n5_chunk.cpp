#include "io/n5/n5_chunk.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

namespace dflow::n5 {

Vec3 decode_chunk(std::span<const std::byte> file, const Metadata& m, std::vector<std::byte>& out) {
  if (file.size() < 4) fail("is truncated (header needs at least 4 bytes, file has {})", file.size());
  const uint16_t mode = load_be16(file.data());
  const uint16_t ndim = load_be16(file.data() + 2);
  if (mode == 2) fail("uses N5 object mode (2), which holds no array data");
  if (mode > 2) fail("has an unknown N5 chunk mode {} (corrupt header?)", mode);
  if (ndim != 3) fail("header has {} dimensions, the dataset has 3 (corrupt header?)", ndim);
  const size_t header = 4 + 4 * size_t{ndim} + (mode == 1 ? 4 : 0);
  if (file.size() < header) fail("is truncated (header needs {} bytes, file has {})", header, file.size());
  Vec3 size;
  for (int i = 0; i < 3; ++i) size[i] = load_be32(file.data() + 4 + 4 * i);
  if (size.x > m.chunk.x || size.y > m.chunk.y || size.z > m.chunk.z)
    fail("header block size {} exceeds the dataset's blockSize {} (corrupt header?)", size, m.chunk);
  const size_t count = static_cast<size_t>(size.prod());
  if (mode == 1) {
    const uint32_t n = load_be32(file.data() + 4 + 4 * ndim);
    if (n != count) fail("varlength header says {} elements, block size {} needs {}", n, size, count);
  }
  out.resize(count * dtype_size(m.dtype));
  try {
    m.compressor.decompress_into(file.subspan(header), out);
  } catch (const Error& e) {
    fail("is corrupt: {}", e.what());
  }
  return size;
}

std::vector<std::byte> encode_chunk(std::span<const std::byte> big_endian, const Vec3& size, const Metadata& m) {
  std::vector<std::byte> payload = m.compressor.compress(big_endian);
  std::vector<std::byte> file(16 + payload.size());
  store_be16(file.data(), 0);
  store_be16(file.data() + 2, 3);
  for (int i = 0; i < 3; ++i) store_be32(file.data() + 4 + 4 * i, static_cast<uint32_t>(size[i]));
  std::copy(payload.begin(), payload.end(), file.begin() + 16);
  return file;
}

}  // namespace dflow::n5
