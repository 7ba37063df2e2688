#pragma once
// The one place that speaks HTTP (to DVID, and to S3/GCS for kvstore): libcurl, bounded retries with
// exponential backoff for failures where retrying is right (cannot connect, timeouts, HTTP 5xx), and
// errors that name the URL. A Client owns one curl handle (keep-alive), so use one Client per thread.
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace dflow::http {

struct RetryPolicy {
  int attempts = 5;                                   // total tries for retryable failures
  std::chrono::milliseconds first_delay{250};         // doubles each retry
  std::chrono::milliseconds max_delay{8000};
  std::chrono::seconds timeout{600};                  // per request (DVID's own write timeout is 600 s)
  std::chrono::seconds connect_timeout{10};
  // Bound on one call including all its retries (0 = attempts x timeout): a DVID that stops
  // answering ends the call, and the stage, within it.
  std::chrono::seconds deadline{0};
};

// May a request be sent again when its outcome is unknown (timeout, cut connection, HTTP 5xx)?
// `safe`: repeating it leaves DVID as one success would (GET, /ingest-supervoxels, /indices,
// /blocks?noindexing, /raw of the same voxels, tarsupervoxels /load). `unsafe`: a repeat can do the
// work twice or fail spuriously (repo creation, commit, newversion, /mappings, /merge); it is resent
// only when it surely never reached DVID (connection refused), otherwise OutcomeUnknown is thrown so
// the caller can read DVID's state to learn whether it happened.
enum class Replay { safe, unsafe };

// An unsafe request failed after it may have reached DVID.
struct OutcomeUnknown : Error {
  using Error::Error;
};

// Thrown when DVID cannot be reached, times out, or keeps answering 5xx after the retries, so a caller
// can tell "DVID is down/slow" (e.g. the cleave server's 502/504) from a 4xx answer.
class Unavailable : public Error {
 public:
  Unavailable(const std::string& message, long last_status, bool timed_out)
      : Error(message), last_status(last_status), timed_out(timed_out) {}
  long last_status;  // the last HTTP status (5xx, 429), 0 if no answer
  bool timed_out;    // the last attempt timed out
};

struct Response {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in arrival order
  // The value of the last header `name` (lower-case), or empty.
  std::string header(const std::string& name) const;
};

// What object stores add to a request. Header values and userpwd may hold credentials: they are sent,
// never logged nor put into an error message.
struct RequestOptions {
  std::vector<std::string> headers;  // "Range: bytes=0-15", "Authorization: Bearer ..."
  std::string aws_sigv4;             // libcurl's CURLOPT_AWS_SIGV4 provider, e.g. "aws:amz:us-east-1:s3"
  std::string userpwd;               // with aws_sigv4: "<access key id>:<secret access key>"
};

class Client {
 public:
  // server: "http://127.0.0.1:8000" (a bare "host:port" gets http:// prepended).
  explicit Client(std::string server, RetryPolicy retry = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  // The server as shown in messages and result files: a password in it is "***" (core/secrets.hpp).
  const std::string& server() const { return shown_server_; }
  // The service named in messages ("DVID GET http://..."): "DVID" unless set ("S3", "GCS").
  void set_service(std::string name) { service_ = std::move(name); }
  // Query parameters appended to every request (DVID records u= and app= in its mutation log).
  void set_default_query(std::string query) { default_query_ = std::move(query); }
  void set_admin_token(std::string token) { admin_token_ = std::move(token); }

  // Throw dflow::Error naming the URL, the status and DVID's message unless the status is 2xx.
  std::string get(const std::string& path);
  std::string post(const std::string& path, std::span<const std::byte> body, const std::string& content_type = "application/octet-stream",
                   Replay replay = Replay::safe);
  std::string post(const std::string& path, const std::string& body, const std::string& content_type = "application/json",
                   Replay replay = Replay::safe);
  // No throw on 4xx: for probes such as "does this repo exist".
  Response request(const std::string& method, const std::string& path, std::span<const std::byte> body = {},
                   const std::string& content_type = {}, bool admin = false, Replay replay = Replay::safe);
  // The same with extra headers / request signing (object stores). Methods: GET, HEAD, PUT, POST,
  // PATCH, DELETE.
  Response request(const std::string& method, const std::string& path, std::span<const std::byte> body,
                   const std::string& content_type, const RequestOptions& options, Replay replay = Replay::safe);

  // The URL of `path` for messages: no admin token, password and secret query values as "***".
  std::string url(const std::string& path) const;

 private:
  std::string request_url(const std::string& path, bool admin) const;  // what curl is given
  std::string server_, shown_server_, default_query_, admin_token_, service_ = "DVID";
  RetryPolicy retry_;
  struct Curl;
  std::unique_ptr<Curl> curl_;
  struct Failure {
    std::string message;      // empty: the request got an HTTP answer
    bool never_sent = false;  // could not connect: DVID never saw it
    bool timed_out = false;
  };
  Response perform_once(const std::string& method, const std::string& url, std::span<const std::byte> body,
                        const std::string& content_type, const RequestOptions& options, std::chrono::milliseconds timeout,
                        Failure& failure);
  Response request_impl(const std::string& method, const std::string& path, std::span<const std::byte> body,
                        const std::string& content_type, bool admin, const RequestOptions& options, Replay replay);
};

}  // namespace dflow::http
