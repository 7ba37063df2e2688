#pragma once
// One log line format for every program and rank, so output.log reads as one story:
//   [2026-11-25 09:00:00.123] [rank 3] INFO  read 12 bricks
// Lines are written with a single write() so lines from ranks forwarded by mpirun never interleave.
#include <filesystem>
#include <string>

#include <fmt/format.h>

namespace dflow::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// Who is talking: "rank 3", "launchflow", ... Set once at start-up.
void set_source(std::string source);
void set_level(Level level);
// Also append every line to this file (per-rank logs in the execution directory).
void add_file(const std::filesystem::path& path);
// Secrets in the message (URL passwords, tokens: core/secrets.hpp) are written as "***".
void write(Level level, std::string_view message);
// Current wall-clock time as "YYYY-MM-DD HH:MM:SS.mmm" (also used by launchflow for foreign lines).
std::string timestamp();
// "[<timestamp()>] [<source>] INFO  ": the start of every line write() produces.
std::string line_prefix(Level level, std::string_view source);
// True if `line` starts like a line write() produced (launchflow passes those through unchanged).
bool has_line_prefix(std::string_view line);

template <typename... A> void debug(fmt::format_string<A...> f, A&&... a) { write(Level::debug, fmt::format(f, std::forward<A>(a)...)); }
template <typename... A> void info(fmt::format_string<A...> f, A&&... a) { write(Level::info, fmt::format(f, std::forward<A>(a)...)); }
template <typename... A> void warn(fmt::format_string<A...> f, A&&... a) { write(Level::warn, fmt::format(f, std::forward<A>(a)...)); }
template <typename... A> void error(fmt::format_string<A...> f, A&&... a) { write(Level::error, fmt::format(f, std::forward<A>(a)...)); }

}  // namespace dflow::log
