#pragma once
// The execution directory, as flyemflows makes it: a timestamped copy of the template directory that
// the run works in and leaves its records in (output.log, full-workflow-config.yaml, ...).
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

namespace dflow::launch {

// Absolute "<template without trailing slash>-YYYYmmdd.HHMMSS" for local time `t`.
std::filesystem::path exec_dir_name(const std::filesystem::path& template_dir, std::time_t t);

// Creates exec_dir_name(template_dir, t) (or, if that exists, the same name with -2, -3, ...: an
// earlier run is never clobbered), copies the template into it with symlinks kept as symlinks,
// except the files in `not_copied` (credential files, relative to the template: referenced where
// they are, never copied), writes the copy's workflow.yaml with its secrets redacted
// (config/secrets.hpp) and makes it read-only (0444). On failure nothing is left behind.
std::filesystem::path create_exec_dir(const std::filesystem::path& template_dir, std::time_t t,
                                      const std::vector<std::filesystem::path>& not_copied = {});

// bash-environment.sh: one KEY='VALUE' line per "KEY=VALUE" entry, single-quoted so any value
// survives `source`; secrets (core/secrets.hpp) are written as '***'; entries whose names are not
// shell identifiers are listed as comments.
std::string bash_environment(const std::vector<std::string>& entries);
std::vector<std::string> current_environment();

}  // namespace dflow::launch
