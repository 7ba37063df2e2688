#include "codec/compressor.hpp"

#include <cstring>

#include "codec/gzip.hpp"
#include "codec/zstd.hpp"
#include "core/error.hpp"

namespace dflow {

std::string Compressor::name() const {
  switch (kind) {
    case Kind::raw: return "raw";
    case Kind::gzip: return "gzip";
    case Kind::zlib: return "zlib";
    case Kind::zstd: return "zstd";
    case Kind::blosc: return "blosc-" + blosc.cname;
  }
  return "?";
}

void Compressor::decompress_into(std::span<const std::byte> in, std::span<std::byte> out) const {
  switch (kind) {
    case Kind::raw:
      if (in.size() < out.size()) fail("raw: truncated data ({} bytes, expected {})", in.size(), out.size());
      if (in.size() > out.size()) fail("raw: {} bytes of data, expected {}", in.size(), out.size());
      if (!out.empty()) std::memcpy(out.data(), in.data(), out.size());
      return;
    case Kind::gzip:
    case Kind::zlib:
      gzip::decompress_into(in, gzip::detect(in), out);
      return;
    case Kind::zstd:
      zstd::decompress_into(in, out);
      return;
    case Kind::blosc:
      blosc::decompress_into(in, out);
      return;
  }
}

std::vector<std::byte> Compressor::compress(std::span<const std::byte> in) const {
  switch (kind) {
    case Kind::raw: return {in.begin(), in.end()};
    case Kind::gzip: return gzip::compress(in, gzip::Format::gzip, level);
    case Kind::zlib: return gzip::compress(in, gzip::Format::zlib, level);
    case Kind::zstd: return zstd::compress(in, level == -1 ? 0 : level);
    case Kind::blosc: return blosc::compress(in, blosc);
  }
  return {};
}

}  // namespace dflow
