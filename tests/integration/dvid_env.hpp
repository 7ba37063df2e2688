#pragma once
// Where the ctest fixture started the real DVID server.
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/error.hpp"

namespace dflow::test {

inline std::string dvid_url() {
  const char* u = std::getenv("DFLOW_DVID_URL");
  if (!u) fail("DFLOW_DVID_URL is not set: run this test through ctest, which starts DVID");
  return u;
}

inline std::string dvid_admin_token() {
  const char* d = std::getenv("DFLOW_DVID_DIR");
  std::ifstream in(std::string(d ? d : ".") + "/admin-token");
  std::string t;
  in >> t;
  return t;
}

}  // namespace dflow::test
