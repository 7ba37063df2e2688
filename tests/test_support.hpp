#pragma once
// Helpers shared by the Catch2 tests.
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include <unistd.h>

#include "core/error.hpp"

namespace dflow::test {

// A fresh scratch directory under the build tree (ctest sets DFLOW_TEST_TMP).
inline std::filesystem::path scratch_dir(const std::string& name) {
  const char* base = std::getenv("DFLOW_TEST_TMP");
  std::filesystem::path dir = std::filesystem::path(base ? base : "/tmp/dflow-test") / (name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::filesystem::path golden_dir() {
  const char* g = std::getenv("DFLOW_GOLDEN_DIR");
  return g ? std::filesystem::path(g) : std::filesystem::path();
}

// The message of the dflow::Error that f throws, or "(no error)": tests compare whole error lines.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace dflow::test
