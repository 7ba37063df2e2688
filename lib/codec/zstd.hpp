#pragma once
// Zstandard frames (one or several concatenated). If the frame header does not record the content
// size, decoding streams. Every failure is a dflow::Error starting with "zstd: ".
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace dflow::zstd {

std::vector<std::byte> decompress(std::span<const std::byte> in, std::optional<size_t> expected_size = std::nullopt);
// The input must decode to exactly out.size() bytes.
void decompress_into(std::span<const std::byte> in, std::span<std::byte> out);
// level: zstd levels (1..22, negative = fast); 0 = zstd's default (3).
std::vector<std::byte> compress(std::span<const std::byte> in, int level = 0);

}  // namespace dflow::zstd
