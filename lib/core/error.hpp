#pragma once
// One exception type for the pipeline. The message is the one line the user sees, so it must say
// what went wrong and where (file, chunk, key path, URL), e.g.
//   n5: /data/seg.n5/s0/1/2/0: chunk is truncated (header says 262144 bytes, got 1200)
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace dflow {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Text from an input (a key, a value, a parser's message) made safe for a one-line error: control
// characters and non-ASCII bytes become escapes (\n, \x1b), so a hostile or corrupt file cannot
// break the line or the terminal.
inline std::string printable(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else out += ch;
  }
  return out;
}

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace dflow
