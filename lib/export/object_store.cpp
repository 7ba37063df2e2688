#include "export/object_store.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <unistd.h>

#include "core/error.hpp"
#include "core/files.hpp"

namespace dflow::exporter {

DirectoryStore::DirectoryStore(std::filesystem::path root) : root_(std::move(root)) {}

void DirectoryStore::put(const std::string& key, std::span<const std::byte> data) {
  // Temp file + rename, like core's write_file_atomic, but with a temp name that depends only on the
  // key: every object has one writer (its brick's rank), and a run killed mid-write leaves a
  // "<key>.partial" that the resumed run, rewriting the same key, reuses and renames away, instead
  // of a stray "<key>.tmp<pid>" in the output forever.
  const std::filesystem::path path = root_ / key;
  const std::filesystem::path tmp = path.string() + ".partial";
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) fail("{}: cannot create directory: {}", path.parent_path().string(), ec.message());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail("{}: cannot write: {}", tmp.string(), std::strerror(errno));
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out) fail("{}: write failed: {}", tmp.string(), std::strerror(errno));
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) fail("{}: cannot rename into place: {}", path.string(), ec.message());
}

std::optional<std::vector<std::byte>> DirectoryStore::get(const std::string& key) const {
  return read_file_if_exists(root_ / key);
}

std::string DirectoryStore::describe(const std::string& key) const { return key.empty() ? root_.string() : (root_ / key).string(); }

void DirectoryStore::check_writable() const {
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec) fail("{}: cannot create directory: {}", root_.string(), ec.message());
  if (!std::filesystem::is_directory(root_)) fail("{}: exists and is not a directory", root_.string());
  // access() ignores root's override of permission bits only for X_OK; a real probe file is the
  // honest test (read-only mounts, quotas, ACLs).
  const std::filesystem::path probe = root_ / fmt::format(".write-test.{}", ::getpid());
  {
    std::ofstream out(probe, std::ios::binary | std::ios::trunc);
    if (!out) fail("{}: cannot write in this directory: {}", root_.string(), std::strerror(errno));
  }
  std::filesystem::remove(probe, ec);
}

}  // namespace dflow::exporter
