// URL parsing and open_kvstore().
#include <cstdlib>

#include "core/error.hpp"
#include "kvstore/stores.hpp"

namespace dflow::kv {

namespace fs = std::filesystem;

namespace {

std::string trim_slashes(std::string s) {
  while (!s.empty() && s.front() == '/') s.erase(0, 1);
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// A store whose keys are "<sub>/<key>" of another store.
class PrefixStore final : public KvStore {
 public:
  PrefixStore(std::shared_ptr<KvStore> parent, std::string sub) : parent_(std::move(parent)), sub_(std::move(sub)) {}
  std::optional<std::vector<std::byte>> get(const std::string& key) const override { return parent_->get(k(key)); }
  std::optional<std::vector<std::byte>> get_range(const std::string& key, uint64_t offset, uint64_t length) const override {
    return parent_->get_range(k(key), offset, length);
  }
  std::optional<uint64_t> size(const std::string& key) const override { return parent_->size(k(key)); }
  void put(const std::string& key, std::span<const std::byte> data, const PutOptions& options) override {
    parent_->put(k(key), data, options);
  }
  void flush() override { parent_->flush(); }
  std::vector<std::string> list(const std::string& prefix) const override {
    std::vector<std::string> keys;
    for (auto& key : parent_->list(k(prefix))) keys.push_back(key.substr(sub_.size() + 1));
    return keys;
  }
  void remove(const std::string& key) override { parent_->remove(k(key)); }
  std::string describe(const std::string& key) const override { return parent_->describe(k(key)); }
  int parallel_reads() const override { return parent_->parallel_reads(); }
  fs::path local_root() const override {
    const fs::path root = parent_->local_root();
    return root.empty() ? root : root / sub_;
  }
  void check_writable() override { parent_->check_writable(); }
  void check_readable() const override { parent_->check_readable(); }

 private:
  std::string k(const std::string& key) const { return key.empty() ? sub_ : sub_ + "/" + key; }
  std::shared_ptr<KvStore> parent_;
  std::string sub_;
};

}  // namespace

Location parse_location(const std::string& url) {
  Location loc;
  const std::string shown = printable(url);
  for (const char* scheme : {"s3", "gs"}) {
    const std::string p = std::string(scheme) + "://";
    if (url.rfind(p, 0) != 0) continue;
    std::string rest = url.substr(p.size());
    const size_t q = rest.find_first_of("?#");
    if (q != std::string::npos)
      fail("{}: a bucket URL takes no query or fragment (set endpoint, region and path-style under `bucket:`)", shown);
    const size_t slash = rest.find('/');
    loc.scheme = scheme;
    loc.bucket = rest.substr(0, slash);
    loc.prefix = slash == std::string::npos ? "" : trim_slashes(rest.substr(slash + 1));
    if (loc.bucket.empty()) fail("{}: no bucket name", shown);
    for (char c : loc.bucket)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'))
        fail("{}: bucket name \"{}\" has a character buckets cannot have ('{}')", shown, printable(loc.bucket), printable(std::string(1, c)));
    if (loc.prefix.find("//") != std::string::npos) fail("{}: empty path segment in the prefix", shown);
    return loc;
  }
  std::string p = url;
  if (p.rfind("file://", 0) == 0) p = p.substr(7);
  if (p.find("://") != std::string::npos)
    fail("{}: unsupported URL scheme (a local path, file://, s3://bucket/prefix or gs://bucket/prefix)", shown);
  if (p.empty()) fail("empty path");
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  loc.scheme = "file";
  loc.path = fs::path(p);
  return loc;
}

bool is_bucket_url(const std::string& url) { return url.rfind("s3://", 0) == 0 || url.rfind("gs://", 0) == 0; }

std::shared_ptr<KvStore> open_kvstore(const std::string& url, const Options& options, const fs::path& base_dir) {
  Location loc = parse_location(url);
  if (loc.scheme == "s3") return std::make_shared<S3Store>(loc.bucket, loc.prefix, options);
  if (loc.scheme == "gs") return std::make_shared<GcsStore>(loc.bucket, loc.prefix, options);
  fs::path path = loc.path;
  if (path.is_relative() && !base_dir.empty()) path = base_dir / path;
  return std::make_shared<FileStore>(path.lexically_normal());
}

std::shared_ptr<KvStore> substore(std::shared_ptr<KvStore> parent, const std::string& sub) {
  const std::string s = trim_slashes(sub);
  if (s.empty()) return parent;
  return std::make_shared<PrefixStore>(std::move(parent), s);
}

std::string url_encode(std::string_view s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace dflow::kv
