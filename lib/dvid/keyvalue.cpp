#include "dvid/keyvalue.hpp"

#include "core/error.hpp"
#include "dvid/repo.hpp"
#include "keyvalue.pb.h"

namespace dflow::dvid {

namespace {

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

}  // namespace

void check_key(const std::string& key) {
  if (key.empty()) fail("keyvalue: empty key");
  for (const char c : key)
    if (c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      fail("keyvalue: key \"{}\" contains '/' or a control character (DVID keys are one URL path segment)", key);
}

Keyvalue::Keyvalue(Client& client, std::string uuid, std::string name)
    : client_(client), uuid_(std::move(uuid)), name_(std::move(name)) {}

std::string Keyvalue::path(const std::string& endpoint) const { return "/api/node/" + uuid_ + "/" + name_ + "/" + endpoint; }

std::optional<nlohmann::json> Keyvalue::info_if_exists() { return instance_info_if_exists(client_, uuid_, name_); }

void Keyvalue::put(const std::string& key, std::span<const std::byte> value) {
  check_key(key);
  client_.post(path("key/" + key), value);
}

std::optional<std::string> Keyvalue::get(const std::string& key) {
  check_key(key);
  const std::string p = path("key/" + key);
  Response r = client_.request("GET", p);
  if (r.status == 404) return std::nullopt;
  if (r.status / 100 != 2) fail("DVID GET {}: HTTP {}: {}", client_.url(p), r.status, r.body.substr(0, 300));
  return std::move(r.body);
}

bool Keyvalue::exists(const std::string& key) {
  check_key(key);
  const std::string p = path("key/" + key);
  const Response r = client_.request("HEAD", p);
  if (r.status == 404) return false;
  if (r.status / 100 != 2) fail("DVID HEAD {}: HTTP {}", client_.url(p), r.status);
  return true;
}

std::vector<std::string> Keyvalue::keys() {
  const std::string body = client_.get(path("keys"));
  try {
    return nlohmann::json::parse(body).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    fail("DVID GET {}: expected a JSON array of keys ({}): {}", client_.url(path("keys")), e.what(), body.substr(0, 200));
  }
}

void Keyvalue::put_many(const std::vector<std::pair<std::string, std::span<const std::byte>>>& pairs) {
  dvidpb::KeyValues kvs;
  for (const auto& [key, value] : pairs) {
    check_key(key);
    dvidpb::KeyValue* kv = kvs.add_kvs();
    kv->set_key(key);
    kv->set_value(reinterpret_cast<const char*>(value.data()), value.size());
  }
  std::string wire;
  if (!kvs.SerializeToString(&wire)) fail("keyvalue: protobuf serialization of {} pairs failed", pairs.size());
  client_.post(path("keyvalues"), bytes_of(wire));
}

std::map<std::string, std::string> Keyvalue::get_many(const std::vector<std::string>& keys) {
  dvidpb::Keys req;
  for (const auto& k : keys) req.add_keys(k);
  std::string wire;
  if (!req.SerializeToString(&wire)) fail("keyvalue: protobuf serialization of {} keys failed", keys.size());
  const std::string p = path("keyvalues");
  Response r = client_.request("GET", p, bytes_of(wire), "application/octet-stream");
  if (r.status / 100 != 2) fail("DVID GET {}: HTTP {}: {}", client_.url(p), r.status, r.body.substr(0, 300));
  dvidpb::KeyValues kvs;
  if (!kvs.ParseFromString(r.body)) fail("DVID GET {}: response is not a KeyValues protobuf", client_.url(p));
  std::map<std::string, std::string> out;
  for (const auto& kv : kvs.kvs()) out[kv.key()] = kv.value();
  return out;
}

}  // namespace dflow::dvid
