#include "io/slices/path_format.hpp"

#include <charconv>
#include <regex>

#include "core/error.hpp"

namespace dflow {

namespace {
bool is_align(char c) { return c == '<' || c == '>' || c == '^' || c == '='; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

SlicePathFormat::SlicePathFormat(std::string_view pattern) : pattern_(pattern) {
  auto bad = [&](std::string_view why) {
    fail("slices: {}: {}; slice-path-format needs one integer field such as \"z{{:05d}}.png\"", pattern_, why);
  };
  // flyemflows refuses '%' patterns outright; we name the mistake instead of failing on a missing field.
  static const std::regex printf_like("%[-+ #0]*[0-9]*(\\.[0-9]+)?[lh]*[diuoxXs]");
  if (std::regex_search(pattern_, printf_like)) bad("printf-style '%' patterns are not supported, use Python's {} syntax");

  std::string spec;
  bool have_field = false;
  std::string* out = &prefix_;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '{' && i + 1 < pattern.size() && pattern[i + 1] == '{') {
      *out += '{';
      ++i;
    } else if (c == '}' && i + 1 < pattern.size() && pattern[i + 1] == '}') {
      *out += '}';
      ++i;
    } else if (c == '{') {
      const size_t close = pattern.find('}', i);
      if (close == std::string_view::npos) bad("unmatched '{'");
      if (have_field) bad("more than one {} field");
      have_field = true;
      spec = std::string(pattern.substr(i + 1, close - i - 1));
      out = &suffix_;
      i = close;
    } else if (c == '}') {
      bad("single '}' (write '}}' for a literal brace)");
    } else {
      *out += c;
    }
  }
  if (!have_field) bad("no {} field for the slice number");

  // Field name: empty or positional 0 (the only argument format() gets).
  const size_t colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  if (!name.empty() && name != "0") bad(fmt::format("field name '{}' (only '{{}}' or '{{0}}' can take the slice number)", name));
  if (colon == std::string::npos) return;
  std::string_view s = std::string_view(spec).substr(colon + 1);

  // [[fill]align][0][width][d]
  bool explicit_fill = false, explicit_align = false;
  if (s.size() >= 2 && is_align(s[1])) {
    if (static_cast<unsigned char>(s[0]) >= 0x80) bad("non-ASCII fill character");
    fill_ = s[0];
    align_ = s[1];
    explicit_fill = explicit_align = true;
    s.remove_prefix(2);
  } else if (!s.empty() && is_align(s[0])) {
    align_ = s[0];
    explicit_align = true;
    s.remove_prefix(1);
  }
  if (!s.empty() && s[0] == '0') {
    // Python: a leading 0 means zero fill, sign-aware unless an alignment was given.
    if (!explicit_fill) fill_ = '0';
    if (!explicit_align) align_ = '=';
    s.remove_prefix(1);
  }
  size_t width = 0;
  while (!s.empty() && is_digit(s[0])) {
    width = width * 10 + size_t(s[0] - '0');
    if (width > 64) bad("field width over 64");
    s.remove_prefix(1);
  }
  width_ = width;
  if (s == "d" || s.empty()) return;
  bad(fmt::format("unsupported format spec '{}' (supported: fill, alignment, 0, width and 'd')", spec.substr(colon + 1)));
}

std::string SlicePathFormat::format(int64_t z) const {
  // Magnitude via unsigned so INT64_MIN has no overflow.
  const uint64_t mag = z < 0 ? uint64_t(0) - uint64_t(z) : uint64_t(z);
  const std::string digits = std::to_string(mag);
  const std::string sign = z < 0 ? "-" : "";
  std::string field = sign + digits;
  if (field.size() < width_) {
    const size_t pad = width_ - field.size();
    switch (align_) {
      case '<': field += std::string(pad, fill_); break;
      case '^': field = std::string(pad / 2, fill_) + field + std::string(pad - pad / 2, fill_); break;
      case '=': field = sign + std::string(pad, fill_) + digits; break;
      default: field = std::string(pad, fill_) + field; break;
    }
  }
  return prefix_ + field + suffix_;
}

std::optional<int64_t> SlicePathFormat::parse_field(std::string_view field) const {
  if (field.empty()) return std::nullopt;
  // Strip the padding the alignment would have added (keeping at least one character, since the
  // fill may itself be a digit), parse what is left, then insist that formatting gives `field` back.
  std::string_view core = field;
  std::string_view sign;
  if (align_ == '=' && core[0] == '-') {
    sign = core.substr(0, 1);
    core.remove_prefix(1);
  }
  if (align_ == '>' || align_ == '^' || align_ == '=')
    while (core.size() > 1 && core.front() == fill_) core.remove_prefix(1);
  if (align_ == '<' || align_ == '^')
    while (core.size() > 1 && core.back() == fill_) core.remove_suffix(1);
  const std::string text = std::string(sign) + std::string(core);
  if (text.empty() || text == "-") return std::nullopt;
  for (size_t i = text[0] == '-' ? 1 : 0; i < text.size(); ++i)
    if (!is_digit(text[i])) return std::nullopt;
  int64_t z = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), z);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (format(z) != prefix_ + std::string(field) + suffix_) return std::nullopt;
  return z;
}

std::optional<int64_t> SlicePathFormat::parse_path(std::string_view path) const {
  if (path.size() < prefix_.size() + suffix_.size()) return std::nullopt;
  if (path.substr(0, prefix_.size()) != prefix_ || path.substr(path.size() - suffix_.size()) != suffix_) return std::nullopt;
  return parse_field(path.substr(prefix_.size(), path.size() - prefix_.size() - suffix_.size()));
}

}  // namespace dflow
