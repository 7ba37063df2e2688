#include "labelindex/stats_input.hpp"

#include <algorithm>

namespace dflow::labelindex {

// The table is read in chunks straight from the file, so only one chunk of it is in memory at a
// time; what the stage keeps (the sort) stays within its memory budget.
StatsInput::StatsInput(std::filesystem::path path) : path_(std::move(path)), rows_(stats::block_stats_h5_rows(path_)) {}

StatsInput::~StatsInput() = default;

void StatsInput::for_each_chunk(uint64_t chunk_rows,
                                const std::function<void(std::span<const stats::BlockStat>, uint64_t)>& fn) {
  stats::read_block_stats_h5_chunks(path_, chunk_rows, fn);
}

}  // namespace dflow::labelindex
