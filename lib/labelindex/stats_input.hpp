#pragma once
// The block-statistics table as this stage consumes it: in chunks of rows, so the rest of the stage
// never needs the whole table in memory. The file format is read in ONE place, lib/stats
// (read_block_stats_h5_chunks): one chunk of rows is in memory at a time.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>

#include "stats/block_stats.hpp"

namespace dflow::labelindex {

class StatsInput {
 public:
  explicit StatsInput(std::filesystem::path path);
  ~StatsInput();
  StatsInput(const StatsInput&) = delete;
  StatsInput& operator=(const StatsInput&) = delete;

  const std::filesystem::path& path() const { return path_; }
  uint64_t rows() const { return rows_; }
  // fn(rows, index of rows[0] in the table), in table order. Once only.
  void for_each_chunk(uint64_t chunk_rows, const std::function<void(std::span<const stats::BlockStat>, uint64_t)>& fn);

 private:
  std::filesystem::path path_;
  uint64_t rows_ = 0;
};

}  // namespace dflow::labelindex
