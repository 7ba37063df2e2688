#pragma once
// Helpers for the cleave server tests: the real cleave-server program as a child process, HTTP calls
// to it (cpp-httplib's client), the test DVID and latency summaries.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "core/error.hpp"
#include "test_support.hpp"

extern char** environ;

namespace dflow::test {

inline std::string env_required(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) fail("{} is not set: run this test through ctest", name);
  return v;
}

inline std::string test_admin_token() {
  std::ifstream in(env_required("DFLOW_DVID_DIR") + "/admin-token");
  std::string t;
  in >> t;
  return t;
}

struct HttpResult {
  int status = 0;  // 0: no answer
  std::string body;
};

inline HttpResult http(int port, const std::string& method, const std::string& path, const std::string& body = {}, int timeout_s = 60) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(timeout_s, 0);
  c.set_write_timeout(timeout_s, 0);
  c.set_connection_timeout(5, 0);
  httplib::Result r = method == "GET"       ? c.Get(path.c_str())
                      : method == "OPTIONS" ? c.Options(path.c_str())
                                            : c.Post(path.c_str(), body, "application/json");
  if (!r) return {};
  return {r->status, r->body};
}

// cleave-server started with `args` (plus --host 127.0.0.1 --port PORT), stopped (SIGTERM) at the end.
class CleaveServerProcess {
 public:
  CleaveServerProcess(int port, std::vector<std::string> args) : port_(port) {
    std::vector<std::string> argv_s{env_required("DFLOW_CLEAVE_SERVER"), "--host", "127.0.0.1", "--port", std::to_string(port)};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) fail("cannot start {}", argv_s[0]);
    for (int i = 0; i < 200; ++i) {
      if (http(port, "GET", "/health", {}, 2).status == 200) return;
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = 0;
        fail("cleave-server exited with status {} at start-up", WEXITSTATUS(st));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    fail("cleave-server did not answer /health on port {}", port);
  }
  ~CleaveServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      waitpid(pid_, &st, 0);
    }
  }
  bool alive() const { return pid_ > 0 && ::kill(pid_, 0) == 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
  int port() const { return port_; }

 private:
  pid_t pid_ = 0;
  int port_;
};

inline double percentile_ms(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t rank = size_t(std::ceil(p / 100.0 * double(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

}  // namespace dflow::test
