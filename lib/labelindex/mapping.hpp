#pragma once
// The agglomeration mapping: supervoxel -> body, as flyemflows' ingest_label_indexes reads it
// (AGGLO_MAP_COLUMNS = segment_id, body_id):
//   .csv  first two columns sv,body; a header line is detected (the first non-empty line is a header
//         when neither of its first two fields is an unsigned integer); more columns are ignored
//   .npy  an (N,2) integer array (C or Fortran order), or a 1-D structured array with fields
//         segment_id and body_id (npy.hpp)
// Supervoxels missing from the file are implicitly mapped to themselves. Bad rows (a field that is not
// an unsigned 64-bit integer, a missing column, supervoxel 0, body 0, the same supervoxel mapped to
// two different bodies) are errors naming the file and line ("mapping.csv:12: ...") or, for .npy, the
// row; the same pair listed twice is accepted.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dflow::labelindex {

struct SvBody {
  uint64_t sv = 0, body = 0;
  friend bool operator==(const SvBody&, const SvBody&) = default;
};

class Mapping {
 public:
  static constexpr size_t npos = size_t(-1);
  Mapping() = default;
  // `entries` must be sorted by sv with unique svs (load_mapping guarantees it).
  explicit Mapping(std::vector<SvBody> entries) : entries_(std::move(entries)) {}

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  std::span<const SvBody> entries() const { return entries_; }
  // Position of `sv` in entries(), or npos.
  size_t find(uint64_t sv) const;
  // The body of `sv`: itself when the mapping does not list it.
  uint64_t body_of(uint64_t sv) const {
    const size_t i = find(sv);
    return i == npos ? sv : entries_[i].body;
  }
  // Gives the entries away (e.g. to re-sort them by body for /mappings).
  std::vector<SvBody> release() { return std::move(entries_); }

 private:
  std::vector<SvBody> entries_;
};

// Loads and validates a mapping file (by extension: .npy, anything else is read as CSV).
Mapping load_mapping(const std::filesystem::path& path);

// The CSV rules on text already in memory; `name` is used in error messages.
Mapping parse_mapping_csv(std::string_view text, const std::string& name);

}  // namespace dflow::labelindex
