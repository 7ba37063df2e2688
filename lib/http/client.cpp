#include "http/client.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <thread>

#include <curl/curl.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"

namespace dflow::http {
namespace {

struct GlobalInit {
  GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~GlobalInit() { curl_global_cleanup(); }
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// One header line per call; the status line and the blank line end up ignored (no ':').
size_t on_header(char* data, size_t size, size_t n, void* user) {
  const std::string_view line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    static_cast<Response*>(user)->headers.emplace_back(std::move(name), std::string(value));
  }
  return size * n;
}

// DVID answers errors as plain text; one line of it is what the user needs.
std::string first_line(const std::string& s, size_t max = 300) {
  std::string line = s.substr(0, s.find('\n'));
  if (line.size() > max) line = line.substr(0, max) + "...";
  return line;
}

// 501 Not Implemented never changes on a retry.
bool retryable_status(long status) { return (status >= 500 && status != 501) || status == 429; }

}  // namespace

std::string Response::header(const std::string& name) const {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it)
    if (it->first == name) return it->second;
  return {};
}

struct Client::Curl {
  CURL* h = nullptr;
  Curl() {
    static GlobalInit init;
    h = curl_easy_init();
    if (!h) fail("libcurl: curl_easy_init failed");
  }
  ~Curl() { curl_easy_cleanup(h); }
};

Client::Client(std::string server, RetryPolicy retry) : server_(std::move(server)), retry_(retry), curl_(std::make_unique<Curl>()) {
  if (server_.find("://") == std::string::npos) server_ = "http://" + server_;
  while (!server_.empty() && server_.back() == '/') server_.pop_back();
  shown_server_ = secrets::redact_url(server_);
}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

std::string Client::url(const std::string& path) const { return secrets::redact_url(request_url(path, false)); }

std::string Client::request_url(const std::string& path, bool admin) const {
  std::string u = server_ + (path.starts_with('/') ? "" : "/") + path;
  auto add = [&](const std::string& q) {
    if (q.empty()) return;
    u += (u.find('?') == std::string::npos ? '?' : '&');
    u += q;
  };
  add(default_query_);
  if (admin && !admin_token_.empty()) add("admintoken=" + admin_token_);
  return u;
}

Response Client::perform_once(const std::string& method, const std::string& u, std::span<const std::byte> body,
                              const std::string& content_type, const RequestOptions& options,
                              std::chrono::milliseconds timeout, Failure& failure) {
  CURL* h = curl_->h;
  curl_easy_reset(h);
  Response r;
  curl_easy_setopt(h, CURLOPT_URL, u.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(timeout.count(), 1)));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(std::min<int64_t>(timeout.count(), retry_.connect_timeout.count() * 1000), 1)));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_slist* headers = nullptr;
  if (method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, reinterpret_cast<const char*>(body.data()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    // curl would otherwise send "Expect: 100-continue" and wait a second for large bodies. A signed
    // request cannot blank it (libcurl 7.88 signs the blank header but does not send it): there the
    // wait is bounded instead (S3 servers answer 100 Continue).
    if (options.aws_sigv4.empty()) headers = curl_slist_append(headers, "Expect:");
    else curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 50L);
    if (!content_type.empty()) headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
    if (method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  } else if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (method == "GET" && !body.empty()) {
    // DVID reads JSON label lists from the body of some GETs (/indices).
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "GET");
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, reinterpret_cast<const char*>(body.data()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  for (const auto& hdr : options.headers) headers = curl_slist_append(headers, hdr.c_str());
  if (!options.aws_sigv4.empty()) {
    // libcurl signs the request itself (AWS Signature Version 4) from the key pair in userpwd.
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, options.aws_sigv4.c_str());
    curl_easy_setopt(h, CURLOPT_USERPWD, options.userpwd.c_str());
  }
  if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    failure.message = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    failure.never_sent = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST;
    failure.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    return r;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

Response Client::request(const std::string& method, const std::string& path, std::span<const std::byte> body,
                         const std::string& content_type, bool admin, Replay replay) {
  return request_impl(method, path, body, content_type, admin, {}, replay);
}

Response Client::request(const std::string& method, const std::string& path, std::span<const std::byte> body,
                         const std::string& content_type, const RequestOptions& options, Replay replay) {
  return request_impl(method, path, body, content_type, false, options, replay);
}

Response Client::request_impl(const std::string& method, const std::string& path, std::span<const std::byte> body,
                              const std::string& content_type, bool admin, const RequestOptions& options, Replay replay) {
  using namespace std::chrono;
  const std::string u = request_url(path, admin);
  const std::string shown = url(path);  // for messages: never the admin token or a password
  const auto start = steady_clock::now();
  const milliseconds deadline = retry_.deadline.count() > 0 ? duration_cast<milliseconds>(retry_.deadline)
                                                            : duration_cast<milliseconds>(retry_.timeout) * std::max(retry_.attempts, 1);
  auto delay = retry_.first_delay;
  std::string last_problem;
  long last_status = 0;
  bool timed_out = false;
  int attempt = 1;
  for (;; ++attempt) {
    const auto left = deadline - duration_cast<milliseconds>(steady_clock::now() - start);
    Failure failure;
    Response r = perform_once(method, u, body, content_type, options, std::min(duration_cast<milliseconds>(retry_.timeout), left), failure);
    if (failure.message.empty() && !retryable_status(r.status)) return r;
    if (replay == Replay::unsafe && !failure.never_sent) {
      // An HTTP error is DVID's own answer: the caller reports it. A cut or timed-out request may
      // have taken effect, so it is not repeated blindly.
      if (failure.message.empty()) return r;
      throw OutcomeUnknown(fmt::format("{} {} {}: {}; the request may have taken effect, so it was not repeated",
                                       service_, method, shown, failure.message));
    }
    last_problem = failure.message.empty() ? fmt::format("HTTP {}: {}", r.status, first_line(r.body)) : failure.message;
    last_status = failure.message.empty() ? r.status : 0;
    timed_out = failure.timed_out;
    const auto elapsed = duration_cast<milliseconds>(steady_clock::now() - start);
    if (attempt >= retry_.attempts) break;
    if (elapsed + delay >= deadline)
      throw Unavailable(fmt::format("{} {} {}: {} (deadline of {:.0f} s reached after {} attempt{})", service_, method, shown,
                                    last_problem, duration<double>(deadline).count(), attempt, attempt == 1 ? "" : "s"),
                        last_status, timed_out);
    log::warn("{} {} {}: {} (attempt {}/{}, retrying in {:.1f} s)", service_, method, shown, last_problem, attempt,
              retry_.attempts, delay.count() / 1000.0);
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, retry_.max_delay);
  }
  throw Unavailable(fmt::format("{} {} {}: {} (gave up after {} attempts)", service_, method, shown, last_problem, attempt),
                    last_status, timed_out);
}

std::string Client::get(const std::string& path) {
  Response r = request("GET", path);
  if (r.status / 100 != 2) fail("{} GET {}: HTTP {}: {}", service_, url(path), r.status, first_line(r.body));
  return std::move(r.body);
}

std::string Client::post(const std::string& path, std::span<const std::byte> body, const std::string& content_type,
                         Replay replay) {
  Response r = request("POST", path, body, content_type, false, replay);
  if (r.status / 100 != 2) fail("{} POST {}: HTTP {}: {}", service_, url(path), r.status, first_line(r.body));
  return std::move(r.body);
}

std::string Client::post(const std::string& path, const std::string& body, const std::string& content_type,
                         Replay replay) {
  return post(path, std::as_bytes(std::span(body.data(), body.size())), content_type, replay);
}

}  // namespace dflow::http
