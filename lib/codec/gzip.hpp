#pragma once
// DEFLATE-family streams: gzip (RFC 1952), zlib (RFC 1950) and raw deflate (RFC 1951).
// Decoding with a known output size uses libdeflate (whole-buffer, fast); otherwise, and whenever
// libdeflate cannot finish the job (multi-member gzip, trailing members), zlib's streaming
// inflate is used. Every failure is a dflow::Error starting with "gzip: " / "zlib: " / "deflate: ".
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace dflow::gzip {

enum class Format { gzip, zlib, raw };

const char* format_name(Format f);  // "gzip", "zlib", "deflate"

// gzip if the stream starts with the magic 1f 8b, zlib if it has a valid zlib header (CM=8, FCHECK);
// anything else is an error (raw deflate has no signature, so it is never guessed).
Format detect(std::span<const std::byte> in);

// Decompresses a whole stream. With `expected_size`, the output must be exactly that long.
std::vector<std::byte> decompress(std::span<const std::byte> in, Format format,
                                  std::optional<size_t> expected_size = std::nullopt);
// Same, with the format detected (gzip or zlib).
std::vector<std::byte> decompress(std::span<const std::byte> in, std::optional<size_t> expected_size = std::nullopt);
// Decompresses into `out`; the stream must decode to exactly out.size() bytes.
void decompress_into(std::span<const std::byte> in, Format format, std::span<std::byte> out);

// level: -1 = default (6), 0 (store) .. 12 (libdeflate's slowest); zlib-compatible output.
std::vector<std::byte> compress(std::span<const std::byte> in, Format format, int level = -1);

}  // namespace dflow::gzip
