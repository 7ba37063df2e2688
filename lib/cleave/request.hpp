#pragma once
// The /compute-cleave request (spec cleave-server.md section 1.4) as neu3 and neuclease send it:
//
//   required  body-id (integer, or a string of digits), seeds {"<class>": [sv, ...]}, server (DVID
//             host, the port separate), port (integer or string), uuid, segmentation-instance
//   optional  user ("unknown"), method (the server's default, seeded-mst), find-missing-edges
//             (accepted; this server does not search voxels, see README)
//   ours      seed-unassigned (bool): every supervoxel left unassigned gets a class of its own
//             (max seed class + 1, + 2, ... in ascending supervoxel order) instead of "0";
//             isolated-groups ([[sv, ...], ...]): no edge crosses the boundary of a group
//   anything else (request-number, mesh-instance, comment, ...) is echoed back untouched.
//
// Violations are BadRequest (HTTP 400) with one message naming the field.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cleave/algorithms.hpp"
#include "core/error.hpp"

namespace dflow::cleave {

class BadRequest : public Error {
 public:
  using Error::Error;
};

struct SeedClass {
  std::string key;  // as sent ("1", or "01"), echoed in the reply's seeds
  uint32_t label = 0;
  std::vector<uint64_t> svs;  // as sent (may be empty)
};

struct CleaveRequest {
  nlohmann::ordered_json json;  // the whole request, to echo back
  uint64_t body = 0;
  std::vector<SeedClass> seeds;  // in request order (a supervoxel in two classes gets the last)
  std::string server;            // "host:port"
  std::string uuid, instance, user = "unknown";
  Method method = Method::seeded_mst;
  bool find_missing_edges = true;
  bool seed_unassigned = false;
  std::vector<std::vector<uint64_t>> isolated_groups;
};

// Deeper JSON is refused before it is parsed (echoing it back must not recurse without bound).
inline constexpr int kMaxJsonDepth = 64;

// Parses any JSON request body; BadRequest if it is not JSON, too deep, or not an object.
nlohmann::ordered_json parse_json_object(std::string_view text);

// The fields of a /compute-cleave (or /body-edge-table, without seeds) request.
CleaveRequest parse_cleave_request(nlohmann::ordered_json json, Method default_method, bool need_seeds = true);

// "YYYY-MM-DD HH:MM:SS.ffffff", local time (Python's str(datetime.now())).
std::string request_timestamp();

}  // namespace dflow::cleave
