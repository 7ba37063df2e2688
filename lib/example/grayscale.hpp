#pragma once
// EM-like grayscale for the example: bright textured cytoplasm, dark membranes (about 4 voxels
// thick) where bodies meet, fainter 2-voxel membranes between supervoxels of the same body, grey
// extracellular background, plus Gaussian-like noise. Pure function of the labels and the mapping.
#include <cstdint>

#include "core/array.hpp"
#include "example/agglomeration.hpp"

namespace dflow::example {

// Grayscale of `region`; `seg` must hold the labels of `region` grown by 2 voxels on every side
// (clipped to `volume`).
Array3<uint8_t> render_grayscale(const Array3<uint64_t>& seg, const Agglomeration& agglo, const Box& region,
                                 const Box& volume, uint64_t seed, int threads);

}  // namespace dflow::example
