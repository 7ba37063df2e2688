#pragma once
// The slice-path-format of flyemflows' slice-files service: a Python str.format pattern with exactly
// one integer replacement field for z, e.g. "/data/z{:05d}.png".
//
// Supported field forms: "{}", "{0}", "{:d}", "{:5}", "{:05d}", and generally
// "{[0]:[[fill]align][0][width][d]}" with align one of < > ^ =. "{{" and "}}" are literal braces.
// printf-style patterns ("%05d") are rejected with an explicit message, as are other format specs
// (precision, sign, grouping, non-decimal types) that slice numbering never needs.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dflow {

class SlicePathFormat {
 public:
  // Throws Error naming the pattern if it is not a supported one-field integer pattern.
  explicit SlicePathFormat(std::string_view pattern);

  const std::string& pattern() const { return pattern_; }
  // Literal text before and after the field ("{{" already unescaped).
  const std::string& prefix() const { return prefix_; }
  const std::string& suffix() const { return suffix_; }

  // pattern.format(z), exactly as Python would produce it.
  std::string format(int64_t z) const;
  // The z that formats to exactly `field` (the text that replaced the field), or nullopt.
  // Round-tripping rejects names the pattern could not have produced, e.g. "3" for "{:05d}".
  std::optional<int64_t> parse_field(std::string_view field) const;
  // The z of a whole path `prefix + field + suffix`, or nullopt.
  std::optional<int64_t> parse_path(std::string_view path) const;

 private:
  std::string pattern_, prefix_, suffix_;
  char fill_ = ' ';
  char align_ = '>';  // Python's default for numbers
  size_t width_ = 0;
};

}  // namespace dflow
