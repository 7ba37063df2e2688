#include "cleave/http_server.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/duration.hpp"
#include "core/error.hpp"

namespace dflow::cleave {
namespace {

using Clock = std::chrono::steady_clock;

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}


}  // namespace

std::string status_page(const RequestStats& stats, const RecentLog& log, const CleaveTable& table, const HttpOptions& o) {
  std::string h = R"(<!DOCTYPE html><html><head><meta charset="utf-8"><title>cleave server</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
th{background:#eee}pre{background:#f7f7f7;padding:.5em;font-size:12px;white-space:pre-wrap}</style></head><body>
<h1>dvidflow cleave server</h1>)";
  h += fmt::format("<p>Up {} on port {} with {} workers. Table <code>{}</code>: {} bodies, {} edges, {} supervoxels.</p>", format_duration(stats.uptime_seconds()),
                   o.port, o.threads, html_escape(table.path().string()), table.header().bodies, table.header().edges, table.header().svs);
  if (!o.command_line.empty()) h += "<p>Command: <code>" + html_escape(o.command_line) + "</code></p>";
  h += "<h2>Requests</h2><table><tr><th>endpoint</th><th>status</th><th>requests</th></tr>";
  for (const auto& [endpoint, by_status] : stats.counts())
    for (const auto& [status, n] : by_status) h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", html_escape(endpoint), status, n);
  h += "</table><h2>Latency (ms, last 10,000 requests)</h2><table><tr><th>endpoint</th><th>n</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>";
  for (const auto& [endpoint, by_status] : stats.counts()) {
    const LatencySummary s = stats.latency(endpoint);
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td></tr>", html_escape(endpoint), s.count,
                     s.p50, s.p90, s.p99, s.max);
  }
  h += "</table><h2>Recent log</h2><pre>";
  const auto lines = log.lines();
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) h += html_escape(*it) + "\n";
  h += "</pre><p><a href=\"/log?page=0\">full log</a> &middot; <a href=\"/health\">/health</a></p></body></html>\n";
  return h;
}

struct HttpServer::Impl {
  httplib::Server server;
};

HttpServer::HttpServer(CleaveService& service, const CleaveTable& table, RequestStats& stats, RecentLog& log, HttpOptions o)
    : impl_(std::make_unique<Impl>()) {
  auto& s = impl_->server;
  const int threads = std::max(o.threads, 1);
  // The workers: httplib's own task queue (the project has no thread pool; core/parallel.hpp is
  // fork-join), sized here instead of httplib's default of max(8, cores - 1). httplib owns the queue
  // it gets from this factory (its API takes a raw pointer).
  s.new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };
  s.set_payload_max_length(o.max_body_bytes);
  s.set_keep_alive_max_count(100000);
  s.set_keep_alive_timeout(2);  // an idle keep-alive connection holds a worker: release it soon
  s.set_read_timeout(30);
  s.set_write_timeout(30);

  // Every endpoint: timed and counted for the status page; never an exception out of a handler.
  const auto route = [&stats, &log](std::string endpoint, auto fn) {
    return [&stats, &log, endpoint = std::move(endpoint), fn](const httplib::Request& req, httplib::Response& res) {
      const auto t0 = Clock::now();
      Reply r;
      try {
        r = fn(req);
      } catch (const std::exception& e) {
        log.write(log::Level::error, fmt::format("{}: internal error: {}", endpoint, e.what()));
        r = Reply{500, "application/json", nlohmann::json{{"errors", {std::string("internal error: ") + e.what()}}}.dump()};
      }
      res.status = r.status;
      res.set_content(std::move(r.body), r.content_type.c_str());
      stats.record(endpoint, r.status, std::chrono::duration<double>(Clock::now() - t0).count());
    };
  };
  s.Post("/compute-cleave", route("/compute-cleave", [&service](const httplib::Request& req) { return service.compute_cleave(req.body); }));
  s.Post("/body-edge-table", route("/body-edge-table", [&service](const httplib::Request& req) { return service.body_edge_table(req.body); }));
  s.Post("/debug", route("/debug", [&service](const httplib::Request& req) { return service.debug(req.body); }));
  s.Get("/primary-uuid", route("/primary-uuid", [&service](const httplib::Request&) { return service.primary_uuid(); }));
  s.Post("/primary-uuid", route("/primary-uuid", [&service](const httplib::Request& req) { return service.set_primary_uuid(req.body); }));
  s.Post("/set-default-params", route("/set-default-params", [&service](const httplib::Request& req) {
           return service.set_default_method(req.has_param("method") ? req.get_param_value("method") : std::string());
         }));
  s.Get("/health", route("/health", [&stats, &table](const httplib::Request&) {
          nlohmann::json j{{"status", "ok"}, {"uptime-seconds", stats.uptime_seconds()}, {"table", table.path().string()},
                           {"bodies", table.header().bodies}, {"edges", table.header().edges}};
          return Reply{200, "application/json", j.dump()};
        }));
  s.Get("/", route("/", [&stats, &log, &table, o](const httplib::Request&) { return Reply{200, "text/html; charset=utf-8", status_page(stats, log, table, o)}; }));
  s.Get("/log", route("/log", [o](const httplib::Request& req) {
          const std::string page = req.has_param("page") ? req.get_param_value("page") : "0";
          const bool numeric = !page.empty() && page.size() < 6 && page.find_first_not_of("0123456789") == std::string::npos;
          const std::filesystem::path path = !numeric || page == "0" ? o.log_file : std::filesystem::path(o.log_file.string() + "." + page);
          std::ifstream in(path);
          if (!numeric || o.log_file.empty() || !in)
            return Reply{404, "text/plain", fmt::format("Error 404: Could not find log page {}.\nFile does not exist:\n{}\n", page, path.string())};
          std::stringstream ss;
          ss << in.rdbuf();
          return Reply{200, "text/plain", ss.str()};
        }));
  // neu3 checks that the server answers OPTIONS /compute-cleave before it sends requests.
  s.Options(".*", [](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_header("Allow", "OPTIONS, POST, GET");
  });
  s.set_exception_handler([&log](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log.write(log::Level::error, fmt::format("{} {}: internal error: {}", req.method, req.path, what));
    res.status = 500;
    res.set_content(nlohmann::json{{"errors", {"internal error: " + what}}}.dump(), "application/json");
  });
  impl_->server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string msg = res.status == 413 ? "Request body too large" : res.status == 404 ? "No such endpoint: " + req.path : "HTTP error";
    res.set_content(nlohmann::json{{"errors", {msg}}}.dump(), "application/json");
  });
  options_ = std::move(o);
}

HttpServer::~HttpServer() = default;

void HttpServer::bind() {
  auto& s = impl_->server;
  if (options_.port == 0) {
    port_ = s.bind_to_any_port(options_.host);
    if (port_ < 0) fail("cannot listen on {} (any port)", options_.host);
  } else {
    if (!s.bind_to_port(options_.host, options_.port)) fail("cannot listen on {}:{} (in use?)", options_.host, options_.port);
    port_ = options_.port;
  }
}

void HttpServer::serve() { impl_->server.listen_after_bind(); }

void HttpServer::stop() { impl_->server.stop(); }

}  // namespace dflow::cleave
