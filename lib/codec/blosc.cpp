#include "codec/blosc.hpp"

#include <blosc.h>

#include "core/error.hpp"

namespace dflow::blosc {

FrameInfo frame_info(std::span<const std::byte> in) {
  if (in.size() < BLOSC_MIN_HEADER_LENGTH)
    fail("blosc: truncated frame ({} bytes, the header alone needs {})", in.size(), BLOSC_MIN_HEADER_LENGTH);
  size_t nbytes = 0, cbytes = 0, blocksize = 0;
  // Checks the header's sizes against the buffer before anything trusts them.
  if (blosc_cbuffer_validate(in.data(), in.size(), &nbytes) != 0) {
    blosc_cbuffer_sizes(in.data(), &nbytes, &cbytes, &blocksize);
    if (cbytes > in.size()) fail("blosc: truncated frame (header says {} bytes, got {})", cbytes, in.size());
    fail("blosc: corrupt frame header (sizes nbytes={} cbytes={} do not fit a {}-byte buffer)", nbytes, cbytes, in.size());
  }
  blosc_cbuffer_sizes(in.data(), &nbytes, &cbytes, &blocksize);
  if (cbytes > in.size()) fail("blosc: truncated frame (header says {} bytes, got {})", cbytes, in.size());
  return {nbytes, cbytes, blocksize};
}

void decompress_into(std::span<const std::byte> in, std::span<std::byte> out) {
  const FrameInfo info = frame_info(in);
  if (info.nbytes != out.size()) fail("blosc: frame decodes to {} bytes, expected {}", info.nbytes, out.size());
  if (out.empty()) return;
  const int n = blosc_decompress_ctx(in.data(), out.data(), out.size(), 1);
  if (n < 0) fail("blosc: corrupt frame (decompression error {})", n);
  if (static_cast<size_t>(n) != out.size()) fail("blosc: corrupt frame (decoded {} of {} bytes)", n, out.size());
}

std::vector<std::byte> decompress(std::span<const std::byte> in) {
  std::vector<std::byte> out(frame_info(in).nbytes);
  decompress_into(in, out);
  return out;
}

std::vector<std::byte> compress(std::span<const std::byte> in, const Options& o) {
  const char* cname = o.cname.c_str();
  if (blosc_compname_to_compcode(cname) < 0)
    fail("blosc: compressor '{}' is not available (lz4, lz4hc, zstd, zlib, blosclz)", o.cname);
  if (o.clevel < 0 || o.clevel > 9) fail("blosc: clevel {} is not in 0..9", o.clevel);
  if (o.shuffle < 0 || o.shuffle > 2) fail("blosc: shuffle {} is not 0, 1 or 2", o.shuffle);
  if (in.size() > BLOSC_MAX_BUFFERSIZE) fail("blosc: {} bytes exceed blosc's buffer limit", in.size());
  std::vector<std::byte> out(in.size() + BLOSC_MAX_OVERHEAD);
  const int n = blosc_compress_ctx(o.clevel, o.shuffle, o.typesize, in.size(), in.data(), out.data(), out.size(), cname,
                                   o.blocksize, 1);
  if (n <= 0) fail("blosc: compression of {} bytes with {} failed ({})", in.size(), o.cname, n);
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace dflow::blosc
