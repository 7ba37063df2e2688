#include "core/files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <unistd.h>

#include "core/error.hpp"

namespace dflow {

std::optional<std::vector<std::byte>> read_file_if_exists(const fs::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    fail("{}: cannot open: {}", path.string(), std::strerror(errno));
  }
  const auto size = static_cast<size_t>(in.tellg());
  std::vector<std::byte> buf(size);
  in.seekg(0);
  if (size && !in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(size)))
    fail("{}: read failed after {} of {} bytes", path.string(), static_cast<size_t>(in.gcount()), size);
  return buf;
}

std::vector<std::byte> read_file(const fs::path& path) {
  auto b = read_file_if_exists(path);
  if (!b) fail("{}: no such file", path.string());
  return std::move(*b);
}

std::string read_text(const fs::path& path) {
  auto b = read_file(path);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

void write_file_atomic(const fs::path& path, std::span<const std::byte> data) {
  if (path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) fail("{}: cannot create directory: {}", path.parent_path().string(), ec.message());
  }
  const fs::path tmp = path.string() + fmt::format(".tmp{}", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail("{}: cannot write: {}", path.string(), std::strerror(errno));
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out) fail("{}: write failed: {}", path.string(), std::strerror(errno));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) fail("{}: cannot rename into place: {}", path.string(), ec.message());
}

void write_text_atomic(const fs::path& path, const std::string& text) {
  write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())));
}

void byteswap_inplace(std::byte* data, size_t count, size_t elem) {
  if (elem == 1) return;
  for (size_t i = 0; i < count; ++i) {
    std::byte* p = data + i * elem;
    for (size_t a = 0, b = elem - 1; a < b; ++a, --b) std::swap(p[a], p[b]);
  }
}

}  // namespace dflow
