#pragma once
// The KvStore implementations (kvstore.hpp is the interface callers use; open_kvstore picks one).
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "kvstore/kvstore.hpp"

namespace dflow::kv {

class FileStore final : public KvStore {
 public:
  explicit FileStore(std::filesystem::path root);
  std::optional<std::vector<std::byte>> get(const std::string& key) const override;
  std::optional<std::vector<std::byte>> get_range(const std::string& key, uint64_t offset, uint64_t length) const override;
  std::optional<uint64_t> size(const std::string& key) const override;
  void put(const std::string& key, std::span<const std::byte> data, const PutOptions& options = {}) override;
  std::vector<std::string> list(const std::string& prefix = "") const override;
  void remove(const std::string& key) override;
  std::string describe(const std::string& key) const override;
  std::filesystem::path local_root() const override { return root_; }
  void check_writable() override;
  void check_readable() const override;

 private:
  std::filesystem::path root_;
};

// What S3Store and GcsStore share: a pool of http::Client (one curl handle each, so any thread may
// call), and queued uploads sent by `parallel_requests` threads.
class HttpStore : public KvStore {
 public:
  void put(const std::string& key, std::span<const std::byte> data, const PutOptions& options = {}) override;
  void flush() override;
  int parallel_reads() const override { return options_.parallel_requests; }

 protected:
  HttpStore(std::string server, std::string service, Options options);
  ~HttpStore() override;
  // Final classes call this first in their destructor: upload threads call put_now().
  void stop_uploads();
  // Uploads one object now, on the calling thread.
  virtual void put_now(http::Client& client, const std::string& key, std::span<const std::byte> data,
                       const PutOptions& options) = 0;

  // A client borrowed from the pool for one call.
  class Lease {
   public:
    Lease(const HttpStore& store, std::unique_ptr<http::Client> c) : store_(&store), c_(std::move(c)) {}
    ~Lease();
    Lease(Lease&&) = default;
    http::Client& operator*() const { return *c_; }
    http::Client* operator->() const { return c_.get(); }

   private:
    const HttpStore* store_;
    std::unique_ptr<http::Client> c_;
  };
  Lease client() const;
  const Options& options() const { return options_; }

 private:
  struct Job {
    std::string key;
    std::vector<std::byte> data;
    PutOptions options;
  };
  void upload_loop();

  std::string server_, service_;
  Options options_;
  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<http::Client>> pool_;
  // Upload queue, bounded in bytes (a sharded export queues whole shards).
  std::mutex mu_;
  std::condition_variable cv_work_, cv_space_, cv_idle_;
  std::deque<Job> queue_;
  size_t queued_bytes_ = 0;
  int busy_ = 0;
  bool stop_ = false;
  std::string error_;
  std::vector<std::thread> threads_;
};

struct S3Credentials {
  std::string access_key, secret_key, session_token;  // empty access_key: anonymous (unsigned) requests
};
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the profile (AWS_PROFILE or
// `profile`, else "default") of AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, else anonymous.
S3Credentials load_s3_credentials(const std::string& profile);
// The keys of one profile of an AWS credentials file (INI); `where` names the file in errors.
S3Credentials parse_aws_credentials(std::string_view text, const std::string& profile, const std::string& where);

class S3Store final : public HttpStore {
 public:
  S3Store(std::string bucket, std::string prefix, Options options);
  ~S3Store() override;
  std::optional<std::vector<std::byte>> get(const std::string& key) const override;
  std::optional<std::vector<std::byte>> get_range(const std::string& key, uint64_t offset, uint64_t length) const override;
  std::optional<uint64_t> size(const std::string& key) const override;
  std::vector<std::string> list(const std::string& prefix = "") const override;
  void remove(const std::string& key) override;
  std::string describe(const std::string& key) const override;
  void check_writable() override;
  void check_readable() const override;

  // A signed request on the bucket (query: "policy=", "cors="), for publishing. No throw on 4xx.
  http::Response bucket_request(const std::string& method, const std::string& query, std::span<const std::byte> body = {},
                                const std::string& content_type = {}, std::vector<std::string> headers = {}) const;
  const std::string& bucket() const { return bucket_; }
  const std::string& prefix() const { return prefix_; }
  std::string endpoint() const { return endpoint_; }
  std::string region() const { return region_; }
  bool path_style() const { return path_style_; }

 private:
  void put_now(http::Client& client, const std::string& key, std::span<const std::byte> data,
               const PutOptions& options) override;
  void put_multipart(http::Client& client, const std::string& key, std::span<const std::byte> data,
                     const PutOptions& options);
  std::string object_path(const std::string& key, const std::string& query = {}) const;
  http::Response send(http::Client& client, const std::string& method, const std::string& path_query,
                      std::span<const std::byte> body, const std::string& content_type, std::vector<std::string> headers,
                      const std::string& where, http::Replay replay = http::Replay::safe) const;
  [[noreturn]] void fail_response(const std::string& what, const std::string& key, const http::Response& r) const;

  std::string bucket_, prefix_, endpoint_, region_;
  bool path_style_ = true;
  S3Credentials creds_;
  std::string creds_source_;  // "access key from AWS_ACCESS_KEY_ID", for errors
};

class GcsStore final : public HttpStore {
 public:
  GcsStore(std::string bucket, std::string prefix, Options options);
  ~GcsStore() override;
  std::optional<std::vector<std::byte>> get(const std::string& key) const override;
  std::optional<std::vector<std::byte>> get_range(const std::string& key, uint64_t offset, uint64_t length) const override;
  std::optional<uint64_t> size(const std::string& key) const override;
  std::vector<std::string> list(const std::string& prefix = "") const override;
  void remove(const std::string& key) override;
  std::string describe(const std::string& key) const override;
  void check_writable() override;
  void check_readable() const override;

  // A JSON API request on /storage/v1/b/<bucket><suffix> (e.g. "", "/acl", "/iam"), for publishing.
  http::Response bucket_request(const std::string& method, const std::string& suffix, const std::string& json_body = {}) const;
  const std::string& bucket() const { return bucket_; }
  const std::string& prefix() const { return prefix_; }
  std::string endpoint() const { return endpoint_; }

 private:
  void put_now(http::Client& client, const std::string& key, std::span<const std::byte> data,
               const PutOptions& options) override;
  void put_resumable(http::Client& client, const std::string& key, std::span<const std::byte> data,
                     const PutOptions& options);
  std::string full_name(const std::string& key) const;
  std::vector<std::string> auth_headers() const;
  [[noreturn]] void fail_response(const std::string& what, const std::string& key, const http::Response& r) const;

  std::string bucket_, prefix_, endpoint_;
  mutable std::mutex token_mu_;
  mutable std::optional<std::string> token_;
};

// The access token GcsStore sends: GOOGLE_OAUTH_ACCESS_TOKEN, else `gcloud auth print-access-token`
// when gcloud is on PATH, else none (anonymous: public buckets and emulators).
std::string gcs_access_token();

}  // namespace dflow::kv
