#include "cleave/body_source.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <memory>

#include "dvid/client.hpp"

namespace dflow::cleave {
namespace {

// True for names that can go into a URL path as they are (uuids, instance names).
bool path_safe(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
  });
}

std::string url_encode(std::string_view s) {
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out.push_back(char(c));
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// One libcurl handle per thread and server: keep-alive without sharing a handle between threads.
dvid::Client& client_for(const std::string& server, const DvidTimeouts& t) {
  thread_local std::map<std::string, std::unique_ptr<dvid::Client>> clients;
  auto& c = clients[server];
  if (!c) {
    dvid::RetryPolicy p;
    p.attempts = t.attempts;
    p.first_delay = std::chrono::milliseconds(100);
    p.max_delay = std::chrono::milliseconds(500);
    p.timeout = t.request;
    p.connect_timeout = t.connect;
    p.deadline = t.request + t.request / 2;  // both attempts and the pause between them
    c = std::make_unique<dvid::Client>(server, p);
  }
  return *c;
}

std::string first_line(const std::string& s) {
  std::string l = s.substr(0, s.find('\n'));
  if (l.size() > 200) l = l.substr(0, 200) + "...";
  return printable(l);
}

}  // namespace

void sort_ids(std::vector<uint64_t>& ids) {
  if (ids.size() < 256) {
    std::sort(ids.begin(), ids.end());
    return;
  }
  // LSD radix sort, 8 bits a pass; passes where every id has the same byte are skipped (ids of one
  // body share their high bytes), so 100k ids take a few passes instead of std::sort's ~1.7M compares.
  std::vector<uint64_t> tmp(ids.size());
  for (int shift = 0; shift < 64; shift += 8) {
    size_t count[257] = {};
    for (uint64_t v : ids) ++count[((v >> shift) & 0xff) + 1];
    if (std::count(std::begin(count) + 1, std::end(count), ids.size()) == 1) continue;
    for (int k = 0; k < 256; ++k) count[k + 1] += count[k];
    for (uint64_t v : ids) tmp[count[(v >> shift) & 0xff]++] = v;
    ids.swap(tmp);
  }
}

std::vector<uint64_t> parse_id_array(std::string_view s, const std::string& what) {
  std::vector<uint64_t> out;
  size_t i = 0;
  const auto ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
  };
  const auto bad = [&](const char* why) -> std::vector<uint64_t> {
    fail("{}: not a JSON array of supervoxel ids ({} at byte {}): {}", what, why, i, first_line(std::string(s.substr(0, 200))));
  };
  ws();
  if (i >= s.size() || s[i] != '[') return bad("no '['");
  ++i;
  ws();
  if (i < s.size() && s[i] == ']') return out;
  out.reserve(s.size() / 8);
  while (true) {
    ws();
    uint64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v);
    if (ec != std::errc()) return bad("not an unsigned integer");
    i = size_t(p - s.data());
    out.push_back(v);
    ws();
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == ']') break;
    return bad("expected ',' or ']'");
  }
  ++i;
  ws();
  if (i != s.size()) return bad("trailing characters");
  return out;
}

std::vector<uint64_t> fetch_body_supervoxels(const DvidTarget& t, uint64_t body, const DvidTimeouts& timeouts) {
  if (!path_safe(t.uuid)) throw DvidError(fmt::format("uuid '{}' is not a DVID node id", printable(t.uuid.substr(0, 80))), 400);
  if (!path_safe(t.instance)) throw DvidError(fmt::format("segmentation-instance '{}' is not an instance name", printable(t.instance.substr(0, 80))), 400);
  dvid::Client& c = client_for(t.server, timeouts);
  c.set_default_query("u=" + url_encode(t.user) + "&app=cleave-server");
  const std::string path = fmt::format("/api/node/{}/{}/supervoxels/{}", t.uuid, t.instance, body);
  dvid::Response r;
  try {
    r = c.request("GET", path);
  } catch (const dvid::Unavailable& e) {
    throw DvidError(e.what(), e.timed_out ? 504 : 502);
  } catch (const Error& e) {  // e.g. a malformed server address
    throw DvidError(e.what(), 502);
  }
  if (r.status == 404) throw DvidError(fmt::format("Body not found: {}", body), 404);
  if (r.status / 100 != 2) {
    // DVID answers 400 for unknown nodes and instances: the request named something that is not there.
    const int status = r.status >= 400 && r.status < 500 ? int(r.status) : 502;
    throw DvidError(fmt::format("Received error from DVID: HTTP {}: {} ({})", r.status, first_line(r.body), c.url(path)), status);
  }
  std::vector<uint64_t> svs;
  try {
    svs = parse_id_array(r.body, c.url(path));
  } catch (const Error& e) {
    throw DvidError(e.what(), 502);
  }
  sort_ids(svs);
  svs.erase(std::unique(svs.begin(), svs.end()), svs.end());
  if (svs.empty()) throw DvidError(fmt::format("Body not found: {} (DVID lists no supervoxels)", body), 404);
  return svs;
}

}  // namespace dflow::cleave
