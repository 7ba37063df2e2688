#include "codec/zstd.hpp"

#include <cstring>
#include <memory>

#include <zstd.h>
#include <zstd_errors.h>

#include "core/error.hpp"

namespace dflow::zstd {
namespace {

struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};
struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

// Contexts are not thread-safe but are worth reusing: one per thread.
ZSTD_DCtx* thread_dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> c(ZSTD_createDCtx());
  if (!c) fail("zstd: out of memory allocating a decompression context");
  ZSTD_DCtx_reset(c.get(), ZSTD_reset_session_and_parameters);
  return c.get();
}

ZSTD_CCtx* thread_cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> c(ZSTD_createCCtx());
  if (!c) fail("zstd: out of memory allocating a compression context");
  ZSTD_CCtx_reset(c.get(), ZSTD_reset_session_and_parameters);
  return c.get();
}

// Streaming decode for frames that do not record their content size (or whose size we must not
// trust); stops with an error as soon as the output would exceed `limit`.
std::vector<std::byte> decompress_stream(std::span<const std::byte> in, std::optional<size_t> limit) {
  ZSTD_DCtx* d = thread_dctx();
  std::vector<std::byte> out(limit ? *limit + 1 : std::max<size_t>(in.size() * 4, 4096));
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t produced = 0;
  size_t ret = 1;
  while (ib.pos < ib.size || ret != 0) {
    if (produced == out.size()) {
      if (limit) fail("zstd: stream decodes to more than the expected {} bytes", *limit);
      out.resize(out.size() * 2);
    }
    ZSTD_outBuffer ob{out.data() + produced, out.size() - produced, 0};
    ret = ZSTD_decompressStream(d, &ob, &ib);
    if (ZSTD_isError(ret)) fail("zstd: corrupt stream ({})", ZSTD_getErrorName(ret));
    produced += ob.pos;
    // All input used, room left in the output, frame unfinished: the decoder is waiting for more.
    if (ret != 0 && ib.pos == ib.size && ob.pos < ob.size)
      fail("zstd: truncated stream (input ended after {} bytes, before the end of the frame)", in.size());
  }
  if (limit && produced > *limit) fail("zstd: stream decodes to more than the expected {} bytes", *limit);
  out.resize(produced);
  return out;
}

}  // namespace

void decompress_into(std::span<const std::byte> in, std::span<std::byte> out) {
  const unsigned long long content = ZSTD_getFrameContentSize(in.data(), in.size());
  if (content == ZSTD_CONTENTSIZE_ERROR) fail("zstd: corrupt stream (not a zstd frame; {} bytes)", in.size());
  if (content == ZSTD_CONTENTSIZE_UNKNOWN) {
    std::vector<std::byte> v = decompress_stream(in, out.size());
    if (v.size() != out.size()) fail("zstd: stream decodes to {} bytes, expected {}", v.size(), out.size());
    std::memcpy(out.data(), v.data(), v.size());
    return;
  }
  // One-shot decode; handles concatenated frames and checks the output bound itself.
  const size_t n = ZSTD_decompressDCtx(thread_dctx(), out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n)) {
    if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
      fail("zstd: stream decodes to more than the expected {} bytes", out.size());
    if (ZSTD_getErrorCode(n) == ZSTD_error_srcSize_wrong)
      fail("zstd: truncated or corrupt stream ({}; {} input bytes)", ZSTD_getErrorName(n), in.size());
    fail("zstd: corrupt stream ({})", ZSTD_getErrorName(n));
  }
  if (n != out.size()) fail("zstd: stream decodes to {} bytes, expected {}", n, out.size());
}

std::vector<std::byte> decompress(std::span<const std::byte> in, std::optional<size_t> expected_size) {
  if (expected_size) {
    std::vector<std::byte> out(*expected_size);
    decompress_into(in, out);
    return out;
  }
  return decompress_stream(in, std::nullopt);
}

std::vector<std::byte> compress(std::span<const std::byte> in, int level) {
  if (level == 0) level = ZSTD_CLEVEL_DEFAULT;
  if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
    fail("zstd: compression level {} is not in {}..{}", level, ZSTD_minCLevel(), ZSTD_maxCLevel());
  std::vector<std::byte> out(ZSTD_compressBound(in.size()));
  const size_t n = ZSTD_compressCCtx(thread_cctx(), out.data(), out.size(), in.data(), in.size(), level);
  if (ZSTD_isError(n)) fail("zstd: compression of {} bytes failed ({})", in.size(), ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

}  // namespace dflow::zstd
