#include <string>

#include <fmt/format.h>

#include "core/files.hpp"
#include "stats/block_stats.hpp"

namespace dflow::stats {

void write_block_stats_csv(const std::filesystem::path& path, const std::vector<BlockStat>& rows) {
  std::string text = "segment_id,z,y,x,count\n";
  text.reserve(text.size() + rows.size() * 40);
  for (const BlockStat& r : rows) fmt::format_to(std::back_inserter(text), "{},{},{},{},{}\n", r.segment_id, r.z, r.y, r.x, r.count);
  write_text_atomic(path, text);
}

}  // namespace dflow::stats
