#pragma once
// The cleave server's endpoints, independent of the HTTP library: request text in, Reply out.
// Thread-safe: the table is shared read-only, DVID clients are per thread (body_source.hpp).
//
// /compute-cleave answers (spec section 1.5): a copy of the request plus request-timestamp, seeds
// (keys sorted as strings, lists ascending), assignments {"<class>": [sv, ...]} covering every
// supervoxel the body has now in DVID ("0" = unassigned), warnings, info, and errors only on
// failure; keys sorted. Status: 400 malformed JSON or fields, 412 no seeds or seeds outside the
// body, 404 body unknown to DVID, DVID's 4xx, 502 DVID failing, 504 DVID timing out.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "cleave/algorithms.hpp"
#include "cleave/body_source.hpp"
#include "cleave/status.hpp"
#include "cleave/table.hpp"

namespace dflow::cleave {

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

struct ServiceOptions {
  DvidTimeouts timeouts;
  std::string primary_uuid;
  Method default_method = Method::seeded_mst;
};

class CleaveService {
 public:
  CleaveService(const CleaveTable& table, ServiceOptions options, RecentLog& log);

  Reply compute_cleave(std::string_view request);
  Reply body_edge_table(std::string_view request);  // CSV id_a,...,score,body,source
  Reply debug(std::string_view request);
  Reply primary_uuid();
  Reply set_primary_uuid(std::string_view request);
  Reply set_default_method(const std::string& method);  // empty: unchanged

 private:
  const CleaveTable& table_;
  ServiceOptions options_;
  RecentLog& log_;
  std::mutex mu_;  // primary uuid and default method
};

}  // namespace dflow::cleave
