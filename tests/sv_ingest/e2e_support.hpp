#pragma once
// Helpers for the end-to-end tests of ingest-supervoxels: the example volume and its own pyramid
// (computed here, independently of the stage), workflow files, running the stage under mpirun, and
// reading DVID back.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "dvid/labelmap.hpp"
#include "dvid/repo.hpp"
#include "example/example.hpp"
#include "ops/downsample.hpp"
#include "test_support.hpp"

namespace dflow::test {

namespace fs = std::filesystem;

inline std::string env_or_fail(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) fail("{} is not set: run this test through ctest", name);
  return v;
}

inline std::string dvid_url_env() { return env_or_fail("DFLOW_DVID_URL"); }

// A generated example: the N5 on disk and its segmentation in memory.
struct Example {
  fs::path dir;
  Array3<uint64_t> seg;
  Box box() const { return seg.box(); }
};

inline Example make_example(const fs::path& dir, Vec3 size) {
  example::ExampleParams p;
  p.size = size;
  p.threads = 2;
  example::write_example(p, dir);
  Example e;
  e.dir = dir;
  e.seg = example::generate_example(p).segmentation;
  return e;
}

// The input's label pyramid, computed here with DVID's rule: the volume padded with 0 to a multiple
// of 2^top, then halved `top` times. levels[s] covers scaled_box(volume, s) (and a little padding).
inline std::vector<Array3<uint64_t>> pyramid(const Array3<uint64_t>& seg, int top) {
  const int64_t f = int64_t{1} << top;
  Array3<uint64_t> a(Box{{0, 0, 0}, ceil_div(seg.box().hi, Vec3::fill(f)) * f});
  a.paste(seg);
  std::vector<Array3<uint64_t>> levels;
  levels.push_back(std::move(a));
  for (int s = 1; s <= top; ++s) levels.push_back(downsample_labels_2x(levels.back()));
  return levels;
}

inline Box scaled(const Box& b, int s) {
  const Vec3 f = Vec3::fill(int64_t{1} << s);
  return {floor_div(b.lo, f), ceil_div(b.hi, f)};
}

// Every 64^3 block of the scale-s volume (rounded out to blocks) that holds a non-zero voxel.
inline uint64_t nonzero_blocks(const Array3<uint64_t>& level, const Box& vol_s) {
  const Box r = vol_s.round_out(Vec3::fill(64));
  uint64_t n = 0;
  for (int64_t z = r.lo.z; z < r.hi.z; z += 64)
    for (int64_t y = r.lo.y; y < r.hi.y; y += 64)
      for (int64_t x = r.lo.x; x < r.hi.x; x += 64) {
        const Box b = Box{{x, y, z}, {x + 64, y + 64, z + 64}}.intersect(level.box());
        bool any = false;
        for (int64_t zz = b.lo.z; zz < b.hi.z && !any; ++zz)
          for (int64_t yy = b.lo.y; yy < b.hi.y && !any; ++yy)
            for (int64_t xx = b.lo.x; xx < b.hi.x && !any; ++xx) any = level.at({xx, yy, zz}) != 0;
        n += any;
      }
  return n;
}

// Voxels of the instance at every scale 0..top (GET /raw?supervoxels=true over the block-aligned
// volume) must equal the pyramid (0 beyond it). Returns the number of differing voxels per scale.
inline std::vector<uint64_t> raw_mismatches(dvid::Labelmap& lm, const std::vector<Array3<uint64_t>>& levels, const Box& vol) {
  std::vector<uint64_t> out;
  for (size_t s = 0; s < levels.size(); ++s) {
    const Box r = scaled(vol, int(s)).round_out(Vec3::fill(64));
    const Array3<uint64_t> got = lm.raw(r, int(s), true);
    Array3<uint64_t> want(r);
    want.paste(levels[s]);
    uint64_t n = 0;
    for (size_t i = 0; i < got.size(); ++i) n += got.vec()[i] != want.vec()[i];
    out.push_back(n);
  }
  return out;
}

struct RunResult {
  int status = -1;
  std::string output;
};

// Runs a shell command, capturing stdout+stderr. `on_line` (optional) sees each line as it arrives.
template <typename OnLine>
RunResult run_shell(const std::string& cmd, OnLine&& on_line) {
  RunResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) fail("popen failed: {}", cmd);
  std::array<char, 4096> buf{};
  std::string line;
  while (std::fgets(buf.data(), int(buf.size()), p)) {
    line += buf.data();
    if (!line.empty() && line.back() == '\n') {
      r.output += line;
      on_line(line);
      line.clear();
    }
  }
  r.output += line;
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  return r;
}
inline RunResult run_shell(const std::string& cmd) {
  return run_shell(cmd, [](const std::string&) {});
}

inline std::string quote(const std::string& s) { return "'" + s + "'"; }

// mpirun -np N ingest-supervoxels --config DIR/workflow.yaml --exec-dir DIR [extra]
inline std::string stage_command(int np, const fs::path& dir, const std::string& extra = "", const std::string& env = "") {
  return fmt::format("{} {} --allow-run-as-root --oversubscribe -np {} {} --config {} --exec-dir {} {}",
                     env.empty() ? "" : "env " + env, env_or_fail("DFLOW_MPIEXEC"), np, env_or_fail("DFLOW_INGEST_EXE"),
                     quote((dir / "workflow.yaml").string()), quote(dir.string()), extra);
}

struct WorkflowOptions {
  std::string server, uuid, instance = "seg";
  bool create = true;
  int max_scale = 3;
  bool throttle = false;
  std::string options;  // YAML lines under `options:`, each "  key: value\n"
  std::string output_extra;  // more YAML lines under `output:`
};

inline void write_workflow(const fs::path& dir, const Example& ex, const WorkflowOptions& o) {
  fs::create_directories(dir);
  write_text_atomic(dir / "workflow.yaml",
                    fmt::format("workflow-name: ingest-supervoxels\n"
                                "input:\n  n5:\n    path: {}\n    dataset: segmentation/s0\n"
                                "output:\n  server: {}\n  uuid: {}\n  segmentation-name: {}\n"
                                "  create-if-necessary: {}\n  max-scale: {}\n  throttle: {}\n{}"
                                "options:\n{}",
                                (ex.dir / "example.n5").string(), o.server, o.uuid, o.instance, o.create, o.max_scale,
                                o.throttle, o.output_extra, o.options.empty() ? "  concurrency: 4\n" : o.options));
}

inline std::string new_repo(const std::string& server, const std::string& alias) {
  dvid::Client c(server);
  return dvid::create_repo(c, alias, "ingest-supervoxels end-to-end test");
}

inline size_t count_lines_with(const std::string& text, const std::string& what) {
  size_t n = 0, pos = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    const std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    n += line.find(what) != std::string::npos;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return n;
}

// A TCP port nothing listens on (bound and released; for "DVID is down" and a private server).
inline int free_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof(a);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ::close(fd);
      continue;
    }
    const int port = ntohs(a.sin_port);
    ::close(fd);
    // dvid-server.sh uses port+1 for RPC: make sure it is free too.
    const int fd2 = ::socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = htons(uint16_t(port + 1));
    const bool ok = ::bind(fd2, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    ::close(fd2);
    if (ok && port < 65000) return port;
  }
  fail("no free TCP port pair found");
}

}  // namespace dflow::test
