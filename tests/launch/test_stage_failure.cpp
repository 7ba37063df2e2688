// A stage that fails on bad input under mpirun ends with our one ERROR line and launchflow's FAILED
// summary, without Open MPI's noise after it (issue 11: "ORTE_ERROR_LOG: Out of resource", the
// MPI_ABORT box, "Primary job terminated normally", PMIx traces). survey-volume reads a small N5
// whose chunk (x,y,z) [1,0,0] is truncated: at 2 and 4 ranks one rank meets it and aborts while the
// others finish their bricks; a missing dataset makes every rank abort at once.
#include <cstdint>

#include <catch2/catch.hpp>

#include "core/files.hpp"
#include "launchflow_support.hpp"
#include "test_support.hpp"

using namespace dflow;
using namespace dflow::test;
namespace fs = std::filesystem;

namespace {

void put_be(std::string& s, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) s += char((v >> (8 * i)) & 0xff);
}

// An uncompressed uint8 N5 dataset of 4x2x2 chunks of 64^3; chunk [1,0,0] holds half its voxels.
fs::path n5_with_truncated_chunk(const fs::path& root) {
  const fs::path ds = root / "bad.n5" / "s0";
  fs::create_directories(ds);
  write_text_atomic(root / "bad.n5" / "attributes.json", "{\"n5\": \"2.0.0\"}\n");
  write_text_atomic(ds / "attributes.json",
                    "{\"dimensions\": [256, 128, 128], \"blockSize\": [64, 64, 64], \"dataType\": \"uint8\", "
                    "\"compression\": {\"type\": \"raw\"}}\n");
  for (int x = 0; x < 4; ++x)
    for (int y = 0; y < 2; ++y)
      for (int z = 0; z < 2; ++z) {
        std::string chunk;
        put_be(chunk, 0, 2);  // mode: default
        put_be(chunk, 3, 2);  // dimensions
        for (int a = 0; a < 3; ++a) put_be(chunk, 64, 4);
        chunk += std::string(x == 1 && y == 0 && z == 0 ? 64 * 64 * 32 : 64 * 64 * 64, char(x + 1));
        fs::create_directories(ds / std::to_string(x) / std::to_string(y));
        write_text_atomic(ds / std::to_string(x) / std::to_string(y) / std::to_string(z), chunk);
      }
  return root / "bad.n5";
}

void check_one_clean_failure(const Run& r, const fs::path& exec_dir, const std::string& error) {
  const std::string log = read_text(exec_dir / "output.log");
  INFO("stderr:\n" << r.err << "\noutput.log:\n" << log);
  CHECK(r.status == 2);  // mpi::kAbortCode, passed on by mpirun
  for (const std::string& text : {r.err, log}) {
    CHECK(text.find(error) != std::string::npos);
    CHECK(text.find("launchflow: survey-volume FAILED (exit status 2)") != std::string::npos);
    for (const char* noise : {"ORTE_ERROR_LOG", "PMIX", "MPI_ABORT was invoked", "Primary job", "mpirun detected",
                              "help message", "orte_base_help_aggregate", "-----"})
      CHECK(text.find(noise) == std::string::npos);
  }
  // The last ERROR line before the summary is ours.
  const auto ls = lines(log);
  std::string last_error;
  for (size_t i = 0; i + 1 < ls.size(); ++i)
    if (ls[i].find(" ERROR ") != std::string::npos) last_error = ls[i];
  CHECK(last_error.find(error) != std::string::npos);
}

}  // namespace

TEST_CASE("a stage failing on bad input ends with our line and the summary, no Open MPI noise") {
  const fs::path root = scratch_dir("stage-failure");
  const fs::path n5 = n5_with_truncated_chunk(root);
  const auto make = [&](const std::string& name, const std::string& dataset) {
    fs::create_directories(root / name);
    write_text_atomic(root / name / "workflow.yaml", "workflow-name: survey-volume\ninput:\n  n5:\n    path: " + n5.string() +
                                                         "\n    dataset: " + dataset + "\nsurvey:\n  brick-shape: [64, 64, 64]\n");
  };
  make("truncated", "s0");
  make("missing", "s9");
  for (const char* ranks : {"2", "4"}) {
    SECTION(std::string("one rank meets a truncated chunk, ") + ranks + " ranks") {
      const Run r = launchflow({"-n", ranks, "truncated"}, root);
      const auto dirs = exec_dirs(root, "truncated");
      REQUIRE(!dirs.empty());
      check_one_clean_failure(r, dirs.back(), "n5: " + (n5 / "s0" / "1" / "0" / "0").string() + ": chunk (x,y,z) [1,0,0]");
    }
    SECTION(std::string("every rank meets a missing dataset, ") + ranks + " ranks") {
      const Run r = launchflow({"-n", ranks, "missing"}, root);
      const auto dirs = exec_dirs(root, "missing");
      REQUIRE(!dirs.empty());
      check_one_clean_failure(r, dirs.back(), (n5 / "s9").string());
    }
  }
}
