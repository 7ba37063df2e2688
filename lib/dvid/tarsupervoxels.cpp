#include "dvid/tarsupervoxels.hpp"

#include <algorithm>
#include <charconv>

#include "archive/tar.hpp"
#include "core/error.hpp"
#include "dvid/repo.hpp"

namespace dflow::dvid {

namespace {

nlohmann::json parse_json(const std::string& body, const std::string& url) {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    fail("DVID GET {}: response is not JSON ({}): {}", url, e.what(), body.substr(0, 200));
  }
}

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

}  // namespace

Tarsupervoxels::Tarsupervoxels(Client& client, std::string uuid, std::string name)
    : client_(client), uuid_(std::move(uuid)), name_(std::move(name)) {}

std::string Tarsupervoxels::path(const std::string& endpoint) const { return "/api/node/" + uuid_ + "/" + name_ + "/" + endpoint; }

std::optional<nlohmann::json> Tarsupervoxels::info_if_exists() { return instance_info_if_exists(client_, uuid_, name_); }

std::string Tarsupervoxels::extension() {
  const auto info = info_if_exists();
  if (!info) fail("DVID GET {}: no tarsupervoxels instance \"{}\" in node {}", client_.url(path("info")), name_, uuid_);
  const std::string type = info->value("Base", nlohmann::json::object()).value("TypeName", "");
  if (type != "tarsupervoxels")
    fail("DVID GET {}: instance \"{}\" is a {}, not a tarsupervoxels instance", client_.url(path("info")), name_, type);
  const auto ext = info->value("Extended", nlohmann::json::object()).value("Extension", "");
  if (ext.empty()) fail("DVID GET {}: the instance has no Extension", client_.url(path("info")));
  return ext;
}

void Tarsupervoxels::load(std::span<const std::byte> tar_archive) { client_.post(path("load"), tar_archive, "application/x-tar"); }

void Tarsupervoxels::post_supervoxel(uint64_t sv, std::span<const std::byte> data) {
  client_.post(path(fmt::format("supervoxel/{}", sv)), data);
}

std::optional<std::string> Tarsupervoxels::supervoxel(uint64_t sv) {
  const std::string p = path(fmt::format("supervoxel/{}", sv));
  Response r = client_.request("GET", p);
  if (r.status == 404) return std::nullopt;
  if (r.status / 100 != 2) fail("DVID GET {}: HTTP {}: {}", client_.url(p), r.status, r.body.substr(0, 300));
  return std::move(r.body);
}

std::string Tarsupervoxels::tarfile(uint64_t body) { return client_.get(path(fmt::format("tarfile/{}", body))); }

std::map<uint64_t, std::string> Tarsupervoxels::tarfile_members(uint64_t body, std::vector<uint64_t>* missing) {
  const std::string archive = tarfile(body);
  const std::string url = client_.url(path(fmt::format("tarfile/{}", body)));
  std::map<uint64_t, std::string> out;
  for (const tar::Entry& e : tar::read(bytes_of(archive), "DVID GET " + url)) {
    const size_t dot = e.name.find('.');
    uint64_t sv = 0;
    const auto [end, ec] = std::from_chars(e.name.data(), e.name.data() + (dot == std::string::npos ? e.name.size() : dot), sv);
    if (ec != std::errc() || dot == std::string::npos || end != e.name.data() + dot)
      fail("DVID GET {}: unexpected member name \"{}\" (want <supervoxel>.<ext>)", url, e.name);
    if (e.name.substr(dot + 1) == "missing") {
      if (missing) missing->push_back(sv);
      continue;
    }
    if (!out.emplace(sv, std::string(reinterpret_cast<const char*>(e.data.data()), e.data.size())).second)
      fail("DVID GET {}: supervoxel {} appears twice", url, sv);
  }
  if (missing) std::sort(missing->begin(), missing->end());
  return out;
}

std::vector<uint64_t> Tarsupervoxels::missing(uint64_t body) {
  const std::string p = path(fmt::format("missing/{}", body));
  const nlohmann::json j = parse_json(client_.get(p), client_.url(p));
  if (!j.is_array()) fail("DVID GET {}: expected a JSON array, got {}", client_.url(p), j.dump().substr(0, 200));
  std::vector<uint64_t> out = j.get<std::vector<uint64_t>>();
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<bool> Tarsupervoxels::exists(const std::vector<uint64_t>& svs) {
  const std::string body = nlohmann::json(svs).dump();
  const std::string p = path("exists");
  Response r = client_.request("GET", p, bytes_of(body), "application/json");
  if (r.status / 100 != 2) fail("DVID GET {}: HTTP {}: {}", client_.url(p), r.status, r.body.substr(0, 300));
  const nlohmann::json j = parse_json(r.body, client_.url(p));
  if (!j.is_array() || j.size() != svs.size())
    fail("DVID GET {}: expected {} booleans, got {}", client_.url(p), svs.size(), r.body.substr(0, 200));
  std::vector<bool> out;
  for (const auto& v : j) out.push_back(v.get<bool>());
  return out;
}

}  // namespace dflow::dvid
