#include "codec/gzip.hpp"

#include <climits>
#include <cstring>
#include <memory>

#include <libdeflate.h>
#include <zlib.h>

#include "core/error.hpp"

namespace dflow::gzip {
namespace {

struct DecompressorFree {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};
struct CompressorFree {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

// libdeflate (de)compressors are not thread-safe but are expensive to allocate, so each thread
// keeps its own.
libdeflate_decompressor* thread_decompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorFree> d(libdeflate_alloc_decompressor());
  if (!d) fail("gzip: out of memory allocating a decompressor");
  return d.get();
}

libdeflate_compressor* thread_compressor(int level) {
  thread_local std::unique_ptr<libdeflate_compressor, CompressorFree> c[13];
  if (!c[level]) c[level].reset(libdeflate_alloc_compressor(level));
  if (!c[level]) fail("gzip: cannot create a compressor for level {}", level);
  return c[level].get();
}

// Whole-buffer decode; true only if the stream filled `out` exactly and used all of the input.
bool libdeflate_exact(std::span<const std::byte> in, Format format, std::span<std::byte> out) {
  libdeflate_decompressor* d = thread_decompressor();
  size_t used = 0;
  libdeflate_result r = LIBDEFLATE_BAD_DATA;
  switch (format) {
    case Format::gzip:
      r = libdeflate_gzip_decompress_ex(d, in.data(), in.size(), out.data(), out.size(), &used, nullptr);
      break;
    case Format::zlib:
      r = libdeflate_zlib_decompress_ex(d, in.data(), in.size(), out.data(), out.size(), &used, nullptr);
      break;
    case Format::raw:
      r = libdeflate_deflate_decompress_ex(d, in.data(), in.size(), out.data(), out.size(), &used, nullptr);
      break;
  }
  return r == LIBDEFLATE_SUCCESS && used == in.size();
}

bool all_zero(std::span<const std::byte> s) {
  for (std::byte b : s)
    if (b != std::byte{0}) return false;
  return true;
}

// zlib's streaming inflate: handles unknown sizes and multi-member gzip, and gives the definitive
// error message when libdeflate refused a stream.
std::vector<std::byte> inflate_stream(std::span<const std::byte> in, Format format, std::optional<size_t> expected) {
  const char* name = format_name(format);
  if (in.size() > UINT_MAX) fail("{}: stream of {} bytes is too large", name, in.size());
  z_stream zs{};
  const int window = format == Format::gzip ? 16 + MAX_WBITS : format == Format::zlib ? MAX_WBITS : -MAX_WBITS;
  if (inflateInit2(&zs, window) != Z_OK) fail("{}: cannot initialise zlib", name);
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&zs};

  std::vector<std::byte> out(expected ? *expected : std::max<size_t>(in.size() * 4, 4096));
  size_t produced = 0;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  for (;;) {
    if (produced == out.size()) {
      if (expected) {
        // One byte of slack tells "exactly expected" apart from "more than expected".
        if (out.size() > *expected) fail("{}: stream decodes to more than the expected {} bytes", name, *expected);
        out.resize(out.size() + 1);
      } else {
        out.resize(out.size() * 2);
      }
    }
    const size_t room = std::min<size_t>(out.size() - produced, UINT_MAX);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(room);
    const int ret = inflate(&zs, Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (ret == Z_STREAM_END) {
      const std::span<const std::byte> rest = in.subspan(in.size() - zs.avail_in);
      if (rest.empty()) break;
      if (format == Format::gzip && rest.size() >= 2 && rest[0] == std::byte{0x1f} && rest[1] == std::byte{0x8b}) {
        inflateReset(&zs);  // next gzip member
        continue;
      }
      if (format == Format::gzip && all_zero(rest)) break;  // zero padding after the last member is common
      fail("{}: corrupt stream ({} unexpected bytes after the end of the compressed data)", name, rest.size());
    }
    if (ret == Z_BUF_ERROR && zs.avail_in == 0)
      fail("{}: truncated stream (input ended after {} bytes, before the end of the compressed data)", name, in.size());
    if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT || ret == Z_STREAM_ERROR)
      fail("{}: corrupt stream ({})", name, zs.msg ? zs.msg : "invalid data");
    if (ret == Z_MEM_ERROR) fail("{}: out of memory", name);
  }
  if (expected && produced > *expected) fail("{}: stream decodes to more than the expected {} bytes", name, *expected);
  if (expected && produced != *expected)
    fail("{}: stream decodes to {} bytes, expected {}", name, produced, *expected);
  out.resize(produced);
  return out;
}

}  // namespace

const char* format_name(Format f) {
  switch (f) {
    case Format::gzip: return "gzip";
    case Format::zlib: return "zlib";
    case Format::raw: return "deflate";
  }
  return "?";
}

Format detect(std::span<const std::byte> in) {
  if (in.size() >= 2) {
    const auto b0 = static_cast<unsigned>(in[0]), b1 = static_cast<unsigned>(in[1]);
    if (b0 == 0x1f && b1 == 0x8b) return Format::gzip;
    if ((b0 & 0x0f) == 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 == 0) return Format::zlib;
  }
  fail("gzip: corrupt stream (neither a gzip nor a zlib header; {} bytes)", in.size());
}

void decompress_into(std::span<const std::byte> in, Format format, std::span<std::byte> out) {
  if (libdeflate_exact(in, format, out)) return;
  std::vector<std::byte> v = inflate_stream(in, format, out.size());
  std::memcpy(out.data(), v.data(), out.size());
}

std::vector<std::byte> decompress(std::span<const std::byte> in, Format format, std::optional<size_t> expected_size) {
  if (expected_size) {
    std::vector<std::byte> out(*expected_size);
    decompress_into(in, format, out);
    return out;
  }
  return inflate_stream(in, format, std::nullopt);
}

std::vector<std::byte> decompress(std::span<const std::byte> in, std::optional<size_t> expected_size) {
  return decompress(in, detect(in), expected_size);
}

std::vector<std::byte> compress(std::span<const std::byte> in, Format format, int level) {
  if (level == -1) level = 6;
  if (level < 0 || level > 12) fail("{}: compression level {} is not in 0..12", format_name(format), level);
  libdeflate_compressor* c = thread_compressor(level);
  size_t bound = 0;
  switch (format) {
    case Format::gzip: bound = libdeflate_gzip_compress_bound(c, in.size()); break;
    case Format::zlib: bound = libdeflate_zlib_compress_bound(c, in.size()); break;
    case Format::raw: bound = libdeflate_deflate_compress_bound(c, in.size()); break;
  }
  std::vector<std::byte> out(bound);
  size_t n = 0;
  switch (format) {
    case Format::gzip: n = libdeflate_gzip_compress(c, in.data(), in.size(), out.data(), out.size()); break;
    case Format::zlib: n = libdeflate_zlib_compress(c, in.data(), in.size(), out.data(), out.size()); break;
    case Format::raw: n = libdeflate_deflate_compress(c, in.data(), in.size(), out.data(), out.size()); break;
  }
  if (n == 0) fail("{}: compression of {} bytes failed", format_name(format), in.size());
  out.resize(n);
  return out;
}

}  // namespace dflow::gzip
