#pragma once
// A key-value store under every format, as tensorstore puts a kvstore under every driver: the N5,
// Zarr and precomputed readers and the precomputed writer see keys ("s0/1/0/0", "8_8_8/0-64_0-64_0-64",
// "info") and never know whether they live in a directory, an S3 bucket or a GCS bucket.
//
//   /data/vol, file:///data/vol      FileStore: key "a/b" is the file /data/vol/a/b
//   s3://bucket/prefix               S3Store: object "prefix/a/b" (SigV4 signed by libcurl)
//   gs://bucket/prefix               GcsStore: the JSON API (OAuth2 bearer token)
//
// Every request goes through http::Client (its retries, timeouts, one-line errors). Errors name the
// object's URL ("s3://bucket/vol/info: HTTP 403 AccessDenied: ..."), never a credential.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "http/client.hpp"

namespace dflow::kv {

struct PutOptions {
  std::string content_type = "application/octet-stream";
  std::string content_encoding;  // e.g. "gzip": stored as the object's Content-Encoding (buckets only)
};

// How to reach a bucket. Empty fields come from the environment (see the README's "Buckets").
struct Options {
  std::string endpoint;           // S3: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else https://s3.<region>.amazonaws.com;
                                  // GCS: STORAGE_EMULATOR_HOST, else https://storage.googleapis.com
  std::string region;             // S3: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1
  std::optional<bool> path_style; // S3: http://endpoint/bucket/key (default with a custom endpoint) or bucket.host
  std::string profile;            // S3: the ~/.aws/credentials profile (AWS_PROFILE, else "default")
  int parallel_requests = 8;      // concurrent uploads per process (puts are queued; flush() waits), and
                                  // concurrent chunk reads per reader call (parallel_reads())
  int64_t multipart_bytes = 64ll << 20;  // larger objects go up in parts (S3 multipart, GCS resumable)
  int64_t part_bytes = 32ll << 20;       // part size (S3 needs >= 5 MiB except the last; GCS: multiple of 256 KiB)
  http::RetryPolicy retry;
};

class KvStore {
 public:
  virtual ~KvStore() = default;
  // The whole object, or nullopt if there is none.
  virtual std::optional<std::vector<std::byte>> get(const std::string& key) const = 0;
  // Bytes [offset, offset + length) of the object (fewer if it ends first), or nullopt if there is none.
  virtual std::optional<std::vector<std::byte>> get_range(const std::string& key, uint64_t offset,
                                                          uint64_t length) const = 0;
  // The object's size in bytes, or nullopt if there is none.
  virtual std::optional<uint64_t> size(const std::string& key) const = 0;
  // Stores `data` under `key`, replacing any earlier object atomically (readers see the old or the new
  // bytes, never a mix). Buckets may queue the upload and return at once: flush() waits for it.
  virtual void put(const std::string& key, std::span<const std::byte> data, const PutOptions& options = {}) = 0;
  // Waits for every queued put; rethrows the first failure (one line naming the object).
  virtual void flush() {}
  // Keys under `prefix` (relative to the store's root), sorted.
  virtual std::vector<std::string> list(const std::string& prefix = "") const = 0;
  virtual void remove(const std::string& key) = 0;
  // "s3://bucket/vol/8_8_8/0-64_0-64_0-64" or "/data/vol/info": names an object in errors and logs.
  virtual std::string describe(const std::string& key) const = 0;
  // How many gets a reader may have in flight per call: 1 for local files (reads stay serial, no
  // threads), Options::parallel_requests for buckets, where each get costs a round trip.
  virtual int parallel_reads() const { return 1; }
  // A local directory for code that needs one, or empty.
  virtual std::filesystem::path local_root() const { return {}; }
  // Throws one line naming the location if objects cannot be stored there (missing bucket, wrong
  // credentials, read-only directory).
  virtual void check_writable() = 0;
  // Throws one line naming the location if it cannot be read (missing bucket, wrong credentials).
  virtual void check_readable() const {}
};

// A parsed location. scheme: "file", "s3" or "gs"; for file, `path` is the directory.
struct Location {
  std::string scheme, bucket, prefix;  // prefix without leading/trailing '/'
  std::filesystem::path path;
};
// Parses "/dir", "dir", "file:///dir", "s3://bucket[/prefix]", "gs://bucket[/prefix]" (a leading
// "precomputed://" or "zarr://"/"n5://" is the caller's to strip). Throws one line naming the URL.
Location parse_location(const std::string& url);
bool is_bucket_url(const std::string& url);  // s3:// or gs://

// Opens the store at `url`; relative local paths resolve against `base_dir` when it is not empty.
std::shared_ptr<KvStore> open_kvstore(const std::string& url, const Options& options = {},
                                      const std::filesystem::path& base_dir = {});

// The same store one level down: keys "k" of the result are "<sub>/k" of `parent`.
std::shared_ptr<KvStore> substore(std::shared_ptr<KvStore> parent, const std::string& sub);

// Percent-encoding of a key for a URL path (keeps A-Z a-z 0-9 - _ . ~ and, if keep_slash, '/').
std::string url_encode(std::string_view s, bool keep_slash);

}  // namespace dflow::kv
