#pragma once
// Stacks of 2-D TIFF or PNG images, one file per z. The path is a Python str.format pattern with one
// integer field, e.g. "/data/z{:05d}.png" (as flyemflows' slice-path-format).
#include <memory>
#include <string>

#include "io/volume.hpp"

namespace dflow {

// xy_offset: global x,y of pixel (0,0) (flyemflows' slice-xy-offset); z comes from the file numbers.
std::unique_ptr<VolumeReader> open_slices(const std::string& path_format, int64_t x_offset = 0, int64_t y_offset = 0);

}  // namespace dflow
