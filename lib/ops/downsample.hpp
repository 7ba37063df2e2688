#pragma once
// 2x2x2 pyramid steps.
//  - labels: DVID's rule (datatype/common/labels/compressed.go downresArray): the most frequent
//    NON-ZERO label of each 2x2x2 cube, ties to the smallest id, 0 only if all eight are 0.
//    flyemflows' labels-numba and dvidutils' downsample_labels(suppress_zero) agree with it.
//  - grayscale: flyemflows' block-mean for uint8: uint16 sum of the eight, floor-divided by 8.
// Input shapes must be even on every axis (callers work on whole DVID blocks / aligned bricks);
// the output box is the input box halved.
#include <cstdint>

#include "core/array.hpp"

namespace dflow {

Array3<uint64_t> downsample_labels_2x(const Array3<uint64_t>& in);
// The output box of a 2x step (checks the alignment), and the step for output z-planes
// [z_begin, z_end) only, so callers can split the work across threads.
Box downsampled_box(const Box& in, const char* what);
void downsample_labels_2x_planes(const Array3<uint64_t>& in, Array3<uint64_t>& out, int64_t z_begin, int64_t z_end);
Array3<uint8_t> downsample_mean_2x(const Array3<uint8_t>& in);

// The rule for one cube, exposed for tests.
uint64_t mode_nonzero_smallest(const uint64_t (&v)[8]);

}  // namespace dflow
