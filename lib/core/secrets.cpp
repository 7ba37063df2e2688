#include "core/secrets.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <vector>

extern char** environ;

namespace dflow::secrets {
namespace {

// Upper case, '-' and '.' as '_': "admin-token" and ADMIN_TOKEN are one name.
std::string normalized(std::string_view name) {
  std::string n(name);
  for (char& c : n) c = c == '-' || c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return n;
}

bool contains_any(const std::string& n, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return n.find(w) != std::string::npos; });
}

bool ends_with_any(const std::string& n, std::initializer_list<std::string_view> ends) {
  return std::any_of(ends.begin(), ends.end(), [&](std::string_view e) { return n.ends_with(e); });
}

bool names_a_secret(const std::string& n) {
  return contains_any(n, {"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "ACCESS_KEY", "ACCESSKEY",
                          "PRIVATE_KEY", "API_KEY", "APIKEY", "SIGNATURE", "AUTHORIZATION", "COOKIE"});
}

// Query parameters that carry secrets under short names (GCS API key=, SAS sig=, pwd=).
bool is_secret_query_name(std::string_view name) {
  const std::string n = normalized(name);
  return is_secret_name(name) || n == "KEY" || n == "SIG" || n == "PWD" || n == "PASS" || n == "AUTH";
}

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }
bool is_scheme_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'; }
// Where a URL or a NAME=value pair ends inside free text.
bool ends_token(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' ||
         c == ')' || c == ']' || c == '}';
}

struct Remembered {
  std::mutex mutex;
  std::vector<std::string> values;  // longest first, so a value inside another is not left half shown
  std::once_flag env_once;
};

Remembered& remembered() {
  static Remembered r;
  return r;
}

void remember_locked(Remembered& r, std::string_view value) {
  if (value.size() < 6 || std::find(r.values.begin(), r.values.end(), value) != r.values.end()) return;
  r.values.emplace_back(value);
  std::stable_sort(r.values.begin(), r.values.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

// The values of secret-named variables in this process's environment. Identifiers (AWS_ACCESS_KEY_ID,
// *_USER) are hidden by name in bash-environment.sh but not searched for in every line: a MinIO key id
// such as "dvidflow" would mask the program's own name.
void load_environment(Remembered& r) {
  std::lock_guard lock(r.mutex);
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry = *e;
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = entry.substr(0, eq);
    const std::string n = normalized(name);
    if (is_secret_name(name) && !n.ends_with("_ID") && !n.ends_with("_USER")) remember_locked(r, entry.substr(eq + 1));
  }
}

std::string mask_remembered(std::string_view text) {
  Remembered& r = remembered();
  std::call_once(r.env_once, [&] { load_environment(r); });
  std::string out(text);
  std::lock_guard lock(r.mutex);
  for (const auto& v : r.values)
    for (size_t at = out.find(v); at != std::string::npos; at = out.find(v, at + kMask.size()))
      out.replace(at, v.size(), kMask);
  return out;
}

// NAME=value pairs with a secret NAME, outside URLs ("AWS_SECRET_ACCESS_KEY=abc", "admintoken=abc").
std::string mask_assignments(std::string_view text, std::vector<std::string>* parts) {
  std::string out;
  size_t copied = 0;
  for (size_t eq = text.find('='); eq != std::string_view::npos; eq = text.find('=', eq + 1)) {
    if (eq < copied) continue;
    size_t start = eq;
    while (start > copied && is_name_char(text[start - 1])) --start;
    if (start == eq || !is_secret_name(text.substr(start, eq - start))) continue;
    size_t end = eq + 1;
    if (end < text.size() && (text[end] == '\'' || text[end] == '"')) {
      const size_t close = text.find(text[end], end + 1);
      end = close == std::string_view::npos ? text.size() : close + 1;
    } else {
      while (end < text.size() && !ends_token(text[end]) && text[end] != '&' && text[end] != ';' && text[end] != ',') ++end;
    }
    if (end == eq + 1) continue;
    if (parts) {  // the value without its quotes
      const bool quoted = text[eq + 1] == '\'' || text[eq + 1] == '"';
      const size_t from = eq + 1 + (quoted ? 1 : 0), to = quoted && end > from && text[end - 1] == text[eq + 1] ? end - 1 : end;
      parts->emplace_back(text.substr(from, to - from));
    }
    out.append(text.substr(copied, eq + 1 - copied));
    out.append(kMask);
    copied = end;
    eq = end - 1;
  }
  out.append(text.substr(copied));
  return out;
}

std::string url_without_secrets(std::string_view url, std::vector<std::string>* parts);

// URLs through url_without_secrets, then NAME=value pairs: what redact_text does but for the
// remembered values, so the result depends on the text alone.
std::string structural(std::string_view text, std::vector<std::string>* parts) {
  std::string out;
  size_t copied = 0;
  for (size_t sep = text.find("://"); sep != std::string_view::npos; sep = text.find("://", sep + 3)) {
    if (sep < copied) continue;
    size_t start = sep;
    while (start > copied && is_scheme_char(text[start - 1])) --start;
    if (start == sep) continue;
    size_t end = sep + 3;
    while (end < text.size() && !ends_token(text[end])) ++end;
    out.append(text.substr(copied, start - copied));
    out.append(url_without_secrets(text.substr(start, end - start), parts));
    copied = end;
  }
  out.append(text.substr(copied));
  return mask_assignments(out, parts);
}

std::string url_without_secrets(std::string_view url, std::vector<std::string>* parts) {
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, sep + 3));
  const size_t auth_end = std::min(url.find_first_of("/?#", sep + 3), url.size());
  std::string_view authority = url.substr(sep + 3, auth_end - sep - 3);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    const size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos && colon + 1 < userinfo.size()) {
      if (parts) parts->emplace_back(userinfo.substr(colon + 1));
      out.append(userinfo.substr(0, colon + 1));
      out.append(kMask);
    } else {
      out.append(userinfo);
    }
    authority.remove_prefix(at);  // keeps the '@'
  }
  out.append(authority);
  std::string_view rest = url.substr(auth_end);
  const size_t q = rest.find('?');
  if (q == std::string_view::npos) return out.append(rest);
  out.append(rest.substr(0, q + 1));
  rest.remove_prefix(q + 1);
  const size_t hash = rest.find('#');
  const std::string_view fragment = hash == std::string_view::npos ? std::string_view() : rest.substr(hash);
  std::string_view query = rest.substr(0, hash == std::string_view::npos ? rest.size() : hash);
  while (true) {
    const size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    const size_t eq = param.find('=');
    if (eq != std::string_view::npos && eq + 1 < param.size() && is_secret_query_name(param.substr(0, eq))) {
      if (parts) parts->emplace_back(param.substr(eq + 1));
      out.append(param.substr(0, eq + 1));
      out.append(kMask);
    } else {
      out.append(param);
    }
    if (amp == std::string_view::npos) break;
    out += '&';
    query.remove_prefix(amp + 1);
  }
  return out.append(fragment);
}

}  // namespace

bool is_credential_file_name(std::string_view name) {
  const std::string n = normalized(name);
  if (n == "GOOGLE_APPLICATION_CREDENTIALS") return true;
  for (const std::string_view suffix : {"_FILE", "_FILENAME", "_PATH"})
    if (n.ends_with(suffix)) {
      const std::string base = n.substr(0, n.size() - suffix.size());
      return names_a_secret(base) || base.ends_with("KEY") || base.ends_with("CREDENTIALS");
    }
  return false;
}

bool is_secret_name(std::string_view name) {
  const std::string n = normalized(name);
  if (n.empty() || is_credential_file_name(name)) return false;
  // Paths, directories and endpoints are shown; a URL's own secrets are hidden by redact_url.
  if (ends_with_any(n, {"_FILE", "_FILENAME", "_PATH", "_DIR", "_URL", "_URI", "_ENDPOINT"})) return false;
  return names_a_secret(n);
}

std::string redact_url(std::string_view url) { return url_without_secrets(url, nullptr); }

std::string redact_text(std::string_view text) { return structural(mask_remembered(text), nullptr); }

std::string redact_value(std::string_view key, std::string_view value) {
  if (!value.empty() && is_secret_name(key)) return std::string(kMask);
  return structural(value, nullptr);
}

void remember_value(std::string_view key, std::string_view value) {
  if (is_secret_name(key)) return remember(value);
  std::vector<std::string> parts;
  structural(value, &parts);
  for (const auto& part : parts) remember(part);
}

void remember(std::string_view value) {
  Remembered& r = remembered();
  std::lock_guard lock(r.mutex);
  remember_locked(r, value);
}

bool holds_mask(std::string_view text) { return text.find(kMask) != std::string_view::npos; }

}  // namespace dflow::secrets
