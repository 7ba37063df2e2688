#include "dvid/client.hpp"

#include <algorithm>
#include <thread>

#include <curl/curl.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"

namespace dflow::dvid {
namespace {

struct GlobalInit {
  GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~GlobalInit() { curl_global_cleanup(); }
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// DVID answers errors as plain text; one line of it is what the user needs.
std::string first_line(const std::string& s, size_t max = 300) {
  std::string line = s.substr(0, s.find('\n'));
  if (line.size() > max) line = line.substr(0, max) + "...";
  return line;
}

bool retryable_status(long status) { return status >= 500 || status == 429; }

}  // namespace

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
                              const std::string& content_type, std::chrono::milliseconds timeout, Failure& failure) {
  CURL* h = curl_->h;
  curl_easy_reset(h);
  Response r;
  curl_easy_setopt(h, CURLOPT_URL, u.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(timeout.count(), 1)));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(std::min<int64_t>(timeout.count(), retry_.connect_timeout.count() * 1000), 1)));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_slist* headers = nullptr;
  if (method == "POST" || method == "PUT") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, reinterpret_cast<const char*>(body.data()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    // curl would otherwise send "Expect: 100-continue" and wait a second for large bodies.
    headers = curl_slist_append(headers, "Expect:");
    if (!content_type.empty()) headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
    if (method == "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
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
    Response r = perform_once(method, u, body, content_type, std::min(duration_cast<milliseconds>(retry_.timeout), left), failure);
    if (failure.message.empty() && !retryable_status(r.status)) return r;
    if (replay == Replay::unsafe && !failure.never_sent) {
      // An HTTP error is DVID's own answer: the caller reports it. A cut or timed-out request may
      // have taken effect, so it is not repeated blindly.
      if (failure.message.empty()) return r;
      throw OutcomeUnknown(fmt::format("DVID {} {}: {}; the request may have taken effect, so it was not repeated",
                                       method, shown, failure.message));
    }
    last_problem = failure.message.empty() ? fmt::format("HTTP {}: {}", r.status, first_line(r.body)) : failure.message;
    last_status = failure.message.empty() ? r.status : 0;
    timed_out = failure.timed_out;
    const auto elapsed = duration_cast<milliseconds>(steady_clock::now() - start);
    if (attempt >= retry_.attempts) break;
    if (elapsed + delay >= deadline)
      throw Unavailable(fmt::format("DVID {} {}: {} (deadline of {:.0f} s reached after {} attempt{})", method, shown,
                                    last_problem, duration<double>(deadline).count(), attempt, attempt == 1 ? "" : "s"),
                        last_status, timed_out);
    log::warn("DVID {} {}: {} (attempt {}/{}, retrying in {:.1f} s)", method, shown, last_problem, attempt,
              retry_.attempts, delay.count() / 1000.0);
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, retry_.max_delay);
  }
  throw Unavailable(fmt::format("DVID {} {}: {} (gave up after {} attempts)", method, shown, last_problem, attempt),
                    last_status, timed_out);
}

std::string Client::get(const std::string& path) {
  Response r = request("GET", path);
  if (r.status / 100 != 2) fail("DVID GET {}: HTTP {}: {}", url(path), r.status, first_line(r.body));
  return std::move(r.body);
}

std::string Client::post(const std::string& path, std::span<const std::byte> body, const std::string& content_type,
                         Replay replay) {
  Response r = request("POST", path, body, content_type, false, replay);
  if (r.status / 100 != 2) fail("DVID POST {}: HTTP {}: {}", url(path), r.status, first_line(r.body));
  return std::move(r.body);
}

std::string Client::post(const std::string& path, const std::string& body, const std::string& content_type,
                         Replay replay) {
  return post(path, std::as_bytes(std::span(body.data(), body.size())), content_type, replay);
}

}  // namespace dflow::dvid
