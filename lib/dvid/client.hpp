#pragma once
// The one place that speaks HTTP to DVID: libcurl, bounded retries with exponential backoff for
// failures where retrying is right (cannot connect, timeouts, HTTP 5xx), and errors that name the
// URL. A Client owns one curl handle (keep-alive), so use one Client per thread.
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace dflow::dvid {

struct RetryPolicy {
  int attempts = 5;                                   // total tries for retryable failures
  std::chrono::milliseconds first_delay{250};         // doubles each retry
  std::chrono::milliseconds max_delay{8000};
  std::chrono::seconds timeout{600};                  // per request (DVID's own write timeout is 600 s)
  std::chrono::seconds connect_timeout{10};
};

struct Response {
  long status = 0;
  std::string body;
};

class Client {
 public:
  // server: "http://127.0.0.1:8000" (a bare "host:port" gets http:// prepended).
  explicit Client(std::string server, RetryPolicy retry = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  const std::string& server() const { return server_; }
  // Query parameters appended to every request (DVID records u= and app= in its mutation log).
  void set_default_query(std::string query) { default_query_ = std::move(query); }
  void set_admin_token(std::string token) { admin_token_ = std::move(token); }

  // Throw dflow::Error naming the URL, the status and DVID's message unless the status is 2xx.
  std::string get(const std::string& path);
  std::string post(const std::string& path, std::span<const std::byte> body, const std::string& content_type = "application/octet-stream");
  std::string post(const std::string& path, const std::string& body, const std::string& content_type = "application/json");
  // No throw on 4xx: for probes such as "does this repo exist".
  Response request(const std::string& method, const std::string& path, std::span<const std::byte> body = {},
                   const std::string& content_type = {}, bool admin = false);

  std::string url(const std::string& path, bool admin = false) const;

 private:
  std::string server_, default_query_, admin_token_;
  RetryPolicy retry_;
  struct Curl;
  std::unique_ptr<Curl> curl_;
  Response perform_once(const std::string& method, const std::string& url, std::span<const std::byte> body,
                        const std::string& content_type, std::string& transport_error);
};

}  // namespace dflow::dvid
