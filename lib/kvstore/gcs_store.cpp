// GcsStore: the GCS JSON API. Downloads: GET .../o/<name>?alt=media (with Range); uploads:
// uploadType=media (Content-Encoding through the contentEncoding parameter), or a resumable session
// in chunks for objects above multipart_bytes. Token: GOOGLE_OAUTH_ACCESS_TOKEN or gcloud.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "kvstore/stores.hpp"

namespace dflow::kv {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::vector<std::byte> to_bytes(const std::string& s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return {p, p + s.size()};
}

std::string first_line(const std::string& s, size_t max = 200) {
  std::string line = s.substr(0, s.find('\n'));
  if (line.size() > max) line = line.substr(0, max) + "...";
  return line;
}

bool emulated(const Options& o) { return !o.endpoint.empty() || !env("STORAGE_EMULATOR_HOST").empty(); }

std::string gcs_endpoint(const Options& o) {
  std::string e = !o.endpoint.empty() ? o.endpoint : env("STORAGE_EMULATOR_HOST");
  if (e.empty()) e = "https://storage.googleapis.com";
  if (e.find("://") == std::string::npos) e = "http://" + e;
  while (e.back() == '/') e.pop_back();
  return e;
}

}  // namespace

std::string gcs_access_token() {
  if (auto t = env("GOOGLE_OAUTH_ACCESS_TOKEN"); !t.empty()) return t;
  if (std::system("command -v gcloud >/dev/null 2>&1") != 0) return {};
  FILE* p = ::popen("gcloud auth print-access-token 2>/dev/null", "r");
  if (!p) fail("GCS: cannot run gcloud auth print-access-token");
  std::string out;
  std::array<char, 512> buf{};
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = ::pclose(p);
  if (status != 0) fail("GCS: `gcloud auth print-access-token` failed (exit status {}); run `gcloud auth login`", WEXITSTATUS(status));
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
  return out;
}

GcsStore::GcsStore(std::string bucket, std::string prefix, Options o)
    : HttpStore(gcs_endpoint(o), "GCS", o), bucket_(std::move(bucket)), prefix_(std::move(prefix)) {
  endpoint_ = gcs_endpoint(o);
  // An emulator needs no token unless one is given; asking gcloud there would only slow things down.
  if (emulated(o) && env("GOOGLE_OAUTH_ACCESS_TOKEN").empty()) token_ = "";
}

GcsStore::~GcsStore() { stop_uploads(); }

std::string GcsStore::describe(const std::string& key) const {
  std::string u = "gs://" + bucket_;
  if (!prefix_.empty()) u += "/" + prefix_;
  if (!key.empty()) u += "/" + key;
  return u;
}

std::string GcsStore::full_name(const std::string& key) const {
  return prefix_.empty() ? key : key.empty() ? prefix_ : prefix_ + "/" + key;
}

std::vector<std::string> GcsStore::auth_headers() const {
  std::lock_guard lock(token_mu_);
  if (!token_) {
    try {
      token_ = gcs_access_token();
    } catch (const Error& e) {
      fail("{}: {}", describe(""), e.what());
    }
  }
  if (token_->empty()) return {};
  return {"Authorization: Bearer " + *token_};
}

void GcsStore::fail_response(const std::string& what, const std::string& key, const http::Response& r) const {
  std::string message;
  try {
    const auto j = nlohmann::json::parse(r.body);
    if (j.contains("error") && j["error"].is_object() && j["error"].contains("message")) message = j["error"]["message"].get<std::string>();
  } catch (const std::exception&) {
  }
  if (message.empty()) message = first_line(r.body);
  message = printable(message);
  const std::string at = fmt::format("{} at {}", what, endpoint_);
  if (r.status == 401 || r.status == 403)
    fail("{}: access denied ({}: HTTP {}: {}; token: {})", describe(key), at, r.status, message,
         !env("GOOGLE_OAUTH_ACCESS_TOKEN").empty() ? "GOOGLE_OAUTH_ACCESS_TOKEN" : token_ && !token_->empty() ? "gcloud auth print-access-token" : "none");
  fail("{}: {}: HTTP {}{}", describe(key), at, r.status, message.empty() ? "" : ": " + message);
}

namespace {

// Runs a request, naming the object on transport failures (HTTP answers are the caller's).
http::Response send(http::Client& c, const std::string& where, const std::string& method, const std::string& path,
                    std::span<const std::byte> body, const std::string& content_type, http::RequestOptions ro,
                    http::Replay replay = http::Replay::safe) {
  try {
    return c.request(method, path, body, content_type, ro, replay);
  } catch (const http::OutcomeUnknown&) {
    throw;
  } catch (const Error& e) {
    fail("{}: {}", where, e.what());
  }
}

}  // namespace

std::optional<std::vector<std::byte>> GcsStore::get(const std::string& key) const {
  auto c = client();
  const std::string path = "/storage/v1/b/" + url_encode(bucket_, false) + "/o/" + url_encode(full_name(key), false) + "?alt=media";
  const http::Response r = send(*c, describe(key), "GET", path, {}, {}, {auth_headers()});
  if (r.status == 200) return to_bytes(r.body);
  if (r.status == 404) return std::nullopt;
  fail_response("GET", key, r);
}

std::optional<std::vector<std::byte>> GcsStore::get_range(const std::string& key, uint64_t offset, uint64_t length) const {
  if (length == 0) {
    if (!size(key)) return std::nullopt;
    return std::vector<std::byte>{};
  }
  auto c = client();
  const std::string path = "/storage/v1/b/" + url_encode(bucket_, false) + "/o/" + url_encode(full_name(key), false) + "?alt=media";
  auto headers = auth_headers();
  headers.push_back(fmt::format("Range: bytes={}-{}", offset, offset + length - 1));
  const http::Response r = send(*c, describe(key), "GET", path, {}, {}, {headers});
  if (r.status == 206) return to_bytes(r.body);
  if (r.status == 200) {
    if (offset >= r.body.size()) return std::vector<std::byte>{};
    return to_bytes(r.body.substr(offset, length));
  }
  if (r.status == 416) return std::vector<std::byte>{};
  if (r.status == 404) return std::nullopt;
  fail_response(fmt::format("GET bytes {}-{}", offset, offset + length - 1), key, r);
}

std::optional<uint64_t> GcsStore::size(const std::string& key) const {
  auto c = client();
  const std::string path = "/storage/v1/b/" + url_encode(bucket_, false) + "/o/" + url_encode(full_name(key), false);
  const http::Response r = send(*c, describe(key), "GET", path, {}, {}, {auth_headers()});
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) fail_response("GET (object metadata)", key, r);
  try {
    const auto j = nlohmann::json::parse(r.body);
    // The JSON API writes the uint64 size as a string.
    return std::stoull(j.at("size").get<std::string>());
  } catch (const std::exception& e) {
    fail("{}: object metadata at {} has no valid size: {}", describe(key), endpoint_, e.what());
  }
}

void GcsStore::put_now(http::Client& client, const std::string& key, std::span<const std::byte> data, const PutOptions& o) {
  if (int64_t(data.size()) > options().multipart_bytes) return put_resumable(client, key, data, o);
  std::string path = "/upload/storage/v1/b/" + url_encode(bucket_, false) + "/o?uploadType=media&name=" + url_encode(full_name(key), false);
  if (!o.content_encoding.empty()) path += "&contentEncoding=" + url_encode(o.content_encoding, false);
  const http::Response r = send(client, describe(key), "POST", path, data, o.content_type, {auth_headers()});
  if (r.status != 200 && r.status != 201) fail_response("POST (upload)", key, r);
}

void GcsStore::put_resumable(http::Client& client, const std::string& key, std::span<const std::byte> data,
                             const PutOptions& o) {
  const std::string where = describe(key);
  nlohmann::json meta = {{"name", full_name(key)}, {"contentType", o.content_type}};
  if (!o.content_encoding.empty()) meta["contentEncoding"] = o.content_encoding;
  const std::string meta_text = meta.dump();
  auto headers = auth_headers();
  headers.push_back("X-Upload-Content-Type: " + o.content_type);
  headers.push_back(fmt::format("X-Upload-Content-Length: {}", data.size()));
  const std::string path = "/upload/storage/v1/b/" + url_encode(bucket_, false) + "/o?uploadType=resumable&name=" + url_encode(full_name(key), false);
  http::Response r = send(client, where, "POST", path, std::as_bytes(std::span(meta_text)), "application/json; charset=UTF-8", {headers});
  if (r.status != 200 && r.status != 201) fail_response("POST (start resumable upload)", key, r);
  const std::string session = r.header("location");
  const size_t scheme = session.find("://");
  if (scheme == std::string::npos) fail("{}: the resumable upload answer has no session Location", where);
  const size_t slash = session.find('/', scheme + 3);
  // The session URL may be on another host than the API endpoint: a client of its own.
  http::Client sc(session.substr(0, slash), options().retry);
  sc.set_service("GCS");
  const std::string spath = slash == std::string::npos ? "/" : session.substr(slash);
  const size_t chunk = std::max<size_t>(256 << 10, size_t(options().part_bytes) / (256 << 10) * (256 << 10));
  for (size_t off = 0; off < data.size(); off += chunk) {
    const auto piece = data.subspan(off, std::min(chunk, data.size() - off));
    auto h = auth_headers();
    h.push_back(fmt::format("Content-Range: bytes {}-{}/{}", off, off + piece.size() - 1, data.size()));
    // A chunk whose answer was lost is not resent blindly (a server may append it twice); the object
    // fails and the resumed run uploads it again in a new session.
    r = send(sc, fmt::format("{} (bytes {}-{})", where, off, off + piece.size() - 1), "PUT", spath, piece, o.content_type,
             {h}, http::Replay::unsafe);
    const bool last = off + piece.size() == data.size();
    if (last ? (r.status != 200 && r.status != 201) : r.status != 308)
      fail_response(fmt::format("PUT bytes {}-{} of {}", off, off + piece.size() - 1, data.size()), key, r);
  }
}

std::vector<std::string> GcsStore::list(const std::string& prefix) const {
  const std::string full = prefix_.empty() ? prefix : prefix.empty() ? prefix_ + "/" : prefix_ + "/" + prefix;
  std::vector<std::string> keys;
  std::string token;
  auto c = client();
  for (;;) {
    std::string path = "/storage/v1/b/" + url_encode(bucket_, false) + "/o?prefix=" + url_encode(full, false);
    if (!token.empty()) path += "&pageToken=" + url_encode(token, false);
    const http::Response r = send(*c, describe(prefix), "GET", path, {}, {}, {auth_headers()});
    if (r.status != 200) fail_response("GET (list objects)", prefix, r);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(r.body);
      if (j.contains("items"))
        for (const auto& item : j.at("items")) {
          const std::string name = item.at("name").get<std::string>();
          keys.push_back(prefix_.empty() ? name : name.substr(std::min(name.size(), prefix_.size() + 1)));
        }
      token = j.contains("nextPageToken") ? j["nextPageToken"].get<std::string>() : "";
    } catch (const nlohmann::json::exception& e) {
      fail("{}: list objects at {}: invalid answer: {}", describe(prefix), endpoint_, e.what());
    }
    if (token.empty()) break;
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

void GcsStore::remove(const std::string& key) {
  auto c = client();
  const std::string path = "/storage/v1/b/" + url_encode(bucket_, false) + "/o/" + url_encode(full_name(key), false);
  const http::Response r = send(*c, describe(key), "DELETE", path, {}, {}, {auth_headers()});
  if (r.status != 204 && r.status != 200 && r.status != 404) fail_response("DELETE", key, r);
}

void GcsStore::check_readable() const {
  const http::Response r = bucket_request("GET", "");
  if (r.status == 404) fail("{}: bucket \"{}\" does not exist (GET at {}: HTTP 404)", describe(""), bucket_, endpoint_);
  if (r.status != 200) fail_response("GET (bucket)", "", r);
}

void GcsStore::check_writable() {
  check_readable();
  const std::string probe = fmt::format(".write-test.{}", ::getpid());
  auto c = client();
  put_now(*c, probe, {}, {});
  remove(probe);
}

http::Response GcsStore::bucket_request(const std::string& method, const std::string& suffix, const std::string& json_body) const {
  auto c = client();
  return send(*c, "gs://" + bucket_, method, "/storage/v1/b/" + url_encode(bucket_, false) + suffix,
              std::as_bytes(std::span(json_body)), json_body.empty() ? "" : "application/json", {auth_headers()});
}

}  // namespace dflow::kv
