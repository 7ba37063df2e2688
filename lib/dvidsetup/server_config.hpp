#pragma once
// The DVID server's TOML from workflows/01-dvid/dvid-config.toml.in. scripts/dvid-server.sh does the
// same with sed when dvid-setup is not built; tests/dvidsetup checks that both give identical files.
//
// Template language (deliberately tiny so sed can implement it too):
//   @NAME@                      replaced by the value of NAME (an unknown @NAME@ is an error)
//   #@BEGIN NGPRECOMPUTED@ ...  lines up to "#@END NGPRECOMPUTED@" are kept only if an
//                               ngprecomputed reference is given; the marker lines are dropped
//   optional fields             a line holding @NGPRECOMPUTED_INSTANCE@ or @NGPRECOMPUTED_UUID@ is
//                               dropped when that value is empty
#include <string>

namespace dflow::dvidsetup {

struct ServerConfigValues {
  std::string http_address = "127.0.0.1:8000";  // host:port
  std::string rpc_address = "127.0.0.1:8001";
  std::string data_dir;                         // absolute; badger, mutlog and dvid.log live here
  std::string note = "dvidflow DVID server";
  // ngprecomputed proxy store (dvid.md §1.9); empty ref = none.
  std::string ng_ref;       // s3://bucket/prefix/ or gs://bucket/prefix
  std::string ng_instance;  // base name of the auto-created uint8blk instances
  std::string ng_uuid;      // repo that gets them
};

// `template_name` names the template in errors. Throws dflow::Error on an unknown placeholder, an
// unbalanced block, a value that TOML cannot hold in a basic string ('"', '\\', newline), or
// ngprecomputed instance/uuid given without a ref.
std::string render_server_config(const std::string& template_text, const ServerConfigValues& values,
                                 const std::string& template_name);

}  // namespace dflow::dvidsetup
