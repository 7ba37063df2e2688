#include "launch/tee.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "launch/mpirun_noise.hpp"

namespace dflow::launch {

namespace {

volatile sig_atomic_t g_child = 0;
volatile sig_atomic_t g_forwarded = 0;  // last signal received, reported (not async-safe) by the loop
volatile sig_atomic_t g_sent = 0;       // what the child got for it
volatile sig_atomic_t g_terminations = 0;

void forward_signal(int sig) {
  // The first request to terminate becomes the walltime warning: ranks finish their brick.
  const int earlier = g_terminations;
  if (sig != SIGUSR2) g_terminations = earlier + 1;
  const int send = sig == SIGUSR2 || earlier == 0 ? SIGUSR2 : sig;
  if (g_child > 0) ::kill(g_child, send);
  g_forwarded = sig;
  g_sent = send;
}

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR2};
constexpr int kNumForwarded = sizeof kForwarded / sizeof kForwarded[0];

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed terminal must not stop the run; output.log still gets the line
    s.remove_prefix(static_cast<size_t>(n));
  }
}

// One pipe from the child, cut into lines.
struct Stream {
  int fd = -1;
  bool is_stderr = false;
  std::string pending;
  MpirunNoise noise;
};

void write_line(const Stream& s, std::string_view line, int log_fd, std::string_view source) {
  const std::string out = tee_line(line, s.is_stderr, source);
  write_all(s.is_stderr ? STDERR_FILENO : STDOUT_FILENO, out);
  if (log_fd >= 0) write_all(log_fd, out);
}

void emit(Stream& s, std::string_view line, int log_fd, std::string_view source) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (log::has_line_prefix(line)) return write_line(s, line, log_fd, source);  // a rank's own line
  for (const auto& l : s.noise.feed(line)) write_line(s, l, log_fd, source);
}

void flush_noise(Stream& s, int log_fd, std::string_view source) {
  for (const auto& l : s.noise.flush()) write_line(s, l, log_fd, source);
}

void drain_lines(Stream& s, int log_fd, std::string_view source) {
  size_t start = 0;
  for (size_t nl; (nl = s.pending.find('\n', start)) != std::string::npos; start = nl + 1)
    emit(s, std::string_view(s.pending).substr(start, nl - start), log_fd, source);
  s.pending.erase(0, start);
  // A runaway line without newline is cut rather than held in memory forever.
  if (s.pending.size() > (1u << 20)) {
    emit(s, s.pending, log_fd, source);
    s.pending.clear();
  }
}

[[noreturn]] void exec_child(const std::vector<std::string>& argv, const std::filesystem::path& cwd, int out_w, int err_w,
                             pid_t parent) {
  // Only async-signal-safe calls from here on (we may be a fork of a threaded process).
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(128 + SIGTERM);  // launchflow died before prctl took effect
  for (const int sig : kForwarded) ::signal(sig, SIG_DFL);
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  const int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
  ::dup2(out_w, STDOUT_FILENO);
  ::dup2(err_w, STDERR_FILENO);
  if (::chdir(cwd.c_str()) != 0) {
    const char msg[] = "launchflow: cannot change to the execution directory\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  const char msg[] = "launchflow: cannot execute the command\n";
  (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
  ::_exit(127);
}

}  // namespace

std::string tee_line(std::string_view line, bool from_stderr, std::string_view source) {
  std::string out;
  if (!log::has_line_prefix(line)) out = log::line_prefix(from_stderr ? log::Level::warn : log::Level::info, source);
  // Lines that did not come through dflow::log (mpirun's, a tool's) may carry secrets too.
  out += secrets::redact_text(line);
  out += '\n';
  return out;
}

ChildStatus run_teed(const std::vector<std::string>& argv, const std::filesystem::path& cwd, int log_fd,
                     std::string_view source, std::string_view stop_note) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) fail("cannot create a pipe: {}", std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) fail("cannot create a pipe: {}", std::strerror(errno));

  // Signals stay blocked from fork until g_child is set, so none is lost in between.
  sigset_t block, old;
  sigemptyset(&block);
  for (const int sig : kForwarded) sigaddset(&block, sig);
  ::sigprocmask(SIG_BLOCK, &block, &old);
  struct sigaction sa {};
  sa.sa_handler = forward_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction saved[kNumForwarded];
  for (int i = 0; i < kNumForwarded; ++i) ::sigaction(kForwarded[i], &sa, &saved[i]);
  g_terminations = 0;
  ::signal(SIGPIPE, SIG_IGN);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(argv, cwd, out_pipe[1], err_pipe[1], parent);
  if (pid < 0) {
    const int err = errno;
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    fail("cannot start {}: {}", argv[0], std::strerror(err));
  }
  ::setpgid(pid, pid);  // also here, so it holds whichever process runs first
  g_child = pid;
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  Stream streams[2] = {{out_pipe[0], false, {}, {}}, {err_pipe[0], true, {}, {}}};
  char buf[65536];
  while (streams[0].fd >= 0 || streams[1].fd >= 0) {
    pollfd fds[2];
    int n = 0;
    Stream* which[2];
    for (auto& s : streams)
      if (s.fd >= 0) {
        fds[n] = {s.fd, POLLIN, 0};
        which[n++] = &s;
      }
    const int ready = ::poll(fds, n, -1);
    if (const int sig = g_forwarded) {
      g_forwarded = 0;
      const std::string child = std::filesystem::path(argv[0]).filename().string();
      if (g_sent == SIGUSR2 && sig != SIGUSR2)
        log::warn("Received signal {} ({}); sent SIGUSR2 to {} (pid {}): every rank stops after its current brick "
                  "(signal again to stop at once){}{}",
                  sig, ::strsignal(sig), child, pid, stop_note.empty() ? "" : "; ", stop_note);
      else
        log::warn("Received signal {} ({}); forwarded to {} (pid {}){}{}", sig, ::strsignal(sig), child, pid,
                  stop_note.empty() ? "" : "; ", stop_note);
    }
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Stream& s = *which[i];
      const ssize_t got = ::read(s.fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got > 0) {
        s.pending.append(buf, static_cast<size_t>(got));
        drain_lines(s, log_fd, source);
      } else {  // EOF (or error): the last line may lack its newline
        if (!s.pending.empty()) emit(s, s.pending, log_fd, source);
        s.pending.clear();
        flush_noise(s, log_fd, source);
        ::close(s.fd);
        s.fd = -1;
      }
    }
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child = 0;
  for (int i = 0; i < kNumForwarded; ++i) ::sigaction(kForwarded[i], &saved[i], nullptr);
  ChildStatus result;
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  else result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace dflow::launch
