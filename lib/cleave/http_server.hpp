#pragma once
// The cleave server's HTTP side on cpp-httplib (Debian's libcpp-httplib-dev): routes, the worker
// pool, request statistics and the status page. The endpoint logic is CleaveService.
//
//   POST /compute-cleave       neu3's cleave request (service.hpp)
//   OPTIONS /compute-cleave    200 with Allow (neu3 probes it before using the server)
//   POST /body-edge-table      the body's edges as CSV
//   POST /debug                logs and echoes any JSON
//   GET|POST /primary-uuid     {"uuid": ...}
//   POST /set-default-params?method=NAME
//   GET /health                {"status": "ok", ...} (for load balancers and scripts)
//   GET /                      HTML status: uptime, table, requests, latency percentiles, recent log
//   GET /log?page=N            the log file (page 0) or its rotated copies, as text
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "cleave/service.hpp"

namespace dflow::cleave {

struct HttpOptions {
  std::string host = "0.0.0.0";
  int port = 5555;
  int threads = 16;                        // workers answering requests concurrently
  size_t max_body_bytes = size_t(64) << 20;  // larger requests get 413
  std::filesystem::path log_file;          // served by /log
  std::string command_line;                // shown on the status page
};

class HttpServer {
 public:
  HttpServer(CleaveService& service, const CleaveTable& table, RequestStats& stats, RecentLog& log, HttpOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds (error naming host:port if it cannot), then serves until stop(). Port 0 picks a free one.
  void bind();
  int port() const { return port_; }
  void serve();
  void stop();  // from any thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  HttpOptions options_;
  int port_ = 0;
};

// The HTML status page.
std::string status_page(const RequestStats& stats, const RecentLog& log, const CleaveTable& table, const HttpOptions& options);

}  // namespace dflow::cleave
