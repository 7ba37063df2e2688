#include "cleave/service.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cleave/body_graph.hpp"
#include "cleave/request.hpp"

namespace dflow::cleave {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string shorten(std::string s, size_t n = 2000) {
  if (s.size() > n) s = s.substr(0, n) + fmt::format("... ({} bytes)", s.size());
  return s;
}

// Python's repr of a sorted list of ints: "[1, 2, 3]"; at most `limit` shown.
template <typename T>
std::string py_list(const std::vector<T>& v, size_t limit = SIZE_MAX) {
  std::string out = "[";
  for (size_t i = 0; i < v.size() && i < limit; ++i) out += fmt::format("{}{}", i ? ", " : "", v[i]);
  if (v.size() > limit) out += fmt::format(", ... ({} in all)", v.size());
  return out + "]";
}

// The response object with sorted keys (as Flask's jsonify), "assignments" written from `assignments`
// (100k supervoxels are serialised directly rather than through a JSON tree).
std::string serialize(const json& resp, const std::string& assignments) {
  std::string out = "{";
  for (auto it = resp.begin(); it != resp.end(); ++it) {
    if (out.size() > 1) out += ',';
    out += dump(json(it.key()));
    out += ':';
    out += (it.key() == "assignments" && !assignments.empty()) ? assignments : dump(it.value());
  }
  return out + '}';
}

// {"<label>": [sv, ...]} with keys sorted as strings and lists ascending.
std::string assignments_json(const std::vector<uint64_t>& svs, const std::vector<uint32_t>& labels) {
  std::map<uint32_t, std::vector<uint64_t>> groups;
  for (size_t i = 0; i < svs.size(); ++i) groups[labels[i]].push_back(svs[i]);
  std::vector<std::pair<std::string, const std::vector<uint64_t>*>> keyed;
  for (const auto& [label, list] : groups) keyed.emplace_back(std::to_string(label), &list);
  std::sort(keyed.begin(), keyed.end());
  fmt::memory_buffer b;
  b.reserve(svs.size() * 12 + 64);
  b.push_back('{');
  for (size_t k = 0; k < keyed.size(); ++k) {
    fmt::format_to(std::back_inserter(b), "{}\"{}\":[", k ? "," : "", keyed[k].first);
    const auto& list = *keyed[k].second;
    for (size_t i = 0; i < list.size(); ++i) {
      if (i) b.push_back(',');
      fmt::format_to(std::back_inserter(b), "{}", list[i]);
    }
    b.push_back(']');
  }
  b.push_back('}');
  return fmt::to_string(b);
}

// For every seed class split into several pieces: the pieces, their supervoxels and a point in
// each (the representative point of an edge touching it, on its side), largest piece first.
std::vector<std::string> describe_pieces(const BodyGraph& g, const std::vector<uint32_t>& labels) {
  const size_t n = g.svs.size();
  const std::vector<uint32_t> piece = label_pieces(n, g.edges, labels);
  struct Piece {
    uint32_t label = 0;
    std::vector<uint64_t> svs;
    bool has_point = false;
    uint32_t x = 0, y = 0, z = 0;
  };
  std::map<uint32_t, std::set<uint32_t>> pieces_of;  // label -> pieces
  for (size_t i = 0; i < n; ++i)
    if (labels[i] != 0) pieces_of[labels[i]].insert(piece[i]);
  std::map<uint32_t, Piece> wanted;
  for (const auto& [label, ps] : pieces_of)
    if (ps.size() > 1)
      for (uint32_t p : ps) wanted[p].label = label;
  if (wanted.empty()) return {};
  for (size_t i = 0; i < n; ++i)
    if (auto it = wanted.find(piece[i]); it != wanted.end()) it->second.svs.push_back(g.svs[i]);
  for (size_t e = 0; e < g.edges.size(); ++e) {
    const MergeRow& r = *g.rows[e];
    if (auto it = wanted.find(piece[g.edges[e].u]); it != wanted.end() && !it->second.has_point)
      it->second.has_point = true, it->second.x = r.xa, it->second.y = r.ya, it->second.z = r.za;
    if (auto it = wanted.find(piece[g.edges[e].v]); it != wanted.end() && !it->second.has_point)
      it->second.has_point = true, it->second.x = r.xb, it->second.y = r.yb, it->second.z = r.zb;
  }
  std::map<uint32_t, std::vector<const Piece*>> by_label;
  for (const auto& [id, p] : wanted) by_label[p.label].push_back(&p);
  std::vector<std::string> out;
  for (auto& [label, ps] : by_label) {
    std::sort(ps.begin(), ps.end(), [](const Piece* a, const Piece* b) {
      return a->svs.size() != b->svs.size() ? a->svs.size() > b->svs.size() : a->svs.front() < b->svs.front();
    });
    std::string text = fmt::format("Seed {} is in {} disconnected pieces:", label, ps.size());
    constexpr size_t kMaxPieces = 20;  // a class scattered over thousands of pieces must not flood the reply
    for (size_t k = 0; k < ps.size() && k < kMaxPieces; ++k) {
      const Piece& p = *ps[k];
      text += fmt::format(" piece {}: {} supervoxel{} {}, {}{}", k + 1, p.svs.size(), p.svs.size() == 1 ? "" : "s", py_list(p.svs, 100),
                          p.has_point ? fmt::format("at [x,y,z] [{}, {}, {}]", p.x, p.y, p.z) : std::string("no edge to locate it"),
                          k + 1 < std::min(ps.size(), kMaxPieces) ? ";" : "");
    }
    if (ps.size() > kMaxPieces) text += fmt::format(" (and {} smaller pieces)", ps.size() - kMaxPieces);
    out.push_back(std::move(text));
  }
  return out;
}

}  // namespace

CleaveService::CleaveService(const CleaveTable& table, ServiceOptions options, RecentLog& log)
    : table_(table), options_(std::move(options)), log_(log) {}

Reply CleaveService::compute_cleave(std::string_view text) {
  const auto t0 = Clock::now();
  Method default_method;
  {
    std::lock_guard lock(mu_);
    default_method = options_.default_method;
  }
  json resp;
  std::string prefix = "User unknown: ";
  const auto fail_with = [&](int status, const std::string& msg) {
    log_.write(status >= 500 ? log::Level::error : log::Level::warn, fmt::format("{}{} (HTTP {})", prefix, msg, status));
    if (!resp.is_object()) resp = json::object();
    resp["errors"] = json::array({msg});
    if (resp.contains("request-timestamp")) {
      resp["assignments"] = json::object();
      resp["warnings"] = json::array();
      resp["info"] = json::array();
    }
    return Reply{status, "application/json", serialize(resp, {})};
  };

  ojson request;
  try {
    request = parse_json_object(text);
  } catch (const BadRequest& e) {
    return fail_with(400, e.what());
  }
  resp = request;
  resp["request-timestamp"] = request_timestamp();
  if (const auto it = request.find("user"); it != request.end() && it->is_string()) prefix = fmt::format("User {}: ", it->get<std::string>());
  if (const auto it = request.find("body-id"); it != request.end()) prefix += fmt::format("Body {}: ", dump(*it));
  log_.write(log::Level::info, prefix + "Received cleave request: " + shorten(dump(resp)));

  CleaveRequest req;
  try {
    req = parse_cleave_request(std::move(request), default_method);
  } catch (const BadRequest& e) {
    return fail_with(400, e.what());
  }
  // The original seeds, keys sorted as strings, lists ascending (empty classes included).
  json seeds = json::object();
  for (const SeedClass& c : req.seeds) {
    std::vector<uint64_t> s = c.svs;
    std::sort(s.begin(), s.end());
    seeds[c.key] = std::move(s);
  }
  resp["seeds"] = std::move(seeds);
  if (req.seeds.empty()) return fail_with(412, "Request contained no seeds!");

  const auto t_dvid = Clock::now();
  std::vector<uint64_t> svs;
  try {
    svs = fetch_body_supervoxels(DvidTarget{req.server, req.uuid, req.instance, req.user}, req.body, options_.timeouts);
  } catch (const DvidError& e) {
    return fail_with(e.status, e.what());
  }
  const double dvid_ms = ms_since(t_dvid);

  std::vector<uint64_t> unexpected;
  for (const SeedClass& c : req.seeds)
    for (uint64_t sv : c.svs)
      if (!std::binary_search(svs.begin(), svs.end(), sv)) unexpected.push_back(sv);
  if (!unexpected.empty()) {
    std::sort(unexpected.begin(), unexpected.end());
    unexpected.erase(std::unique(unexpected.begin(), unexpected.end()), unexpected.end());
    return fail_with(412, "Request contained seeds that do not belong to body: " + py_list(unexpected, 1000));
  }

  const auto t_cleave = Clock::now();
  BodyGraph g = gather_body_graph(table_, req.body, std::move(svs));
  const NodeIndex& index = g.index;
  json warnings = json::array(), info = json::array();
  if (!req.isolated_groups.empty()) {
    std::vector<uint32_t> group(g.svs.size(), 0);
    uint64_t outside = 0;
    for (size_t k = 0; k < req.isolated_groups.size(); ++k)
      for (uint64_t sv : req.isolated_groups[k]) {
        const uint32_t i = index.find(sv);
        if (i == NodeIndex::npos) {
          ++outside;
          continue;
        }
        if (group[i] != 0 && group[i] != k + 1)
          return fail_with(400, fmt::format("Supervoxel {} is in isolated-groups[{}] and isolated-groups[{}]", sv, group[i] - 1, k));
        group[i] = uint32_t(k + 1);
      }
    isolate_groups(g, group);
    if (outside) warnings.push_back(fmt::format("isolated-groups: {} supervoxels are not in body {} and were ignored.", outside, req.body));
  }
  std::vector<uint32_t> node_seeds(g.svs.size(), 0);
  uint32_t max_class = 0;
  for (const SeedClass& c : req.seeds) {
    max_class = std::max(max_class, c.label);
    for (uint64_t sv : c.svs) node_seeds[index.find(sv)] = c.label;  // every seed is in the body (checked)
  }
  CleaveResult result = run_cleave(g.svs.size(), g.edges, node_seeds, req.method, g.sorted_by_node);
  if (req.seed_unassigned && result.unlabeled) {
    uint32_t next = max_class;
    for (uint32_t& l : result.labels)
      if (l == 0) l = ++next;
    result.unlabeled = false;
  }
  const double cleave_ms = ms_since(t_cleave);

  if (!result.disconnected.empty()) {
    const std::string msg = "Cleave result contains non-contiguous objects for seeds: " + py_list(result.disconnected);
    log_.write(log::Level::warn, prefix + msg);
    info.push_back(msg);
    for (std::string& s : describe_pieces(g, result.labels)) info.push_back(std::move(s));
  }
  if (result.unlabeled) {
    const size_t n0 = size_t(std::count(result.labels.begin(), result.labels.end(), 0u));
    const std::string msg = fmt::format("Cleave result is not complete. {} supervoxels remain unassigned.", n0);
    log_.write(log::Level::warn, prefix + msg);
    warnings.push_back(msg);
  }
  resp["warnings"] = std::move(warnings);
  resp["info"] = std::move(info);
  resp["assignments"] = json::object();  // placeholder for the key order; written directly below
  std::string body = serialize(resp, assignments_json(g.svs, result.labels));
  log_.write(log::Level::info, fmt::format("{}{} supervoxels, {} edges from {} table bodies, {}: DVID {:.1f} ms, cleave {:.1f} ms, total {:.1f} ms",
                                           prefix, g.svs.size(), g.edges.size(), g.table_bodies, method_name(req.method), dvid_ms,
                                           cleave_ms, ms_since(t0)));
  return Reply{200, "application/json", std::move(body)};
}

Reply CleaveService::body_edge_table(std::string_view text) {
  const auto text_reply = [&](int status, const std::string& msg) {
    log_.write(log::Level::warn, fmt::format("body-edge-table: {} (HTTP {})", msg, status));
    return Reply{status, "text/plain", msg + "\n"};
  };
  CleaveRequest req;
  try {
    req = parse_cleave_request(parse_json_object(text), Method::seeded_mst, false);
  } catch (const BadRequest& e) {
    return text_reply(400, e.what());
  }
  log_.write(log::Level::info, fmt::format("User {}: Body {}: Received body-edge-table request", req.user, req.body));
  std::vector<uint64_t> svs;
  try {
    svs = fetch_body_supervoxels(DvidTarget{req.server, req.uuid, req.instance, req.user}, req.body, options_.timeouts);
  } catch (const DvidError& e) {
    return text_reply(e.status, e.what());
  }
  const BodyGraph g = gather_body_graph(table_, req.body, std::move(svs));
  fmt::memory_buffer b;
  fmt::format_to(std::back_inserter(b), "id_a,id_b,xa,ya,za,xb,yb,zb,score,body,source\n");
  for (const MergeRow* r : g.rows) {
    const MergeRow row = *r;  // fmt takes references: copy out of the packed (maybe misaligned) table row
    const uint64_t a = row.id_a, bb = row.id_b;
    const uint32_t xa = row.xa, ya = row.ya, za = row.za, xb = row.xb, yb = row.yb, zb = row.zb;
    const float score = row.score;
    const auto tb = table_.body_of(a);
    fmt::format_to(std::back_inserter(b), "{},{},{},{},{},{},{},{},{},{},merge-table\n", a, bb, xa, ya, za, xb, yb, zb, score, tb ? *tb : 0);
  }
  return Reply{200, "text/csv", fmt::to_string(b)};
}

Reply CleaveService::debug(std::string_view text) {
  json j;
  try {
    j = parse_json_object(text);
  } catch (const BadRequest& e) {
    return Reply{400, "application/json", dump(json{{"errors", {e.what()}}})};
  }
  if (!j.contains("user")) j["user"] = "unknown";
  if (auto it = j.find("seeds"); it != j.end() && it->is_object()) {
    for (auto& [k, v] : it->items()) {
      if (!v.is_array()) continue;
      if (v.size() > 100) {
        v = fmt::format("too many to show in log (N={})", v.size());
        continue;
      }
      std::vector<json> items(v.begin(), v.end());
      std::stable_sort(items.begin(), items.end());
      v = std::move(items);
    }
  }
  std::string prefix = fmt::format("User {}: ", dump(j["user"]));
  if (j.contains("body-id")) prefix += fmt::format("Body {}: ", dump(j["body-id"]));
  const std::string s = dump(j);
  log_.write(log::Level::info, prefix + "Client debug: " + shorten(s));
  return Reply{200, "application/json", s};
}

Reply CleaveService::primary_uuid() {
  std::lock_guard lock(mu_);
  json j;
  j["uuid"] = options_.primary_uuid.empty() ? json(nullptr) : json(options_.primary_uuid);
  return Reply{200, "application/json", dump(j)};
}

Reply CleaveService::set_primary_uuid(std::string_view text) {
  json j;
  try {
    j = parse_json_object(text);
  } catch (const BadRequest& e) {
    return Reply{400, "application/json", dump(json{{"errors", {e.what()}}})};
  }
  const auto it = j.find("uuid");
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    return Reply{400, "application/json", dump(json{{"errors", {"Request must be {\"uuid\": \"<uuid>\"}"}}})};
  {
    std::lock_guard lock(mu_);
    options_.primary_uuid = it->get<std::string>();
  }
  log_.write(log::Level::info, "Primary uuid set to " + it->get<std::string>());
  return primary_uuid();
}

Reply CleaveService::set_default_method(const std::string& method) {
  if (method.empty()) {  // no ?method=: report the current default, as the reference
    std::lock_guard lock(mu_);
    return Reply{200, "application/json", dump(json{{"method", method_name(options_.default_method)}})};
  }
  const auto m = parse_method(method);
  if (!m) return Reply{400, "application/json", dump(json{{"errors", {"Invalid cleave method name: " + shorten(method, 80)}}})};
  std::lock_guard lock(mu_);
  options_.default_method = *m;
  return Reply{200, "application/json", dump(json{{"method", method_name(*m)}})};
}

}  // namespace dflow::cleave
