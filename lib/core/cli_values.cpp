#include "core/cli_values.hpp"

#include <cctype>
#include <cmath>
#include <stdexcept>

#include "core/error.hpp"

namespace dflow {

uint64_t parse_uint_option(const std::string& opt, const std::string& s) {
  try {
    size_t used = 0;
    const unsigned long long v = std::stoull(s, &used);
    if (used == s.size() && !s.empty() && s[0] != '-') return v;
  } catch (const std::exception&) {
  }
  fail("{} {}: expected a non-negative integer", opt, s);
}

uint64_t parse_size_option(const std::string& opt, const std::string& s) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    fail("{} {}: expected a size such as 512M or 2G", opt, s);
  }
  std::string unit = s.substr(used);
  for (auto& c : unit) c = char(std::toupper(static_cast<unsigned char>(c)));
  if (unit.ends_with("IB")) unit.resize(unit.size() - 2);
  else if (unit.ends_with("B")) unit.resize(unit.size() - 1);
  double mult = 1;
  if (unit == "K") mult = 1024.0;
  else if (unit == "M") mult = 1024.0 * 1024;
  else if (unit == "G") mult = 1024.0 * 1024 * 1024;
  else if (unit == "T") mult = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty()) fail("{} {}: unknown unit '{}' (use K, M, G or T)", opt, s, unit);
  if (!(v > 0)) fail("{} {}: must be positive", opt, s);
  return uint64_t(std::llround(v * mult));
}

bool OptionCursor::next() {
  if (next_ >= args_.size()) return false;
  name_ = args_[next_++];
  has_inline_ = false;
  if (const size_t eq = name_.find('='); name_.starts_with("--") && eq != std::string::npos) {
    inline_value_ = name_.substr(eq + 1);
    name_.resize(eq);
    has_inline_ = true;
  }
  return true;
}

std::string OptionCursor::value() {
  if (has_inline_) return inline_value_;
  if (next_ >= args_.size()) fail("{} needs a value (see --help)", name_);
  return args_[next_++];
}

}  // namespace dflow
