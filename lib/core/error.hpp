#pragma once
// One exception type for the pipeline. The message is the one line the user sees, so it must say
// what went wrong and where (file, chunk, key path, URL), e.g.
//   n5: /data/seg.n5/s0/1/2/0: chunk is truncated (header says 262144 bytes, got 1200)
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace dflow {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace dflow
