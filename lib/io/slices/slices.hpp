#pragma once
// Stacks of 2-D TIFF or PNG images, one file per z. The path is a Python str.format pattern with one
// integer field, e.g. "/data/z{:05d}.png" (as flyemflows' slice-path-format; see path_format.hpp for
// the accepted field forms; '%' patterns are rejected).
//
// Extent: every existing file whose name the pattern could have produced for some integer z (the
// number must round-trip through the format, so "z3.png" does not count for "z{:05d}.png");
// z = [min, max+1) and a gap in the numbering is an error naming the first missing file. Width,
// height and pixel type come from the first slice; every slice read is checked against them.
//
// Pixel types: 8- and 16-bit single-channel grayscale, read as uint8 / uint16.
//  - TIFF: strips or tiles, any compression libtiff decodes (none, LZW, deflate, PackBits, ...),
//    either byte order, one page per file.
//  - PNG: bit depth 8 or 16 (16-bit samples are big-endian on disk and returned in native order).
// Unlike flyemflows, which passes every slice through PIL's convert("L") (so 16-bit data would be
// clipped to 8 bits), the native type is kept; a stage that needs uint8 rejects uint16 input through
// VolumeReader::read_as. RGB, palette, grey+alpha and signed/float images are rejected by name.
//
// read(box) opens only the slices of the box's z-range and caches nothing; concurrent reads are safe.
#include <memory>
#include <string>

#include "io/volume.hpp"

namespace dflow {

// xy_offset: global x,y of pixel (0,0) (flyemflows' slice-xy-offset); z comes from the file numbers.
std::unique_ptr<VolumeReader> open_slices(const std::string& path_format, int64_t x_offset = 0, int64_t y_offset = 0);

}  // namespace dflow
