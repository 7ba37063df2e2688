#include "core/files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fcntl.h>
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

namespace {

void write_via_rename(const fs::path& path, std::span<const std::byte> data, bool durable) {
  if (path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) fail("{}: cannot create directory: {}", path.parent_path().string(), ec.message());
  }
  const fs::path tmp = path.string() + fmt::format(".tmp{}", ::getpid());
  {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("{}: cannot write: {}", path.string(), std::strerror(errno));
    const auto* p = reinterpret_cast<const char*>(data.data());
    size_t left = data.size();
    while (left > 0) {
      const ssize_t n = ::write(fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = errno;
        ::close(fd);
        fail("{}: write failed: {}", path.string(), std::strerror(err));
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    if (durable && ::fsync(fd) != 0) {
      const int err = errno;
      ::close(fd);
      fail("{}: fsync failed: {}", path.string(), std::strerror(err));
    }
    ::close(fd);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) fail("{}: cannot rename into place: {}", path.string(), ec.message());
  if (durable) fsync_directory(path.has_parent_path() ? path.parent_path() : fs::path("."));
}

}  // namespace

void write_file_atomic(const fs::path& path, std::span<const std::byte> data) { write_via_rename(path, data, false); }

void write_file_durable(const fs::path& path, std::span<const std::byte> data) { write_via_rename(path, data, true); }

void fsync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("{}: cannot open directory to sync it: {}", dir.string(), std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) fail("{}: fsync of directory failed: {}", dir.string(), std::strerror(err));
}

void for_each_line(std::istream& in, const std::function<void(std::string_view)>& fn) {
  std::string buf(size_t(1) << 22, '\0'), carry;
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    const size_t got = size_t(in.gcount());
    if (got == 0) break;
    const std::string_view chunk(buf.data(), got);
    size_t pos = 0;
    while (true) {
      const size_t nl = chunk.find('\n', pos);
      if (nl == std::string_view::npos) break;
      if (!carry.empty()) {
        carry.append(chunk.substr(pos, nl - pos));
        fn(carry);
        carry.clear();
      } else {
        fn(chunk.substr(pos, nl - pos));
      }
      pos = nl + 1;
    }
    carry.append(chunk.substr(pos));
  }
  if (!carry.empty()) fn(carry);
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
