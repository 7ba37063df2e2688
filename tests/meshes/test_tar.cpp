// lib/archive/tar against Python's tarfile (the reference): archives tarfile writes in its three
// formats read back member for member, and archives we write read by tarfile (which checks every
// header checksum) with the bytes, names, order and header fields we promise.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "archive/tar.hpp"
#include "core/files.hpp"
#include "test_support.hpp"

using namespace dflow;

namespace {

std::string python() {
  const char* p = std::getenv("DFLOW_PYTHON");
  if (!p || !*p) FAIL("DFLOW_PYTHON is not set: run this test through ctest (the venv's python is the reference)");
  return p;
}

std::string script() { return std::string(DFLOW_TESTS_MESHES_DIR) + "/check_tar.py"; }

int run(const std::string& cmd) {
  const int st = std::system((cmd + " 2>&1").c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

std::vector<std::pair<std::string, std::string>> manifest(const fs::path& p) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : nlohmann::json::parse(read_text(p))) {
    const std::string hex = m[1].get<std::string>();
    std::string bytes;
    for (size_t i = 0; i < hex.size(); i += 2) bytes.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
    out.emplace_back(m[0].get<std::string>(), bytes);
  }
  return out;
}

std::string text(std::span<const std::byte> b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }
std::span<const std::byte> bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

}  // namespace

TEST_CASE("tar archives written by Python's tarfile are read member for member", "[tar]") {
  const fs::path dir = test::scratch_dir("tar-python");
  REQUIRE(run(python() + " " + script() + " write " + dir.string()) == 0);
  const auto want = manifest(dir / "members.json");
  for (const char* format : {"ustar", "gnu", "pax"}) {
    INFO(format);
    const std::vector<std::byte> archive = read_file(dir / (std::string(format) + ".tar"));
    const std::vector<tar::Entry> got = tar::read(archive, format);
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].name == want[i].first);
      CHECK(got[i].type == '0');
      CHECK(text(got[i].data) == want[i].second);
    }
  }
}

TEST_CASE("tar archives we write are read by Python's tarfile", "[tar]") {
  const fs::path dir = test::scratch_dir("tar-ours");
  REQUIRE(run(python() + " " + script() + " write " + dir.string()) == 0);
  auto members = manifest(dir / "members.json");
  std::erase_if(members, [](const auto& m) { return m.first.size() > 100; });  // ustar name field only
  tar::Writer w;
  nlohmann::json j = nlohmann::json::array();
  size_t expect = tar::kTrailerBytes;
  for (const auto& [name, data] : members) {
    w.add(name, bytes(data));
    expect += tar::member_bytes(data.size());
    std::string hex;
    for (unsigned char c : data) hex += fmt::format("{:02x}", c);
    j.push_back({name, hex});
  }
  CHECK(w.members() == members.size());
  CHECK(w.size_when_finished() == expect);
  const std::vector<std::byte> archive = w.finish();
  CHECK(archive.size() == expect);
  CHECK(archive.size() % 512 == 0);
  write_file_atomic(dir / "ours.tar", archive);
  write_text_atomic(dir / "ours.json", j.dump());
  CHECK(run(python() + " " + script() + " verify " + (dir / "ours.tar").string() + " " + (dir / "ours.json").string()) == 0);

  // Deterministic: the same members give the same bytes.
  tar::Writer again;
  for (const auto& [name, data] : members) again.add(name, bytes(data));
  CHECK(again.finish() == archive);
  // And our reader agrees with our writer.
  const auto back = tar::read(archive);
  REQUIRE(back.size() == members.size());
  for (size_t i = 0; i < back.size(); ++i) CHECK(text(back[i].data) == members[i].second);
}

TEST_CASE("tar errors name the member and the offset", "[tar]") {
  tar::Writer w;
  CHECK(test::error_of([&] { w.add(std::string(101, 'x'), {}); }) ==
        "tar: member name \"" + std::string(101, 'x') + "\" must be 1..100 bytes without NUL (ustar name field)");
  CHECK(test::error_of([&] { w.add("", {}); }) == "tar: member name \"\" must be 1..100 bytes without NUL (ustar name field)");
  const std::string payload(700, 'a');
  w.add("1.drc", bytes(payload));
  w.add("2.drc", bytes(payload));
  std::vector<std::byte> archive = w.finish();
  // Truncated inside the second member's data.
  const std::vector<std::byte> cut(archive.begin(), archive.begin() + 1536 + 600);
  CHECK(test::error_of([&] { tar::read(cut, "t.tar"); }) == "t.tar: member \"2.drc\" at offset 1536 claims 700 bytes, only 88 remain");
  // A flipped byte in the second header.
  archive[1536 + 10] = std::byte{'Z'};
  CHECK(test::error_of([&] { tar::read(archive, "t.tar"); }) == "t.tar: header checksum mismatch at offset 1536 (member \"2.drc\")");
}
