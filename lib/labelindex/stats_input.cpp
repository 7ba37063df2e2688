#include "labelindex/stats_input.hpp"

#include <algorithm>

namespace dflow::labelindex {

// lib/stats offers only a whole-table read today, so the table is held once (24 bytes per row) while
// it is converted; everything after that (the sort) stays within the memory budget. A ranged read
// (rows [first, first+count)) in lib/stats would make this a true streaming reader with no other
// change to the stage.
StatsInput::StatsInput(std::filesystem::path path)
    : path_(std::move(path)), table_(stats::read_block_stats_h5(path_)), rows_(table_.size()) {}

StatsInput::~StatsInput() = default;

void StatsInput::for_each_chunk(uint64_t chunk_rows,
                                const std::function<void(std::span<const stats::BlockStat>, uint64_t)>& fn) {
  chunk_rows = std::max<uint64_t>(chunk_rows, 1);
  for (uint64_t first = 0; first < table_.size(); first += chunk_rows) {
    const uint64_t n = std::min<uint64_t>(chunk_rows, table_.size() - first);
    fn(std::span<const stats::BlockStat>(table_.data() + first, n), first);
  }
  // Converted: give the memory back before the merge and the posting.
  std::vector<stats::BlockStat>().swap(table_);
}

}  // namespace dflow::labelindex
