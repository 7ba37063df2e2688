#pragma once
// The keyvalue endpoints the pipeline uses (DVID datatype/keyvalue, v1.0.0). What we rely on, from
// DVID's help text and the handlers behind it:
//
//   GET|POST|HEAD|DELETE /api/node/<UUID>/<data>/key/<key>
//       The raw value of one key (GET 404 if absent; HEAD 200/404). The key is ONE path segment:
//       it cannot contain '/' (DVID splits the URL before decoding %2F).
//   GET /api/node/<UUID>/<data>/keys
//       JSON array of every key of the instance at that version.
//   POST /api/node/<UUID>/<data>/keyvalues
//       Batch put: the body is a protobuf KeyValues {repeated KeyValue kvs = 1} with
//       KeyValue {string key = 1; bytes value = 2} (keyvalue.proto); pairs are stored in order.
//   GET /api/node/<UUID>/<data>/keyvalues
//       Batch get: the GET body is a protobuf Keys {repeated string keys = 1}; the answer is a
//       KeyValues in which an absent key has an empty value.
//
// Versioned (unlike tarsupervoxels): values written at a node are seen by it and its descendants.
// Neuroglancer's DVID data source reads body meshes from a keyvalue instance (see lib/meshes/
// body_meshes.hpp for the key naming); flyemflows creates such instances with Tags "type=meshes".
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dvid/client.hpp"

namespace dflow::dvid {

class Keyvalue {
 public:
  Keyvalue(Client& client, std::string uuid, std::string name);
  const std::string& name() const { return name_; }
  std::string path(const std::string& endpoint) const;  // "/api/node/<uuid>/<name>/<endpoint>"

  // The instance's info JSON, or nullopt if the node has no instance of that name.
  std::optional<nlohmann::json> info_if_exists();

  void put(const std::string& key, std::span<const std::byte> value);
  std::optional<std::string> get(const std::string& key);  // nullopt if absent (404)
  bool exists(const std::string& key);                     // HEAD
  std::vector<std::string> keys();                         // sorted as DVID returns them
  // One POST /keyvalues with every pair (the caller bounds the batch size).
  void put_many(const std::vector<std::pair<std::string, std::span<const std::byte>>>& pairs);
  // One GET /keyvalues. DVID sends an absent key with an empty value, so an empty value and an
  // absent key cannot be told apart here (use exists() for that).
  std::map<std::string, std::string> get_many(const std::vector<std::string>& keys);

 private:
  Client& client_;
  std::string uuid_, name_;
};

// Checks a key DVID can store under /key/<key>: non-empty, no '/', printable.
void check_key(const std::string& key);

}  // namespace dflow::dvid
