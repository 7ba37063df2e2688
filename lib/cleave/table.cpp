#include "cleave/table.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.hpp"
#include "core/files.hpp"

namespace dflow::cleave {

std::string encode_table_header(const TableHeader& h) {
  std::string out(kTableHeaderBytes, '\0');
  auto* p = reinterpret_cast<std::byte*>(out.data());
  std::memcpy(p, kTableMagic, 8);
  store_le32(p + 8, kTableVersion);
  store_le32(p + 12, uint32_t(sizeof(MergeRow)));
  store_le64(p + 16, h.bodies);
  store_le64(p + 24, h.edges);
  store_le64(p + 32, h.svs);
  store_le64(p + 40, h.edges_offset);
  store_le64(p + 48, h.bodies_offset);
  store_le64(p + 56, h.svs_offset);
  return out;
}

CleaveTable::CleaveTable(const std::filesystem::path& path) : path_(path) {
  const std::string name = path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("{}: cannot open the cleave table: {}", name, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    fail("{}: cannot stat: {}", name, std::strerror(e));
  }
  size_ = size_t(st.st_size);
  if (size_ < kTableHeaderBytes) {
    ::close(fd);
    fail("{}: not a cleave table (only {} bytes; build one with construct-cleave-table)", name, size_);
  }
  map_ = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
  const int e = errno;
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    fail("{}: cannot mmap: {}", name, std::strerror(e));
  }
  const auto* p = static_cast<const std::byte*>(map_);
  if (std::memcmp(p, kTableMagic, 8) != 0) fail("{}: not a cleave table (bad magic; build one with construct-cleave-table)", name);
  if (load_le32(p + 8) != kTableVersion) fail("{}: cleave table version {} is not supported (expected {})", name, load_le32(p + 8), kTableVersion);
  if (load_le32(p + 12) != sizeof(MergeRow)) fail("{}: edge rows of {} bytes, expected {}", name, load_le32(p + 12), sizeof(MergeRow));
  h_.bodies = load_le64(p + 16);
  h_.edges = load_le64(p + 24);
  h_.svs = load_le64(p + 32);
  h_.edges_offset = load_le64(p + 40);
  h_.bodies_offset = load_le64(p + 48);
  h_.svs_offset = load_le64(p + 56);
  const auto fits = [&](uint64_t off, uint64_t n, uint64_t size) { return off <= size_ && n <= (size_ - off) / size; };
  if (!fits(h_.edges_offset, h_.edges, sizeof(MergeRow)) || !fits(h_.bodies_offset, h_.bodies, sizeof(BodyEntry)) ||
      !fits(h_.svs_offset, h_.svs, sizeof(SvEntry)) || h_.bodies_offset % 8 || h_.svs_offset % 8)
    fail("{}: truncated or corrupt cleave table ({} bytes for {} edges, {} bodies, {} supervoxels)", name, size_, h_.edges,
         h_.bodies, h_.svs);
  edges_ = reinterpret_cast<const MergeRow*>(p + h_.edges_offset);
  bodies_ = reinterpret_cast<const BodyEntry*>(p + h_.bodies_offset);
  svs_ = reinterpret_cast<const SvEntry*>(p + h_.svs_offset);
  for (const BodyEntry& b : bodies())
    if (b.first > h_.edges || b.count > h_.edges - b.first) fail("{}: corrupt body index (body {})", name, b.body);
}

CleaveTable::~CleaveTable() {
  if (map_) ::munmap(map_, size_);
}

std::span<const MergeRow> CleaveTable::edges_of(uint64_t body) const {
  const auto b = bodies();
  const auto it = std::lower_bound(b.begin(), b.end(), body, [](const BodyEntry& e, uint64_t v) { return e.body < v; });
  if (it == b.end() || it->body != body) return {};
  return {edges_ + it->first, it->count};
}

std::optional<uint64_t> CleaveTable::body_of(uint64_t sv) const {
  const auto s = supervoxels();
  const auto it = std::lower_bound(s.begin(), s.end(), sv, [](const SvEntry& e, uint64_t v) { return e.sv < v; });
  if (it == s.end() || it->sv != sv) return std::nullopt;
  return it->body;
}

}  // namespace dflow::cleave
