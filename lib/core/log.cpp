#include "core/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <fcntl.h>
#include <unistd.h>

#include "core/secrets.hpp"

namespace dflow::log {
namespace {
std::mutex g_mutex;
std::string g_source = "main";
Level g_level = Level::info;
int g_file_fd = -1;

const char* level_name(Level l) {
  switch (l) {
    case Level::debug: return "DEBUG";
    case Level::info: return "INFO ";
    case Level::warn: return "WARN ";
    case Level::error: return "ERROR";
  }
  return "?";
}

void write_all(int fd, const std::string& s) {
  const char* p = s.data();
  size_t left = s.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n <= 0) return;  // nowhere left to report a logging failure
    p += n;
    left -= static_cast<size_t>(n);
  }
}
}  // namespace

void set_source(std::string source) {
  std::lock_guard lock(g_mutex);
  g_source = std::move(source);
}

void set_level(Level level) { g_level = level; }

void add_file(const std::filesystem::path& path) {
  std::lock_guard lock(g_mutex);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  g_file_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

std::string timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto secs = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return fmt::format("{}.{:03d}", buf, ms);
}

std::string line_prefix(Level level, std::string_view source) {
  return fmt::format("[{}] [{}] {} ", timestamp(), source, level_name(level));
}

bool has_line_prefix(std::string_view line) {
  // "[YYYY-MM-DD HH:MM:SS.mmm] [source] LEVEL "
  constexpr std::string_view stamp = "[dddd-dd-dd dd:dd:dd.ddd] [";
  if (line.size() < stamp.size()) return false;
  for (size_t i = 0; i < stamp.size(); ++i) {
    const char c = line[i];
    if (stamp[i] == 'd' ? (c < '0' || c > '9') : c != stamp[i]) return false;
  }
  const size_t close = line.find("] ", stamp.size());
  if (close == std::string_view::npos || close == stamp.size()) return false;
  const std::string_view rest = line.substr(close + 2);
  if (rest.size() < 6 || rest[5] != ' ') return false;
  for (const Level l : {Level::debug, Level::info, Level::warn, Level::error})
    if (rest.substr(0, 5) == level_name(l)) return true;
  return false;
}

void write(Level level, std::string_view raw) {
  if (level < g_level) return;
  // Messages may carry URLs with passwords or tokens, or a token a server echoed back.
  const std::string redacted = secrets::redact_text(raw);
  const std::string_view message = redacted;
  std::lock_guard lock(g_mutex);
  std::string line;
  // Multi-line messages keep the prefix on every line so grep by rank still works.
  size_t start = 0;
  const std::string prefix = line_prefix(level, g_source);
  do {
    const size_t nl = message.find('\n', start);
    const auto part = message.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    line += prefix;
    line += part;
    line += '\n';
    start = nl == std::string_view::npos ? message.size() + 1 : nl + 1;
  } while (start <= message.size());
  write_all(level >= Level::warn ? STDERR_FILENO : STDOUT_FILENO, line);
  if (g_file_fd >= 0) write_all(g_file_fd, line);
}

}  // namespace dflow::log
