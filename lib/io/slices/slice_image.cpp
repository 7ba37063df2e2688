#include "io/slices/slice_image.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/error.hpp"

namespace dflow {

std::unique_ptr<SliceImage> open_slice_image(const std::filesystem::path& path) {
  std::array<unsigned char, 8> magic{};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("slices: {}: cannot open: {}", path.string(), std::strerror(errno));
    in.read(reinterpret_cast<char*>(magic.data()), magic.size());
    if (in.gcount() < 4) fail("slices: {}: file is too short to be an image ({} bytes)", path.string(), in.gcount());
  }
  static constexpr std::array<unsigned char, 8> png_sig{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (magic == png_sig) return open_png_slice(path);
  // Classic TIFF (42) and BigTIFF (43), either byte order.
  const bool le = magic[0] == 'I' && magic[1] == 'I' && (magic[2] == 42 || magic[2] == 43) && magic[3] == 0;
  const bool be = magic[0] == 'M' && magic[1] == 'M' && magic[2] == 0 && (magic[3] == 42 || magic[3] == 43);
  if (le || be) return open_tiff_slice(path);
  fail("slices: {}: not a TIFF or PNG file", path.string());
}

}  // namespace dflow
