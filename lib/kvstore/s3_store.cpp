// S3Store: the S3 REST API (path-style or virtual-hosted), requests signed by libcurl's own AWS
// Signature Version 4 (CURLOPT_AWS_SIGV4). libcurl 7.88 signs the payload hash but does not send it,
// so every request carries x-amz-content-sha256: UNSIGNED-PAYLOAD (signed, as S3 allows).
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "kvstore/s3_xml.hpp"
#include "kvstore/stores.hpp"

namespace dflow::kv {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string first_line(const std::string& s, size_t max = 200) {
  std::string line = s.substr(0, s.find('\n'));
  if (line.size() > max) line = line.substr(0, max) + "...";
  return line;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::byte> to_bytes(const std::string& s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return {p, p + s.size()};
}

// Where the credentials came from, for error messages (never the keys themselves).
thread_local std::string t_creds_source;

}  // namespace

S3Credentials parse_aws_credentials(std::string_view text, const std::string& profile, const std::string& where) {
  S3Credentials c;
  std::string section;
  bool found = false;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') fail("{}:{}: section header without ']'", where, line_no);
      section = trim(std::string_view(line).substr(1, line.size() - 2));
      if (section.rfind("profile ", 0) == 0) section = trim(std::string_view(section).substr(8));
      found = found || section == profile;
      continue;
    }
    if (section != profile) continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) fail("{}:{}: expected key = value in profile [{}]", where, line_no, profile);
    const std::string k = trim(std::string_view(line).substr(0, eq)), v = trim(std::string_view(line).substr(eq + 1));
    if (k == "aws_access_key_id") c.access_key = v;
    else if (k == "aws_secret_access_key") c.secret_key = v;
    else if (k == "aws_session_token") c.session_token = v;
  }
  if (!found) return {};
  if (c.access_key.empty() != c.secret_key.empty())
    fail("{}: profile [{}] has only one of aws_access_key_id and aws_secret_access_key", where, profile);
  return c;
}

S3Credentials load_s3_credentials(const std::string& profile_option) {
  S3Credentials c{env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN")};
  if (!c.access_key.empty()) {
    if (c.secret_key.empty()) fail("S3: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    t_creds_source = "access key from AWS_ACCESS_KEY_ID";
    return c;
  }
  const std::string profile = !profile_option.empty() ? profile_option : !env("AWS_PROFILE").empty() ? env("AWS_PROFILE") : "default";
  std::string file = env("AWS_SHARED_CREDENTIALS_FILE");
  if (file.empty() && !env("HOME").empty()) file = env("HOME") + "/.aws/credentials";
  if (!file.empty()) {
    if (auto bytes = read_file_if_exists(file)) {
      c = parse_aws_credentials(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()), profile, file);
      if (!c.access_key.empty()) {
        t_creds_source = fmt::format("profile [{}] of {}", profile, file);
        return c;
      }
    }
  }
  if (!profile_option.empty() || !env("AWS_PROFILE").empty())
    fail("S3: profile [{}] not found in {} (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or fix AWS_PROFILE)", profile,
         file.empty() ? "~/.aws/credentials" : file);
  t_creds_source = "no credentials (anonymous requests)";
  return {};
}

namespace {

// Endpoint, region and addressing style with the environment's defaults filled in.
Options resolve_s3(Options o) {
  std::string region = !o.region.empty() ? o.region : !env("AWS_REGION").empty() ? env("AWS_REGION") : env("AWS_DEFAULT_REGION");
  if (region.empty()) region = "us-east-1";
  std::string endpoint = !o.endpoint.empty() ? o.endpoint
                         : !env("AWS_ENDPOINT_URL_S3").empty() ? env("AWS_ENDPOINT_URL_S3")
                                                               : env("AWS_ENDPOINT_URL");
  const bool custom = !endpoint.empty();
  if (!custom) endpoint = "https://s3." + region + ".amazonaws.com";
  if (endpoint.find("://") == std::string::npos) endpoint = "http://" + endpoint;
  while (endpoint.back() == '/') endpoint.pop_back();
  o.region = region;
  o.endpoint = endpoint;
  // A custom endpoint (MinIO, Ceph, ...) rarely has per-bucket host names.
  if (!o.path_style) o.path_style = custom;
  return o;
}

// The client's server: the endpoint (path-style) or bucket.host (virtual-hosted).
std::string s3_server(const Options& o, const std::string& bucket) {
  if (*o.path_style) return o.endpoint;
  const size_t p = o.endpoint.find("://") + 3;
  return o.endpoint.substr(0, p) + bucket + "." + o.endpoint.substr(p);
}

}  // namespace

S3Store::S3Store(std::string bucket, std::string prefix, Options o)
    : HttpStore(s3_server(resolve_s3(o), bucket), "S3", resolve_s3(o)), bucket_(std::move(bucket)), prefix_(std::move(prefix)) {
  endpoint_ = options().endpoint;
  region_ = options().region;
  path_style_ = options().path_style.value_or(true);
  creds_ = load_s3_credentials(options().profile);
  creds_source_ = t_creds_source;
}

S3Store::~S3Store() { stop_uploads(); }

std::string S3Store::describe(const std::string& key) const {
  std::string u = "s3://" + bucket_;
  if (!prefix_.empty()) u += "/" + prefix_;
  if (!key.empty()) u += "/" + key;
  return u;
}

std::string S3Store::object_path(const std::string& key, const std::string& query) const {
  const std::string full = prefix_.empty() ? key : key.empty() ? prefix_ : prefix_ + "/" + key;
  std::string p = (path_style_ ? "/" + bucket_ + "/" : "/") + url_encode(full, true);
  if (!query.empty()) p += "?" + query;
  return p;
}

http::Response S3Store::send(http::Client& client, const std::string& method, const std::string& path_query,
                             std::span<const std::byte> body, const std::string& content_type,
                             std::vector<std::string> headers, const std::string& where, http::Replay replay) const {
  http::RequestOptions ro;
  ro.headers = std::move(headers);
  if (!creds_.access_key.empty()) {
    ro.headers.push_back("x-amz-content-sha256: UNSIGNED-PAYLOAD");
    if (!creds_.session_token.empty()) ro.headers.push_back("x-amz-security-token: " + creds_.session_token);
    ro.aws_sigv4 = "aws:amz:" + region_ + ":s3";
    ro.userpwd = creds_.access_key + ":" + creds_.secret_key;
  }
  try {
    return client.request(method, path_query, body, content_type, ro, replay);
  } catch (const http::OutcomeUnknown&) {
    throw;
  } catch (const Error& e) {
    fail("{}: {}", where, e.what());
  }
}

void S3Store::fail_response(const std::string& what, const std::string& key, const http::Response& r) const {
  std::string code, message;
  try {
    code = xml_text(r.body, "Code", "S3 error");
    message = xml_text(r.body, "Message", "S3 error");
  } catch (const Error&) {
  }
  if (code.empty()) message = first_line(r.body);
  message = printable(message);
  code = printable(code);
  const std::string at = fmt::format("{} at {}", what, endpoint_);
  if (code == "NoSuchBucket")
    fail("{}: bucket \"{}\" does not exist ({}: HTTP 404 NoSuchBucket)", describe(key), bucket_, at);
  if (r.status == 403 || r.status == 401)
    fail("{}: access denied ({}: HTTP {} {}: {}; credentials: {})", describe(key), at, r.status, code, message, creds_source_);
  fail("{}: {}: HTTP {}{}{}{}", describe(key), at, r.status, code.empty() ? "" : " ", code,
       message.empty() ? "" : ": " + message);
}

std::optional<std::vector<std::byte>> S3Store::get(const std::string& key) const {
  auto c = client();
  const http::Response r = send(*c, "GET", object_path(key), {}, {}, {}, describe(key));
  if (r.status == 200) return to_bytes(r.body);
  if (r.status == 404 && r.body.find("NoSuchBucket") == std::string::npos) return std::nullopt;
  fail_response("GET", key, r);
}

std::optional<std::vector<std::byte>> S3Store::get_range(const std::string& key, uint64_t offset, uint64_t length) const {
  if (length == 0) {
    if (!size(key)) return std::nullopt;
    return std::vector<std::byte>{};
  }
  auto c = client();
  const http::Response r = send(*c, "GET", object_path(key), {}, {},
                                {fmt::format("Range: bytes={}-{}", offset, offset + length - 1)}, describe(key));
  if (r.status == 206) return to_bytes(r.body);
  if (r.status == 200) {  // a server that ignores Range sends the whole object
    if (offset >= r.body.size()) return std::vector<std::byte>{};
    return to_bytes(r.body.substr(offset, length));
  }
  if (r.status == 416) return std::vector<std::byte>{};
  if (r.status == 404 && r.body.find("NoSuchBucket") == std::string::npos) return std::nullopt;
  fail_response(fmt::format("GET bytes {}-{}", offset, offset + length - 1), key, r);
}

std::optional<uint64_t> S3Store::size(const std::string& key) const {
  auto c = client();
  const http::Response r = send(*c, "HEAD", object_path(key), {}, {}, {}, describe(key));
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) fail_response("HEAD", key, r);
  const std::string len = r.header("content-length");
  try {
    return std::stoull(len);
  } catch (const std::exception&) {
    fail("{}: HEAD at {}: no valid Content-Length (\"{}\")", describe(key), endpoint_, len);
  }
}

void S3Store::put_now(http::Client& client, const std::string& key, std::span<const std::byte> data, const PutOptions& o) {
  if (int64_t(data.size()) > options().multipart_bytes) return put_multipart(client, key, data, o);
  std::vector<std::string> headers;
  if (!o.content_encoding.empty()) headers.push_back("Content-Encoding: " + o.content_encoding);
  const http::Response r = send(client, "PUT", object_path(key), data, o.content_type, headers, describe(key));
  if (r.status != 200) fail_response("PUT", key, r);
}

void S3Store::put_multipart(http::Client& client, const std::string& key, std::span<const std::byte> data,
                            const PutOptions& o) {
  const std::string where = describe(key);
  std::vector<std::string> headers;
  if (!o.content_encoding.empty()) headers.push_back("Content-Encoding: " + o.content_encoding);
  http::Response r = send(client, "POST", object_path(key, "uploads="), {}, o.content_type, headers, where);
  if (r.status != 200) fail_response("POST ?uploads (start multipart upload)", key, r);
  const std::string id = xml_text(r.body, "UploadId", where + ": multipart upload");
  if (id.empty()) fail("{}: the answer to POST ?uploads has no UploadId", where);
  const std::string id_q = "uploadId=" + url_encode(id, false);
  try {
    const size_t part = size_t(std::max<int64_t>(options().part_bytes, 5ll << 20));  // S3's minimum part size
    std::string complete = "<CompleteMultipartUpload>";
    int n = 0;
    for (size_t off = 0; off < data.size(); off += part) {
      ++n;
      const auto piece = data.subspan(off, std::min(part, data.size() - off));
      r = send(client, "PUT", object_path(key, fmt::format("partNumber={}&{}", n, id_q)), piece, {}, {},
               fmt::format("{} (part {})", where, n));
      if (r.status != 200) fail_response(fmt::format("PUT part {}", n), key, r);
      const std::string etag = r.header("etag");
      if (etag.empty()) fail("{}: part {} was stored without an ETag", where, n);
      complete += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", n, etag);
    }
    complete += "</CompleteMultipartUpload>";
    try {
      r = send(client, "POST", object_path(key, id_q), to_bytes(complete), "application/xml", {}, where, http::Replay::unsafe);
    } catch (const http::OutcomeUnknown&) {
      // Completing twice fails (NoSuchUpload); the object's size tells whether the first one did it.
      if (size(key) == data.size()) return;
      throw;
    }
    // S3 may answer 200 and report a failure in the body.
    if (r.status != 200 || r.body.find("<Error>") != std::string::npos) fail_response("POST (complete multipart upload)", key, r);
  } catch (...) {
    try {  // leave no invisible parts behind; the resumed run uploads the object again
      send(client, "DELETE", object_path(key, id_q), {}, {}, {}, where);
    } catch (...) {
    }
    throw;
  }
}

std::vector<std::string> S3Store::list(const std::string& prefix) const {
  const std::string full = prefix_.empty() ? prefix : prefix.empty() ? prefix_ + "/" : prefix_ + "/" + prefix;
  std::vector<std::string> keys;
  std::string token;
  auto c = client();
  for (;;) {
    // Query parameters in SigV4's canonical (sorted) order.
    std::string q = token.empty() ? "" : "continuation-token=" + url_encode(token, false) + "&";
    q += "list-type=2&prefix=" + url_encode(full, false);
    const http::Response r = send(*c, "GET", (path_style_ ? "/" + bucket_ : std::string()) + "/?" + q, {}, {}, {}, describe(prefix));
    if (r.status != 200) fail_response("GET (list objects)", prefix, r);
    ListPage page = parse_list_objects(r.body, describe(prefix) + ": list objects");
    for (auto& k : page.keys) keys.push_back(prefix_.empty() ? k : k.substr(std::min(k.size(), prefix_.size() + 1)));
    if (!page.truncated) break;
    token = page.next_token;
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

void S3Store::remove(const std::string& key) {
  auto c = client();
  const http::Response r = send(*c, "DELETE", object_path(key), {}, {}, {}, describe(key));
  if (r.status != 204 && r.status != 200 && r.status != 404) fail_response("DELETE", key, r);
}

void S3Store::check_readable() const {
  auto c = client();
  const std::string q = "list-type=2&max-keys=1&prefix=" + url_encode(prefix_, false);
  const http::Response r = send(*c, "GET", (path_style_ ? "/" + bucket_ : std::string()) + "/?" + q, {}, {}, {}, describe(""));
  if (r.status != 200) fail_response("GET (list objects)", "", r);
}

void S3Store::check_writable() {
  check_readable();  // a missing bucket or wrong credentials are named by the store's URL
  const std::string probe = fmt::format(".write-test.{}", ::getpid());
  auto c = client();
  put_now(*c, probe, {}, {});
  remove(probe);
}

http::Response S3Store::bucket_request(const std::string& method, const std::string& query, std::span<const std::byte> body,
                                       const std::string& content_type, std::vector<std::string> headers) const {
  auto c = client();
  return send(*c, method, (path_style_ ? "/" + bucket_ : std::string()) + "/?" + query, body, content_type,
              std::move(headers), "s3://" + bucket_);
}

}  // namespace dflow::kv
