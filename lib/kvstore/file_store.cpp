// FileStore: a directory tree; key "a/b" is the file <root>/a/b.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "kvstore/stores.hpp"

namespace dflow::kv {

namespace fs = std::filesystem;

FileStore::FileStore(fs::path root) : root_(std::move(root)) {}

std::optional<std::vector<std::byte>> FileStore::get(const std::string& key) const {
  return read_file_if_exists(root_ / key);
}

std::optional<std::vector<std::byte>> FileStore::get_range(const std::string& key, uint64_t offset, uint64_t length) const {
  const fs::path path = root_ / key;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    fail("{}: cannot open: {}", path.string(), std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail("{}: cannot stat: {}", path.string(), std::strerror(errno));
  const uint64_t size = uint64_t(st.st_size);
  const uint64_t n = offset >= size ? 0 : std::min(length, size - offset);
  std::vector<std::byte> buf(n);
  uint64_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, buf.data() + done, n - done, off_t(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail("{}: read failed at byte {}: {}", path.string(), offset + done, std::strerror(errno));
    if (r == 0) break;  // shrank while reading
    done += uint64_t(r);
  }
  buf.resize(done);
  return buf;
}

std::optional<uint64_t> FileStore::size(const std::string& key) const {
  std::error_code ec;
  const auto n = fs::file_size(root_ / key, ec);
  if (ec) return std::nullopt;
  return uint64_t(n);
}

void FileStore::put(const std::string& key, std::span<const std::byte> data, const PutOptions&) {
  // Temp file + rename, like core's write_file_atomic, but with a temp name that depends only on the
  // key: every object has one writer (its brick's rank), and a run killed mid-write leaves a
  // "<key>.partial" that the resumed run, rewriting the same key, reuses and renames away, instead
  // of a stray "<key>.tmp<pid>" in the output forever. Content-Encoding has no place in a file: the
  // caller's bytes are stored as given.
  const fs::path path = root_ / key;
  const fs::path tmp = path.string() + ".partial";
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) fail("{}: cannot create directory: {}", path.parent_path().string(), ec.message());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail("{}: cannot write: {}", tmp.string(), std::strerror(errno));
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out) fail("{}: write failed: {}", tmp.string(), std::strerror(errno));
  }
  fs::rename(tmp, path, ec);
  if (ec) fail("{}: cannot rename into place: {}", path.string(), ec.message());
}

std::vector<std::string> FileStore::list(const std::string& prefix) const {
  std::vector<std::string> keys;
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) return keys;
  for (auto it = fs::recursive_directory_iterator(root_, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string key = it->path().lexically_relative(root_).generic_string();
    if (key.ends_with(".partial")) continue;
    if (key.starts_with(prefix)) keys.push_back(std::move(key));
  }
  if (ec) fail("{}: cannot list: {}", root_.string(), ec.message());
  std::sort(keys.begin(), keys.end());
  return keys;
}

void FileStore::remove(const std::string& key) {
  std::error_code ec;
  fs::remove(root_ / key, ec);
  if (ec) fail("{}: cannot remove: {}", (root_ / key).string(), ec.message());
}

std::string FileStore::describe(const std::string& key) const { return key.empty() ? root_.string() : (root_ / key).string(); }

void FileStore::check_writable() {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) fail("{}: cannot create directory: {}", root_.string(), ec.message());
  if (!fs::is_directory(root_)) fail("{}: exists and is not a directory", root_.string());
  // access() ignores root's override of permission bits only for X_OK; a real probe file is the
  // honest test (read-only mounts, quotas, ACLs).
  const fs::path probe = root_ / fmt::format(".write-test.{}", ::getpid());
  {
    std::ofstream out(probe, std::ios::binary | std::ios::trunc);
    if (!out) fail("{}: cannot write in this directory: {}", root_.string(), std::strerror(errno));
  }
  fs::remove(probe, ec);
}

void FileStore::check_readable() const {
  if (!fs::exists(root_)) fail("{}: no such directory", root_.string());
}

}  // namespace dflow::kv
