#pragma once
// JPEG via libjpeg(-turbo)'s libjpeg API (Debian ships no turbojpeg.h with libjpeg62-turbo-dev).
// Corrupt input never aborts the process: libjpeg's fatal errors and its "corrupt data" warnings
// both become dflow::Error("jpeg: ...") so truncated chunks are reported, not silently padded.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace dflow::jpeg {

struct Header {
  int width = 0, height = 0, components = 0;
};

// Reads only the header (dimensions and component count).
Header read_header(std::span<const std::byte> data);

// Decodes to interleaved 8-bit samples (rows top to bottom, components interleaved).
// Fails unless the image has width*height == expected_pixels and `expected_components`
// components (1 = grayscale, 3 = RGB); `out` must hold expected_pixels*expected_components bytes.
void decode(std::span<const std::byte> data, size_t expected_pixels, int expected_components,
            std::span<uint8_t> out);

// Encodes width*height pixels of `components` (1 or 3) interleaved 8-bit samples, baseline,
// quality 1..100 (IJG scale).
std::vector<std::byte> encode(const uint8_t* pixels, int width, int height, int components, int quality);

}  // namespace dflow::jpeg
