#pragma once
// c-blosc 1.x frames (as written by numcodecs.Blosc, tensorstore and n5-blosc), through the
// context API (blosc_*_ctx), which keeps no global state and is safe from many threads at once.
// Every failure is a dflow::Error starting with "blosc: ".
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace dflow::blosc {

// Sizes from a frame header, validated against the buffer length.
struct FrameInfo {
  size_t nbytes = 0;     // decompressed size
  size_t cbytes = 0;     // compressed size including the header
  size_t blocksize = 0;
};
FrameInfo frame_info(std::span<const std::byte> in);

std::vector<std::byte> decompress(std::span<const std::byte> in);
// The frame must decode to exactly out.size() bytes.
void decompress_into(std::span<const std::byte> in, std::span<std::byte> out);

struct Options {
  std::string cname = "lz4";  // lz4 | lz4hc | zstd | zlib | blosclz
  int clevel = 5;             // 0..9
  int shuffle = 1;            // 0 none, 1 byte shuffle, 2 bit shuffle
  size_t typesize = 1;        // element size the shuffle works on
  size_t blocksize = 0;       // 0 = automatic
};
std::vector<std::byte> compress(std::span<const std::byte> in, const Options& options);

}  // namespace dflow::blosc
