#include "launch/exec_dir.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <unistd.h>

#include "config/secrets.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/secrets.hpp"

extern char** environ;

namespace dflow::launch {

namespace fs = std::filesystem;

fs::path exec_dir_name(const fs::path& template_dir, std::time_t t) {
  fs::path base = fs::absolute(template_dir).lexically_normal();
  if (!base.has_filename()) base = base.parent_path();  // "tmpl/" -> "tmpl"
  if (base == base.root_path()) fail("{}: the template directory cannot be the root directory", template_dir.string());
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d.%H%M%S", &tm);
  return base.string() + "-" + stamp;
}

namespace {

// The template's files, recursively, but for `not_copied` (paths relative to the template).
void copy_template(const fs::path& from, const fs::path& to, const std::vector<fs::path>& not_copied) {
  std::vector<fs::path> skip;
  for (const auto& p : not_copied) skip.push_back((from / p).lexically_normal());
  for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path src = it->path().lexically_normal();
    if (std::find(skip.begin(), skip.end(), src) != skip.end()) continue;
    const fs::path dst = to / src.lexically_relative(from.lexically_normal());
    if (it->is_symlink()) fs::copy_symlink(src, dst);
    else if (it->is_directory()) fs::create_directory(dst);
    else fs::copy_file(src, dst);
  }
}

}  // namespace

fs::path create_exec_dir(const fs::path& template_dir, std::time_t t, const std::vector<fs::path>& not_copied) {
  const fs::path wanted = exec_dir_name(template_dir, t);
  fs::path dir = wanted;
  // create_directory is atomic: two launches in the same second get different directories.
  for (int n = 2; !fs::create_directory(dir); ++n) {
    if (n > 1000) fail("{}: cannot find a free execution directory name", wanted.string());
    dir = wanted.string() + "-" + std::to_string(n);
  }
  try {
    copy_template(template_dir, dir, not_copied);
    const fs::path yaml = dir / "workflow.yaml";
    if (const std::string text = read_text(yaml), shown = config::redact_yaml_text(text); shown != text) {
      fs::remove(yaml);  // a symlink to the template's file must not be written through
      write_text_atomic(yaml, shown);
    }
    fs::permissions(yaml, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read,
                    fs::perm_options::replace);
  } catch (const fs::filesystem_error& e) {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    fail("{}: cannot copy the template to {}: {}", template_dir.string(), dir.string(), e.code().message());
  } catch (const Error&) {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    throw;
  }
  return dir;
}

namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (const char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::string single_quote(std::string_view v) {
  std::string out = "'";
  for (const char c : v) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string bash_environment(const std::vector<std::string>& entries) {
  std::string out =
      "# The environment launchflow ran the workflow with (including the config's environment-variables).\n"
      "# Secrets (tokens, keys, passwords, also inside URLs) are shown as *** and must be set again.\n"
      "# To reproduce it: set -a; source bash-environment.sh; set +a\n";
  for (const auto& e : entries) {
    const size_t eq = e.find('=');
    const std::string_view name = std::string_view(e).substr(0, eq);
    const std::string_view value = eq == std::string::npos ? std::string_view() : std::string_view(e).substr(eq + 1);
    if (is_identifier(name))
      out += fmt::format("{}={}\n", name, single_quote(secrets::redact_value(name, value)));
    else
      out += fmt::format("# not a shell name, skipped: {}\n", single_quote(name));
  }
  return out;
}

std::vector<std::string> current_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
  return out;
}

}  // namespace dflow::launch
