// Our label blocks, block streams and label-index protobufs, read back by the real DVID.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>

#include "codec/dvid_labels.hpp"
#include "codec/gzip.hpp"
#include "core/files.hpp"
#include "dvid/block_stream.hpp"
#include "dvid/labelindex.hpp"
#include "dvid/labelmap.hpp"
#include "dvid/repo.hpp"
#include "dvid_env.hpp"

using namespace dflow;
namespace fs = std::filesystem;

namespace {

fs::path fixtures() {
  const char* d = std::getenv("DVID_TEST_DATA");
  REQUIRE(d != nullptr);
  return d;
}

std::vector<uint64_t> fixture_volume(const std::string& name) {
  const auto raw = gzip::decompress(read_file(fixtures() / name));
  std::vector<uint64_t> v(raw.size() / 8);
  std::memcpy(v.data(), raw.data(), raw.size());
  REQUIRE(v.size() == 64 * 64 * 64);
  return v;
}

struct Fixture {
  dvid::Client client{test::dvid_url()};
  std::string uuid;
  Fixture(const std::string& alias) {
    client.set_admin_token(test::dvid_admin_token());
    uuid = dvid::create_repo(client, alias, "labelmap integration test");
  }
};

// The four volumes and block coordinates of DVID's TestPostBlocks.
const std::vector<std::pair<std::string, Vec3>> kBlocks = {{"fib19-64x64x64-sample1.dat.gz", {1, 2, 3}},
                                                           {"fib19-64x64x64-sample2.dat.gz", {2, 2, 3}},
                                                           {"cx-64x64x64-sample1.dat.gz", {1, 3, 4}},
                                                           {"cx-64x64x64-sample2.dat.gz", {2, 3, 4}}};

std::vector<std::byte> encode_stream(std::map<Vec3, std::vector<uint64_t>, bool (*)(const Vec3&, const Vec3&)>* vols = nullptr) {
  std::vector<std::byte> stream;
  for (const auto& [name, coord] : kBlocks) {
    const auto v = fixture_volume(name);
    const auto gz = gzip::compress(dvidlabels::encode_block(v, {64, 64, 64}), gzip::Format::gzip);
    dvid::append_block_record(stream, coord, gz);
  }
  (void)vols;
  return stream;
}

void check_raw_equals_fixtures(dvid::Labelmap& lm) {
  const Box box{{64, 128, 192}, {192, 256, 320}};
  const auto raw = lm.raw(box, 0, true);
  for (const auto& [name, coord] : kBlocks) {
    INFO(name);
    const auto v = fixture_volume(name);
    const Vec3 origin = coord * 64;
    size_t mismatches = 0;
    for (int64_t z = 0; z < 64; ++z)
      for (int64_t y = 0; y < 64; ++y)
        for (int64_t x = 0; x < 64; ++x) mismatches += raw.at(origin + Vec3{x, y, z}) != v[size_t((z * 64 + y) * 64 + x)];
    CHECK(mismatches == 0);
  }
}

}  // namespace

TEST_CASE("POST /blocks of our encoded fixtures: DVID returns the same voxels and indexes them") {
  Fixture f("post-blocks");
  dvid::create_instance(f.client, f.uuid, "labelmap", "labels", {{"BlockSize", "64,64,64"}});
  dvid::Labelmap lm(f.client, f.uuid, "labels");
  const auto stream = encode_stream();
  lm.post_blocks(stream, 0, /*noindexing=*/false);
  check_raw_equals_fixtures(lm);

  // DVID indexed the blocks itself: its index for a label must equal our own count.
  const auto v = fixture_volume("fib19-64x64x64-sample1.dat.gz");
  std::map<uint64_t, uint32_t> counts;
  for (uint64_t l : v)
    if (l) counts[l]++;
  const auto [label, n] = *counts.begin();
  const auto idx = lm.index(label);
  REQUIRE(idx.has_value());
  const uint64_t key = dvid::encode_block_index(1, 2, 3);
  REQUIRE(idx->blocks().count(key) == 1);
  CHECK(idx->blocks().at(key).counts().at(label) == n);

  // specificblocks returns the gzip bytes we posted, verbatim, and skips blocks that don't exist.
  const auto back = lm.specific_blocks({{1, 2, 3}, {9, 9, 9}}, 0);
  const auto recs = dvid::parse_block_stream(std::as_bytes(std::span(back.data(), back.size())));
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].coord == Vec3{1, 2, 3});
  const auto ours = dvid::parse_block_stream(stream);
  CHECK(std::equal(recs[0].payload.begin(), recs[0].payload.end(), ours[0].payload.begin(), ours[0].payload.end()));
}

TEST_CASE("POST /ingest-supervoxels stores blocks, and our label indexes replace DVID's") {
  Fixture f("ingest-sv");
  dvid::create_instance(f.client, f.uuid, "labelmap", "labels", {{"BlockSize", "64,64,64"}});
  dvid::Labelmap lm(f.client, f.uuid, "labels");
  lm.ingest_supervoxels(encode_stream(), 0);
  lm.post_extents(Box{{64, 128, 192}, {192, 256, 320}});
  check_raw_equals_fixtures(lm);

  dvidpb::LabelIndices batch;
  auto* li = batch.add_indices();
  li->set_label(1234567890123ull);
  (*(*li->mutable_blocks())[dvid::encode_block_index(1, 2, 3)].mutable_counts())[1234567890123ull] = 42;
  lm.post_indices(batch);
  const auto back = lm.index(1234567890123ull);
  REQUIRE(back.has_value());
  CHECK(back->blocks().at(dvid::encode_block_index(1, 2, 3)).counts().at(1234567890123ull) == 42);
  CHECK_FALSE(lm.index(999).has_value());
}

TEST_CASE("DVID's own stream_1block.dat body is accepted, and a corrupt block is refused with the URL") {
  Fixture f("bad-blocks");
  dvid::create_instance(f.client, f.uuid, "labelmap", "labels", {{"BlockSize", "64,64,64"}});
  dvid::Labelmap lm(f.client, f.uuid, "labels");
  lm.post_blocks(read_file(fixtures() / "stream_1block.dat"), 0, true);

  std::vector<std::byte> bad;
  const std::byte junk[2] = {std::byte{1}, std::byte{2}};
  dvid::append_block_record(bad, {0, 0, 1}, gzip::compress(junk, gzip::Format::gzip));
  try {
    lm.ingest_supervoxels(bad, 0);
    FAIL("DVID accepted a corrupt block");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("/labels/ingest-supervoxels?scale=0") != std::string::npos);
    CHECK(std::string(e.what()).find("HTTP 400") != std::string::npos);
  }
}
