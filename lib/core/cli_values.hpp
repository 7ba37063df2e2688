#pragma once
// Option values shared by the programs' command lines; errors name the option ("--threads x: ...").
#include <cstdint>
#include <string>
#include <vector>

namespace dflow {

// A non-negative integer.
uint64_t parse_uint_option(const std::string& opt, const std::string& s);
// A size such as 512M, 2G, 1.5GiB or 4096 (bytes); K/M/G/T are powers of 1024.
uint64_t parse_size_option(const std::string& opt, const std::string& s);

// The options of a command line, one at a time: "--name value" and "--name=value" both work.
//   OptionCursor cur(argc, argv);
//   while (cur.next()) { if (cur.name() == "--port") port = parse_uint_option(cur.name(), cur.value()); ... }
class OptionCursor {
 public:
  OptionCursor(int argc, char** argv) : args_(argv + 1, argv + argc) {}
  // Advances to the next option; false after the last one.
  bool next();
  // The option as written, without an "=value" part.
  const std::string& name() const { return name_; }
  // Its value: the part after "=", else the next argument (consumed); "--x needs a value" if none.
  std::string value();

 private:
  std::vector<std::string> args_;
  size_t next_ = 0;
  std::string name_;
  std::string inline_value_;
  bool has_inline_ = false;
};

}  // namespace dflow
