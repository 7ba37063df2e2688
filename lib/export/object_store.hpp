#pragma once
// Where an export's objects go: `put(key, bytes)` for every file of the output (info, chunks,
// shards). Only a local directory exists today; an object store (S3, GCS) is one more subclass,
// because the writers never touch the file system directly.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dflow::exporter {

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Stores `data` under `key` ("info", "8_8_8/0-64_0-64_0-64"), replacing any earlier object
  // atomically (readers see the old or the new bytes, never a mix). Thread-safe.
  virtual void put(const std::string& key, std::span<const std::byte> data) = 0;
  // The object's bytes, or nullopt if there is none.
  virtual std::optional<std::vector<std::byte>> get(const std::string& key) const = 0;
  // "/data/out/8_8_8/0-64_0-64_0-64": names an object in errors and logs.
  virtual std::string describe(const std::string& key) const = 0;
  // A local directory for readers that need one (our precomputed reader), or empty.
  virtual std::filesystem::path local_root() const { return {}; }
  // Throws one line naming the location if objects cannot be stored there.
  virtual void check_writable() const = 0;
};

// A directory tree: key "a/b" is file <root>/a/b, written with write_file_atomic (temp + rename).
class DirectoryStore final : public ObjectStore {
 public:
  explicit DirectoryStore(std::filesystem::path root);
  void put(const std::string& key, std::span<const std::byte> data) override;
  std::optional<std::vector<std::byte>> get(const std::string& key) const override;
  std::string describe(const std::string& key) const override;
  std::filesystem::path local_root() const override { return root_; }
  // Creates the root directory and checks that a file can be created in it; throws one line naming
  // the path otherwise (e.g. "cannot create directory: Not a directory").
  void check_writable() const override;

 private:
  std::filesystem::path root_;
};

}  // namespace dflow::exporter
