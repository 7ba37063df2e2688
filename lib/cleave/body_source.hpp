#pragma once
// The body as it is now in DVID: GET /api/node/{uuid}/{instance}/supervoxels/{body}, through
// lib/dvid's client (one per thread and server, kept alive between requests).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace dflow::cleave {

struct DvidTarget {
  std::string server;    // "host:port" or a URL
  std::string uuid;
  std::string instance;  // labelmap
  std::string user = "unknown";
};

// A DVID failure while answering a request, with the HTTP status the cleave server answers:
// 404 (body unknown), DVID's own 4xx, 502 (unreachable, 5xx), 504 (timed out).
class DvidError : public Error {
 public:
  DvidError(const std::string& message, int status) : Error(message), status(status) {}
  int status;
};

struct DvidTimeouts {
  std::chrono::seconds request{30};
  std::chrono::seconds connect{3};
  int attempts = 2;  // a proofreader is waiting: one retry at most
};

// The body's supervoxels, ascending, without duplicates.
std::vector<uint64_t> fetch_body_supervoxels(const DvidTarget& target, uint64_t body, const DvidTimeouts& timeouts);

// Ascending order (radix sort: DVID lists a body's supervoxels in hash order).
void sort_ids(std::vector<uint64_t>& ids);

// A JSON array of unsigned integers (DVID's /supervoxels answer) without building a JSON tree;
// anything else is an error naming `what`.
std::vector<uint64_t> parse_id_array(std::string_view text, const std::string& what);

}  // namespace dflow::cleave
