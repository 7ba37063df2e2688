#pragma once
// tests/integration/fault_proxy.py (a loopback proxy in front of DVID that hangs, drops, cuts or
// delays requests) in a child process, killed when the object goes out of scope.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include "core/error.hpp"

namespace dflow::test {

class FaultProxy {
 public:
  FaultProxy(const std::string& target_port, const std::string& mode, int first_n = -1) {
    const char* py = std::getenv("DFLOW_PYTHON");
    const char* script = std::getenv("DFLOW_FAULT_PROXY");
    if (!py || !script) fail("DFLOW_PYTHON and DFLOW_FAULT_PROXY must be set (run through ctest)");
    int fds[2];
    if (::pipe(fds) != 0) fail("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      const std::string n = std::to_string(first_n);
      if (first_n >= 0)
        ::execl(py, py, script, target_port.c_str(), mode.c_str(), n.c_str(), static_cast<char*>(nullptr));
      else
        ::execl(py, py, script, target_port.c_str(), mode.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    FILE* out = ::fdopen(fds[0], "r");
    char line[64] = {0};
    if (!std::fgets(line, sizeof line, out) || std::sscanf(line, "port %d", &port_) != 1)
      fail("fault_proxy.py did not report its port");
    std::fclose(out);
  }
  ~FaultProxy() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace dflow::test
