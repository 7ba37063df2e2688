#pragma once
// Just enough of NumPy's .npy format (numpy/lib/format.py, versions 1.0-3.0) to read a mapping:
//   "\x93NUMPY", major, minor, header length (uint16 LE for 1.x, uint32 LE for 2.x/3.x),
//   a Python dict literal {'descr': ..., 'fortran_order': bool, 'shape': (...)}, then the raw data.
// Accepted: an (N,2) integer array in C or Fortran order (column 0 = supervoxel, 1 = body), or a 1-D
// structured array with integer fields 'segment_id' and 'body_id' (other fields ignored). Integers of
// 1, 2, 4 or 8 bytes, either byte order; negative values are rejected.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "labelindex/mapping.hpp"

namespace dflow::labelindex {

struct NpyField {
  std::string name;
  char kind = 0;        // 'u' or 'i' (anything else is kept for the error message)
  int size = 0;         // bytes
  bool big_endian = false;
  size_t offset = 0;    // within one item
  std::string type;     // the type string of a structured field as written ('<u8', '<f4', ...)
};

struct NpyHeader {
  int major = 0, minor = 0;
  bool fortran_order = false;
  std::vector<uint64_t> shape;
  bool structured = false;
  std::vector<NpyField> fields;  // one unnamed field for a plain array
  size_t itemsize = 0;
  size_t data_offset = 0;        // bytes from the file start to the data
};

// Parses the preamble and header dict from the first bytes of a file (at least the whole header).
NpyHeader parse_npy_header(std::span<const std::byte> head, const std::string& name);
// Opens `path` and parses its header; `in` is left open for reading the data (at data_offset).
NpyHeader read_npy_header(const std::filesystem::path& path, std::ifstream& in);

// The (supervoxel, body) rows in file order. Errors name the file and, for bad values, the row.
std::vector<SvBody> read_npy_mapping(const std::filesystem::path& path);

}  // namespace dflow::labelindex
