#pragma once
// Option values shared by the programs' command lines; errors name the option ("--threads x: ...").
#include <cstdint>
#include <string>

namespace dflow {

// A non-negative integer.
uint64_t parse_uint_option(const std::string& opt, const std::string& s);
// A size such as 512M, 2G, 1.5GiB or 4096 (bytes); K/M/G/T are powers of 1024.
uint64_t parse_size_option(const std::string& opt, const std::string& s);

}  // namespace dflow
