#pragma once
// Serialisation of a mesh in the formats flyemflows' vol2mesh writes (Mesh.serialize). An empty mesh
// (no triangles) encodes to 0 bytes in every format, as in the reference.
//   drc:    Draco, as dvidutils' encode_faces_to_drc_bytes: edgebreaker, compression level 7 (speed 3),
//           positions quantised to 14 bits over the mesh's bounding cube, normals (computed here,
//           area-weighted) quantised to 10 bits.
//   ngmesh: neuroglancer's legacy single-resolution fragment: uint32le num_vertices,
//           float32le x,y,z per vertex, then uint32le index triplets to the end.
//   obj:    text, "v x y z" (%.7g) lines then 1-based "f a b c" lines.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "mesh/mesh.hpp"

namespace dflow::mesh {

enum class Format { drc, ngmesh, obj };

// "drc", "ngmesh", "obj" (also the file extension / tarsupervoxels Extension); throws on anything else.
Format parse_format(std::string_view name);
std::string_view format_name(Format f);

struct EncodeOptions {
  int draco_quantization_bits = 14;  // positions
  int draco_normal_bits = 10;
  int draco_compression_level = 7;   // 0..10; Draco speed = 10 - level
  bool draco_normals = true;         // the reference always writes normals
  // Explicit quantisation grid instead of the mesh's bounding cube: positions are quantised to
  // round((v - origin) / range * (2^bits - 1)). neuroglancer_multilod_draco fragments want origin 0 and
  // range 2^bits - 1 with vertices already in integer stored-model units (and no normals), so that the
  // quantised values are the coordinates themselves (precomputed.md 3.3).
  bool draco_explicit_grid = false;
  std::array<float, 3> draco_origin{0, 0, 0};
  float draco_range = 0;
};

std::string encode(const Mesh& m, Format f, const EncodeOptions& opt = {});

// Reads any of the three formats back (normals are ignored; Draco points come back in its own order).
// Throws dflow::Error naming `what` (a file or key) when the bytes are not a valid mesh of that format.
Mesh decode(std::string_view bytes, Format f, std::string_view what = "mesh");

}  // namespace dflow::mesh
