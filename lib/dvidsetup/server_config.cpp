#include "dvidsetup/server_config.hpp"

#include <map>
#include <sstream>
#include <vector>

#include "core/error.hpp"

namespace dflow::dvidsetup {
namespace {

const std::string kBegin = "#@BEGIN ";
const std::string kEnd = "#@END ";

void check_toml_string(const std::string& what, const std::string& v) {
  for (char c : v)
    if (c == '"' || c == '\\' || c == '\n' || c == '\r')
      fail("dvid-setup render-config: {} \"{}\" contains a quote, backslash or line break, which the TOML template cannot hold", what, v);
}

// "@NAME@" placeholders of one line, in order.
std::vector<std::string> placeholders(const std::string& line) {
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = line.find('@', at)) != std::string::npos) {
    const size_t end = line.find('@', at + 1);
    if (end == std::string::npos) break;
    const std::string name = line.substr(at + 1, end - at - 1);
    bool word = !name.empty();
    for (char c : name) word = word && ((c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9'));
    if (word) {
      out.push_back(name);
      at = end + 1;
    } else {
      at = end;  // "@" that does not open a placeholder, e.g. in an e-mail address
    }
  }
  return out;
}

}  // namespace

std::string render_server_config(const std::string& template_text, const ServerConfigValues& v,
                                 const std::string& template_name) {
  if (v.data_dir.empty()) fail("dvid-setup render-config: --data-dir is required");
  if (v.ng_ref.empty() && (!v.ng_instance.empty() || !v.ng_uuid.empty()))
    fail("dvid-setup render-config: --ngprecomputed-instance/--ngprecomputed-uuid need --ngprecomputed-ref");
  const std::map<std::string, std::string> values = {
      {"HTTP_ADDRESS", v.http_address},       {"RPC_ADDRESS", v.rpc_address},
      {"DATA_DIR", v.data_dir},               {"NOTE", v.note},
      {"NGPRECOMPUTED_REF", v.ng_ref},        {"NGPRECOMPUTED_INSTANCE", v.ng_instance},
      {"NGPRECOMPUTED_UUID", v.ng_uuid},
  };
  for (const auto& [k, val] : values) check_toml_string(k, val);
  const std::map<std::string, bool> blocks = {{"NGPRECOMPUTED", !v.ng_ref.empty()}};
  const std::map<std::string, bool> optional = {{"NGPRECOMPUTED_INSTANCE", true}, {"NGPRECOMPUTED_UUID", true}};

  std::istringstream in(template_text);
  std::string out, line, open_block;
  bool keep = true;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const auto where = [&] { return fmt::format("{}:{}", template_name, line_no); };
    if (line.rfind(kBegin, 0) == 0 || line.rfind(kEnd, 0) == 0) {
      const bool begin = line.rfind(kBegin, 0) == 0;
      const std::string rest = line.substr(begin ? kBegin.size() : kEnd.size());
      const std::string name = rest.substr(0, rest.find('@'));
      if (rest.size() != name.size() + 1 || !blocks.count(name)) fail("{}: unknown block marker \"{}\"", where(), line);
      if (begin) {
        if (!open_block.empty()) fail("{}: block {} opened inside block {}", where(), name, open_block);
        open_block = name;
        keep = blocks.at(name);
      } else {
        if (open_block != name) fail("{}: \"{}\" closes no open block", where(), line);
        open_block.clear();
        keep = true;
      }
      continue;
    }
    if (!keep) continue;
    bool drop = false;
    for (const auto& name : placeholders(line)) {
      const auto it = values.find(name);
      if (it == values.end()) fail("{}: unknown placeholder @{}@", where(), name);
      if (it->second.empty() && optional.count(name)) drop = true;
    }
    if (drop) continue;
    for (const auto& [name, val] : values) {
      const std::string key = "@" + name + "@";
      for (size_t at = 0; (at = line.find(key, at)) != std::string::npos; at += val.size()) line.replace(at, key.size(), val);
    }
    out += line + "\n";
  }
  if (!open_block.empty()) fail("{}: block {} is never closed (#@END {}@)", template_name, open_block, open_block);
  return out;
}

}  // namespace dflow::dvidsetup
