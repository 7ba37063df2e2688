#include "cleave/request.hpp"

#include <charconv>
#include <chrono>
#include <ctime>

namespace dflow::cleave {
namespace {

using ojson = nlohmann::ordered_json;

int max_depth(std::string_view s) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > kMaxJsonDepth) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

bool digits_to_uint(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// An unsigned integer field, or a string of digits (Python's np.uint64(...) accepts both).
uint64_t uint_field(const ojson& v, const char* name) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  uint64_t out = 0;
  if (v.is_string() && digits_to_uint(v.get_ref<const std::string&>(), out)) return out;
  throw BadRequest(fmt::format("Request field '{}' must be a non-negative integer, got {}", name, v.dump().substr(0, 80)));
}

const std::string& string_field(const ojson& v, const char* name) {
  if (!v.is_string() || v.get_ref<const std::string&>().empty())
    throw BadRequest(fmt::format("Request field '{}' must be a non-empty string, got {}", name, v.dump().substr(0, 80)));
  return v.get_ref<const std::string&>();
}

std::vector<uint64_t> id_list(const ojson& v, const std::string& what) {
  if (!v.is_array()) throw BadRequest(fmt::format("{} must be a list of supervoxel ids, got {}", what, v.dump().substr(0, 80)));
  std::vector<uint64_t> out;
  out.reserve(v.size());
  for (const auto& x : v) {
    if (!x.is_number_unsigned())
      throw BadRequest(fmt::format("{} must hold supervoxel ids (non-negative integers), got {}", what, x.dump().substr(0, 80)));
    out.push_back(x.get<uint64_t>());
  }
  return out;
}

}  // namespace

ojson parse_json_object(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) throw BadRequest("Request is missing a JSON body");
  if (max_depth(text) > kMaxJsonDepth) throw BadRequest(fmt::format("Request JSON is nested deeper than {} levels", kMaxJsonDepth));
  ojson j;
  try {
    j = ojson::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    if (const size_t p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    throw BadRequest("Request body is not valid JSON: " + printable(what));
  }
  if (!j.is_object()) throw BadRequest(fmt::format("Request JSON must be an object, got a {}", j.type_name()));
  return j;
}

CleaveRequest parse_cleave_request(ojson json, Method default_method, bool need_seeds) {
  CleaveRequest r;
  const auto field = [&](const char* name) -> const ojson& {
    const auto it = json.find(name);
    if (it == json.end()) throw BadRequest(fmt::format("Request is missing the field '{}'", name));
    return *it;
  };
  r.body = uint_field(field("body-id"), "body-id");
  if (r.body == 0) throw BadRequest("Request field 'body-id' must not be 0 (background)");
  const std::string& server = string_field(field("server"), "server");
  const uint64_t port = uint_field(field("port"), "port");
  if (port == 0 || port > 65535) throw BadRequest(fmt::format("Request field 'port' must be a TCP port, got {}", port));
  if (server.find_first_of(" /?#@\\") != std::string::npos && !server.starts_with("http://") && !server.starts_with("https://"))
    throw BadRequest(fmt::format("Request field 'server' must be a host name, got '{}'", printable(server.substr(0, 80))));
  r.server = fmt::format("{}:{}", server, port);
  r.uuid = string_field(field("uuid"), "uuid");
  r.instance = string_field(field("segmentation-instance"), "segmentation-instance");
  if (const auto it = json.find("user"); it != json.end() && !it->is_null()) r.user = string_field(*it, "user");
  r.method = default_method;
  if (const auto it = json.find("method"); it != json.end()) {
    const auto m = parse_method(string_field(*it, "method"));
    if (!m)
      throw BadRequest(fmt::format("Invalid cleave method name: {} (use seeded-mst, seeded-watershed, agglomerative-clustering or echo-seeds)",
                                   it->get_ref<const std::string&>().substr(0, 80)));
    r.method = *m;
  }
  if (const auto it = json.find("find-missing-edges"); it != json.end()) {
    if (!it->is_boolean()) throw BadRequest("Request field 'find-missing-edges' must be true or false");
    r.find_missing_edges = it->get<bool>();
  }
  if (const auto it = json.find("seed-unassigned"); it != json.end()) {
    if (!it->is_boolean()) throw BadRequest("Request field 'seed-unassigned' must be true or false");
    r.seed_unassigned = it->get<bool>();
  }
  if (const auto it = json.find("isolated-groups"); it != json.end()) {
    if (!it->is_array()) throw BadRequest("Request field 'isolated-groups' must be a list of lists of supervoxel ids");
    for (size_t g = 0; g < it->size(); ++g) r.isolated_groups.push_back(id_list((*it)[g], fmt::format("isolated-groups[{}]", g)));
  }
  if (need_seeds) {
    const ojson& seeds = field("seeds");
    if (!seeds.is_object()) throw BadRequest("Request field 'seeds' must be an object {\"<class>\": [supervoxel, ...]}");
    for (const auto& [key, value] : seeds.items()) {
      uint64_t label = 0;
      if (!digits_to_uint(key, label) || label == 0 || label > UINT32_MAX)
        throw BadRequest(fmt::format("Seed class '{}' must be a positive integer (0 means unassigned)", printable(key.substr(0, 40))));
      r.seeds.push_back(SeedClass{key, uint32_t(label), id_list(value, fmt::format("seeds[\"{}\"]", key))});
    }
  }
  r.json = std::move(json);
  return r;
}

std::string request_timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto secs = system_clock::to_time_t(now);
  const auto us = duration_cast<microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return fmt::format("{}.{:06d}", buf, us);
}

}  // namespace dflow::cleave
