#include "kvstore/publish.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "core/error.hpp"
#include "kvstore/stores.hpp"

namespace dflow::kv {

namespace {

using nlohmann::json;

std::string base64(const unsigned char* p, size_t n) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < n; i += 3) {
    const uint32_t v = uint32_t(p[i]) << 16 | (i + 1 < n ? uint32_t(p[i + 1]) << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    out += t[v >> 18 & 63];
    out += t[v >> 12 & 63];
    out += i + 1 < n ? t[v >> 6 & 63] : '=';
    out += i + 2 < n ? t[v & 63] : '=';
  }
  return out;
}

// S3 wants Content-MD5 on bucket configuration uploads (PutBucketCors).
std::string content_md5(const std::string& body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!EVP_Digest(body.data(), body.size(), md, &n, EVP_md5(), nullptr)) fail("OpenSSL: MD5 failed");
  return base64(md, n);
}

std::span<const std::byte> bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::string first_line(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  return printable(line.size() > 200 ? line.substr(0, 200) + "..." : line);
}

json cors_json(const CorsRule& r) {
  return {{"origin", r.origins}, {"method", r.methods}, {"responseHeader", r.response_headers}, {"maxAgeSeconds", r.max_age_seconds}};
}

bool same_cors_rule(const json& a, const json& b) {
  auto set = [](const json& j, const char* k) {
    std::vector<std::string> v;
    if (j.contains(k) && j[k].is_array())
      for (const auto& x : j[k]) v.push_back(x.is_string() ? x.get<std::string>() : x.dump());
    std::sort(v.begin(), v.end());
    return v;
  };
  return set(a, "origin") == set(b, "origin") && set(a, "method") == set(b, "method") &&
         set(a, "responseHeader") == set(b, "responseHeader") && a.value("maxAgeSeconds", 0) == b.value("maxAgeSeconds", -1);
}

void publish_gcs(GcsStore& s, const CorsRule& cors, PublishReport& rep) {
  const std::string where = "gs://" + s.bucket();
  auto bucket_json = [&] {
    const http::Response r = s.bucket_request("GET", "");
    if (r.status == 404) fail("{}: bucket \"{}\" does not exist (GET at {}: HTTP 404)", where, s.bucket(), s.endpoint());
    if (r.status != 200) fail("{}: GET bucket at {}: HTTP {}: {}", where, s.endpoint(), r.status, first_line(r.body));
    try {
      return json::parse(r.body);
    } catch (const json::exception& e) {
      fail("{}: GET bucket at {}: invalid JSON: {}", where, s.endpoint(), e.what());
    }
  };
  // CORS: add our rule unless an identical one is there.
  const json want = cors_json(cors);
  auto has_rule = [&](const json& b) {
    if (!b.contains("cors") || !b["cors"].is_array()) return false;
    return std::any_of(b["cors"].begin(), b["cors"].end(), [&](const json& r) { return same_cors_rule(r, want); });
  };
  json b = bucket_json();
  if (has_rule(b)) {
    rep.lines.push_back("CORS: the rule is already set");
  } else {
    json rules = b.contains("cors") && b["cors"].is_array() ? b["cors"] : json::array();
    rules.push_back(want);
    const http::Response r = s.bucket_request("PATCH", "", json{{"cors", rules}}.dump());
    if (r.status != 200) fail("{}: PATCH bucket cors at {}: HTTP {}: {}", where, s.endpoint(), r.status, first_line(r.body));
    if (has_rule(bucket_json()))
      rep.lines.push_back("CORS: rule set (" + want.dump() + ")");
    else
      rep.lines.push_back("CORS: the server accepted the rule (PATCH 200) but does not keep bucket CORS (GET shows none; "
                          "fake-gcs-server answers every origin itself)");
  }
  // Public read: IAM allUsers -> roles/storage.objectViewer; servers without the IAM API get the
  // bucket ACL entry allUsers READER instead.
  const http::Response iam = s.bucket_request("GET", "/iam");
  if (iam.status == 200) {
    json policy = json::parse(iam.body, nullptr, false);
    if (policy.is_discarded()) fail("{}: GET iam at {}: invalid JSON", where, s.endpoint());
    json& bindings = policy["bindings"];
    if (!bindings.is_array()) bindings = json::array();
    bool found = false;
    for (auto& bnd : bindings)
      if (bnd.value("role", "") == "roles/storage.objectViewer") {
        for (const auto& m : bnd["members"])
          if (m == "allUsers") found = true;
        if (!found) bnd["members"].push_back("allUsers");
        found = true;
        break;
      }
    const bool already = [&] {
      for (const auto& bnd : json::parse(iam.body)["bindings"])
        if (bnd.value("role", "") == "roles/storage.objectViewer")
          for (const auto& m : bnd["members"])
            if (m == "allUsers") return true;
      return false;
    }();
    if (already) {
      rep.lines.push_back("public read: allUsers already has roles/storage.objectViewer");
    } else {
      if (!found) bindings.push_back({{"role", "roles/storage.objectViewer"}, {"members", {"allUsers"}}});
      const http::Response r = s.bucket_request("PUT", "/iam", policy.dump());
      if (r.status != 200) fail("{}: PUT iam at {}: HTTP {}: {}", where, s.endpoint(), r.status, first_line(r.body));
      rep.lines.push_back("public read: IAM binding allUsers -> roles/storage.objectViewer added");
    }
  } else if (iam.status == 401 || iam.status == 403) {
    fail("{}: GET iam at {}: HTTP {} (no permission to read the bucket's IAM policy): {}", where, s.endpoint(), iam.status,
         first_line(iam.body));
  } else {
    const http::Response acl = s.bucket_request("GET", "/acl");
    if (acl.status != 200) fail("{}: GET acl at {}: HTTP {}: {}", where, s.endpoint(), acl.status, first_line(acl.body));
    const json items = json::parse(acl.body, nullptr, false).value("items", json::array());
    const bool already = std::any_of(items.begin(), items.end(), [](const json& e) {
      return e.value("entity", "") == "allUsers" && e.value("role", "") == "READER";
    });
    if (already) {
      rep.lines.push_back("public read: bucket ACL allUsers READER already set (the server has no IAM API)");
    } else {
      const http::Response r = s.bucket_request("POST", "/acl", json{{"entity", "allUsers"}, {"role", "READER"}}.dump());
      if (r.status != 200) fail("{}: POST acl at {}: HTTP {}: {}", where, s.endpoint(), r.status, first_line(r.body));
      rep.lines.push_back(fmt::format("public read: bucket ACL allUsers READER added (GET iam: HTTP {}, the server has no IAM API)",
                                      iam.status));
    }
  }
  const bool google = s.endpoint() == "https://storage.googleapis.com";
  const std::string path = s.bucket() + (s.prefix().empty() ? "" : "/" + s.prefix());
  rep.public_url = (google ? "https://storage.googleapis.com/" : s.endpoint() + "/") + path;
  rep.neuroglancer_source = google ? "precomputed://gs://" + path : "precomputed://" + rep.public_url;
  rep.dvid_ref = "gs://" + path;
}

void publish_s3(S3Store& s, const CorsRule& cors, PublishReport& rep) {
  const std::string where = "s3://" + s.bucket();
  // Public read: a bucket policy statement of our own (Sid) granting s3:GetObject to everyone.
  const std::string sid = "dvidflow-public-read";
  const json stmt = {{"Sid", sid},
                     {"Effect", "Allow"},
                     {"Principal", {{"AWS", {"*"}}}},
                     {"Action", {"s3:GetObject"}},
                     {"Resource", {"arn:aws:s3:::" + s.bucket() + "/" + (s.prefix().empty() ? "" : s.prefix() + "/") + "*"}}};
  http::Response r = s.bucket_request("GET", "policy=");
  json policy = {{"Version", "2012-10-17"}, {"Statement", json::array()}};
  if (r.status == 200) {
    policy = json::parse(r.body, nullptr, false);
    if (policy.is_discarded() || !policy.contains("Statement")) fail("{}: GET ?policy at {}: not a bucket policy", where, s.endpoint());
  } else if (r.status != 404) {
    fail("{}: GET ?policy at {}: HTTP {}: {}", where, s.endpoint(), r.status, first_line(r.body));
  }
  auto matches = [&](const json& st) {
    auto strings = [](const json& v) {
      std::vector<std::string> out;
      if (v.is_string()) out.push_back(v.get<std::string>());
      else if (v.is_array())
        for (const auto& x : v) out.push_back(x.is_string() ? x.get<std::string>() : x.dump());
      std::sort(out.begin(), out.end());
      return out;
    };
    const json principal = st.value("Principal", json());
    const json aws = principal.is_object() ? principal.value("AWS", json()) : principal;
    return st.value("Effect", "") == "Allow" && strings(aws) == std::vector<std::string>{"*"} &&
           strings(st.value("Action", json())) == std::vector<std::string>{"s3:GetObject"} &&
           strings(st.value("Resource", json())) == strings(stmt["Resource"]);
  };
  json& statements = policy["Statement"];
  if (std::any_of(statements.begin(), statements.end(), matches)) {
    rep.lines.push_back("public read: the bucket policy already grants s3:GetObject to everyone");
  } else {
    json kept = json::array();
    for (const auto& st : statements)
      if (st.value("Sid", "") != sid) kept.push_back(st);
    kept.push_back(stmt);
    statements = kept;
    r = s.bucket_request("PUT", "policy=", bytes(policy.dump()), "application/json");
    if (r.status != 200 && r.status != 204) fail("{}: PUT ?policy at {}: HTTP {}: {}", where, s.endpoint(), r.status, first_line(r.body));
    rep.lines.push_back("public read: bucket policy statement " + sid + " (s3:GetObject for everyone) set");
  }
  // CORS: PutBucketCors. MinIO does not implement it (it answers CORS server-wide); say so.
  std::string xml = "<CORSConfiguration><CORSRule>";
  for (const auto& o : cors.origins) xml += "<AllowedOrigin>" + o + "</AllowedOrigin>";
  for (const auto& m : cors.methods) xml += "<AllowedMethod>" + m + "</AllowedMethod>";
  xml += "<AllowedHeader>*</AllowedHeader>";
  for (const auto& h : cors.response_headers) xml += "<ExposeHeader>" + h + "</ExposeHeader>";
  xml += fmt::format("<MaxAgeSeconds>{}</MaxAgeSeconds></CORSRule></CORSConfiguration>", cors.max_age_seconds);
  r = s.bucket_request("GET", "cors=");
  if (r.status == 200 && r.body.find("<AllowedOrigin>" + cors.origins.front() + "</AllowedOrigin>") != std::string::npos &&
      r.body.find("<AllowedMethod>GET</AllowedMethod>") != std::string::npos) {
    rep.lines.push_back("CORS: a rule for " + cors.origins.front() + " with GET is already set");
  } else {
    r = s.bucket_request("PUT", "cors=", bytes(xml), "application/xml", {"Content-MD5: " + content_md5(xml)});
    if (r.status == 200) {
      rep.lines.push_back("CORS: rule set (PutBucketCors)");
    } else if (r.status == 501 || r.body.find("NotImplemented") != std::string::npos) {
      rep.lines.push_back(fmt::format("CORS: this S3 server does not implement PutBucketCors (HTTP {} NotImplemented); "
                                      "MinIO answers CORS for every bucket itself (MINIO_API_CORS_ALLOW_ORIGIN, default *)",
                                      r.status));
    } else {
      fail("{}: PUT ?cors at {}: HTTP {}: {}", where, s.endpoint(), r.status, first_line(r.body));
    }
  }
  const bool aws = s.endpoint().find(".amazonaws.com") != std::string::npos;
  const std::string path = s.prefix().empty() ? "" : "/" + s.prefix();
  rep.public_url = s.path_style() ? s.endpoint() + "/" + s.bucket() + path
                                  : "https://" + s.bucket() + ".s3." + s.region() + ".amazonaws.com" + path;
  rep.neuroglancer_source = aws ? "precomputed://s3://" + s.bucket() + path : "precomputed://" + rep.public_url;
  if (aws) {
    rep.dvid_ref = "s3://" + s.bucket() + path + "/";
  } else if (s.prefix().empty()) {
    // DVID v1.0.0 takes everything after the first '/' as the prefix, so the endpoint's slashes are
    // %-encoded and a final '/' leaves an empty prefix (tests/dvidsetup/check_ngprecomputed_proxy.py).
    std::string ep = s.endpoint();
    for (size_t p; (p = ep.find('/')) != std::string::npos;) ep.replace(p, 1, "%2F");
    rep.dvid_ref = "s3://" + s.bucket() + "?region=" + s.region() + "&s3ForcePathStyle=true&endpoint=" + ep + "/";
  } else {
    rep.lines.push_back("DVID: v1.0.0 proxies a volume on a custom S3 endpoint only at the bucket root; no ref rendered");
  }
}

}  // namespace

PublishReport publish_bucket(const std::string& url, const Options& options, const CorsRule& cors) {
  if (!is_bucket_url(url)) fail("{}: publish needs an s3:// or gs:// URL", printable(url));
  auto store = open_kvstore(url, options);
  PublishReport rep;
  if (auto* g = dynamic_cast<GcsStore*>(store.get())) publish_gcs(*g, cors, rep);
  else publish_s3(dynamic_cast<S3Store&>(*store), cors, rep);
  return rep;
}

std::string neuroglancer_url(const std::string& viewer, const std::string& source, const std::string& layer) {
  const json state = {{"layers", {{{"type", "image"}, {"source", source}, {"name", layer}}}}, {"layout", "xy"}};
  std::string v = viewer;
  while (!v.empty() && v.back() == '/') v.pop_back();
  return v + "/#!" + url_encode(state.dump(), false);
}

}  // namespace dflow::kv
