// Mutation fuzzing of every decoder and parser that reads user or server bytes: each seed (a valid
// input of the real format) is mutated thousands of times (byte flips, truncation, insertion,
// deletion, splices). For each mutant the contract is:
//   - refused: a dflow::Error whose message is one line naming the input (no other exception type);
//   - accepted: the decoded value round-trips exactly through our encoder (where one exists) or
//     satisfies the format's invariants.
// Nothing may crash or hang: this file also runs under ASan+UBSan (scripts/sanitize.sh). Bounded:
// a fixed number of mutants per format, seeded, so every run tests the same inputs.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "archive/tar.hpp"
#include "codec/compressed_segmentation.hpp"
#include "codec/dvid_labels.hpp"
#include "config/workflows.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "io/n5/n5_chunk.hpp"
#include "io/n5/n5_metadata.hpp"
#include "io/precomputed/metadata.hpp"
#include "io/precomputed/sharding.hpp"
#include "io/zarr/zarr_metadata.hpp"
#include "kvstore/s3_xml.hpp"
#include "kvstore/stores.hpp"
#include "labelindex/mapping.hpp"
#include "labelindex/npy.hpp"

using namespace dflow;

namespace {

constexpr int kMutants = 2000;

// One mutation of `seed`: 1-4 edits of random kinds.
std::vector<std::byte> mutate(const std::vector<std::byte>& seed, std::mt19937_64& rng) {
  std::vector<std::byte> b = seed;
  const int edits = 1 + int(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    const size_t n = b.size();
    switch (rng() % 6) {
      case 0:  // flip a byte
        if (n) b[rng() % n] ^= std::byte(1 + rng() % 255);
        break;
      case 1:  // set a byte to an interesting value
        if (n) b[rng() % n] = std::byte(std::array<uint8_t, 6>{0, 1, 0x7f, 0x80, 0xff, '9'}[rng() % 6]);
        break;
      case 2:  // truncate
        if (n) b.resize(rng() % n);
        break;
      case 3:  // insert random bytes
        b.insert(b.begin() + std::ptrdiff_t(n ? rng() % (n + 1) : 0), 1 + rng() % 8, std::byte(rng() % 256));
        break;
      case 4:  // delete a range
        if (n > 1) {
          const size_t at = rng() % n, len = 1 + rng() % std::min<size_t>(16, n - at);
          b.erase(b.begin() + std::ptrdiff_t(at), b.begin() + std::ptrdiff_t(at + len));
        }
        break;
      case 5:  // duplicate a range (splice)
        if (n > 1) {
          const size_t at = rng() % n, len = 1 + rng() % std::min<size_t>(32, n - at);
          std::vector<std::byte> piece(b.begin() + std::ptrdiff_t(at), b.begin() + std::ptrdiff_t(at + len));
          b.insert(b.begin() + std::ptrdiff_t(rng() % (b.size() + 1)), piece.begin(), piece.end());
        }
        break;
    }
  }
  return b;
}

std::vector<std::byte> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), reinterpret_cast<const std::byte*>(s.data() + s.size())};
}
std::string text_of(const std::vector<std::byte>& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// Counts outcomes and checks the refusal contract.
struct Outcomes {
  int accepted = 0, refused = 0;
  void refuse(const Error& e, const std::string& name) {
    ++refused;
    const std::string m = e.what();
    INFO(m);
    CHECK(m.find('\n') == std::string::npos);  // one line
    if (!name.empty()) CHECK(m.find(name) != std::string::npos);  // names the input
  }
  void both_seen() const {
    CHECK(refused > 0);
    CHECK(accepted > 0);
  }
};

template <typename Fn>
void fuzz(const std::vector<std::byte>& seed, uint64_t rng_seed, Outcomes& o, const std::string& name, Fn&& try_one) {
  std::mt19937_64 rng(rng_seed);
  for (int i = 0; i < kMutants; ++i) {
    const auto m = mutate(seed, rng);
    try {
      try_one(m);
      ++o.accepted;
    } catch (const Error& e) {
      o.refuse(e, name);
    }
  }
}

}  // namespace

TEST_CASE("fuzz: compressed_segmentation blocks") {
  const Vec3 size{16, 16, 8}, block{8, 8, 8};
  std::mt19937_64 rng(1);
  std::vector<uint64_t> vol(size_t(size.prod()));
  for (size_t i = 0; i < vol.size(); ++i) vol[i] = (i / 7) % 5 == 0 ? rng() % 3 : 1000 + rng() % 6;
  const auto seed = cseg::encode<uint64_t>(vol, size, block);
  Outcomes o;
  std::vector<uint64_t> out(vol.size());
  fuzz(seed, 11, o, "", [&](const std::vector<std::byte>& m) {
    cseg::decode<uint64_t>(m, size, block, 1, out);
    // Accepted: our encoding of what was decoded decodes to the same voxels.
    std::vector<uint64_t> again(out.size());
    cseg::decode<uint64_t>(cseg::encode<uint64_t>(out, size, block), size, block, 1, again);
    REQUIRE(again == out);
  });
  o.both_seen();
}

TEST_CASE("fuzz: DVID label blocks of a real-looking volume") {
  std::mt19937_64 rng(2);
  std::vector<uint64_t> vol(64 * 64 * 64);
  for (size_t i = 0; i < vol.size(); ++i) vol[i] = ((i % 64) / 9 + (i / 4096) / 13) * 1000003ull + (rng() % 50 == 0);
  const auto seed = dvidlabels::encode_block(vol, Vec3::fill(64));
  Outcomes o;
  fuzz(seed, 12, o, "", [&](const std::vector<std::byte>& m) {
    const auto out = dvidlabels::decode_block(m);
    REQUIRE(dvidlabels::decode_block(dvidlabels::encode_block(out, dvidlabels::block_shape(m))) == out);
  });
  o.both_seen();
}

TEST_CASE("fuzz: N5 chunks (header and gzip payload)") {
  const auto m = n5::parse_metadata(nlohmann::json::parse(R"({"dimensions":[20,10,6],"blockSize":[8,8,4],
      "dataType":"uint64","compression":{"type":"gzip","level":6}})"), "attributes.json");
  std::vector<std::byte> chunk(8 * 8 * 4 * 8);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = std::byte(i % 8 == 7 ? i / 64 : 0);
  const auto seed = n5::encode_chunk(chunk, m.chunk, m);
  Outcomes o;
  std::vector<std::byte> out;
  fuzz(seed, 13, o, "", [&](const std::vector<std::byte>& mu) {
    const Vec3 size = n5::decode_chunk(mu, m, out);
    std::vector<std::byte> again;
    REQUIRE(n5::decode_chunk(n5::encode_chunk(out, size, m), m, again) == size);
    REQUIRE(again == out);
  });
  o.both_seen();
}

TEST_CASE("fuzz: N5 attributes.json") {
  const std::string seed = R"({"dimensions":[330,290,256],"blockSize":[64,64,64],"dataType":"uint64",)"
                           R"("compression":{"type":"blosc","cname":"zstd","clevel":5,"shuffle":1,"blocksize":0}})";
  Outcomes o;
  fuzz(bytes_of(seed), 14, o, "attributes.json", [&](const std::vector<std::byte>& mu) {
    const auto j = nlohmann::json::parse(text_of(mu), nullptr, false);
    if (j.is_discarded()) throw Error("attributes.json: not JSON");  // the reader's own refusal
    const auto md = n5::parse_metadata(j, "attributes.json");
    REQUIRE(n5::metadata_to_json(n5::parse_metadata(n5::metadata_to_json(md), "again")) == n5::metadata_to_json(md));
  });
  o.both_seen();
}

TEST_CASE("fuzz: zarr .zarray") {
  const std::string seed = R"({"zarr_format":2,"shape":[256,290,330],"chunks":[64,64,64],"dtype":"<u8",)"
                           R"("compressor":{"id":"blosc","cname":"lz4","clevel":5,"shuffle":1,"blocksize":0},)"
                           R"("fill_value":0,"order":"C","filters":null,"dimension_separator":"/"})";
  Outcomes o;
  fuzz(bytes_of(seed), 15, o, ".zarray", [&](const std::vector<std::byte>& mu) {
    const auto j = nlohmann::json::parse(text_of(mu), nullptr, false);
    if (j.is_discarded()) throw Error(".zarray: not JSON");
    const auto md = zarr::parse_zarray(j, ZarrStore::nested, ".zarray");
    for (int a = 0; a < 3; ++a) {
      REQUIRE(md.chunk[a] > 0);
      REQUIRE(md.shape[a] >= 0);
    }
    REQUIRE(md.fill.size() == dtype_size(md.dtype));
  });
  o.both_seen();
}

TEST_CASE("fuzz: precomputed info") {
  const std::string seed =
      R"({"@type":"neuroglancer_multiscale_volume","type":"segmentation","data_type":"uint64","num_channels":1,)"
      R"("scales":[{"key":"8_8_8","size":[330,290,256],"resolution":[8,8,8],"voxel_offset":[0,0,0],)"
      R"("chunk_sizes":[[64,64,64]],"encoding":"compressed_segmentation","compressed_segmentation_block_size":[8,8,8],)"
      R"("sharding":{"@type":"neuroglancer_uint64_sharded_v1","preshift_bits":3,"hash":"identity","minishard_bits":6,)"
      R"("shard_bits":2,"minishard_index_encoding":"gzip","data_encoding":"raw"}}]})";
  Outcomes o;
  fuzz(bytes_of(seed), 16, o, "info", [&](const std::vector<std::byte>& mu) {
    const auto info = precomputed::parse_info(text_of(mu), "info");
    const std::string json = precomputed::info_to_json(info);
    REQUIRE(precomputed::info_to_json(precomputed::parse_info(json, "again")) == json);
  });
  o.both_seen();
}

TEST_CASE("fuzz: sharded minishard indexes") {
  // Three chunks, delta-coded: ids 5, 9, 40; offsets relative to the previous chunk's end.
  std::vector<std::byte> seed(3 * 3 * 8);
  const uint64_t cols[9] = {5, 4, 31, 0, 10, 0, 100, 250, 7};
  for (int i = 0; i < 9; ++i) store_le64(seed.data() + 8 * i, cols[i]);
  Outcomes o;
  fuzz(seed, 17, o, "shard", [&](const std::vector<std::byte>& mu) {
    const auto entries = precomputed::decode_minishard_index(mu, 1024, "shard 0.shard");
    REQUIRE(entries.size() == mu.size() / 24);
    for (size_t i = 0; i < entries.size(); ++i) {
      REQUIRE(entries[i].offset >= 1024);
      if (i) REQUIRE(entries[i - 1].id <= entries[i].id);
    }
  });
  CHECK(o.accepted > 0);  // most mutants are well-formed numbers; truncations are refused
  CHECK(o.refused > 0);
}

TEST_CASE("fuzz: .npy headers") {
  std::string seed("\x93NUMPY\x01\x00", 8);
  std::string dict = "{'descr': '<u8', 'fortran_order': False, 'shape': (4, 2), }";
  dict.append(size_t(117 - dict.size()), ' ');  // preamble + header = 128 bytes, as numpy aligns it
  dict += '\n';
  seed += char(dict.size() & 0xff);
  seed += char(dict.size() >> 8);
  seed += dict;
  Outcomes o;
  fuzz(bytes_of(seed), 18, o, "map.npy", [&](const std::vector<std::byte>& mu) {
    const auto h = labelindex::parse_npy_header(mu, "map.npy");
    REQUIRE(h.data_offset <= mu.size());
    size_t fields = 0;
    for (const auto& f : h.fields) fields = std::max(fields, f.offset + size_t(f.size));
    REQUIRE(fields <= h.itemsize);
  });
  o.both_seen();
}

TEST_CASE("fuzz: sv,body mapping CSV") {
  const std::string seed = "sv,body\n1,100\n2,100\n3,300\n9223372036854775807,300\n17,17\n";
  Outcomes o;
  fuzz(bytes_of(seed), 19, o, "mapping.csv", [&](const std::vector<std::byte>& mu) {
    const auto m = labelindex::parse_mapping_csv(text_of(mu), "mapping.csv");
    // Accepted: written back as CSV it parses to the same rows.
    std::string csv = "sv,body\n";
    for (const auto& e : m.entries()) csv += fmt::format("{},{}\n", e.sv, e.body);
    const auto again = labelindex::parse_mapping_csv(csv, "again.csv");
    REQUIRE(std::equal(again.entries().begin(), again.entries().end(), m.entries().begin(), m.entries().end()));
  });
  o.both_seen();
}

TEST_CASE("fuzz: workflow.yaml") {
  const std::string seed =
      "workflow-name: ingest-supervoxels\n"
      "input:\n  n5:\n    path: /data/example.n5\n    dataset: segmentation/s0\n"
      "output:\n  server: http://127.0.0.1:8000\n  uuid: abc123\n  segmentation-name: seg\n  max-scale: 2\n"
      "options:\n  brick-shape: [128, 128, 128]\n  concurrency: 2\n";
  Outcomes o;
  fuzz(bytes_of(seed), 20, o, "workflow.yaml", [&](const std::vector<std::byte>& mu) {
    const auto c = config::parse_workflow_config(text_of(mu), "workflow.yaml");
    // Accepted: the full config (defaults filled in) is itself a valid workflow.yaml with the same content.
    const std::string full = config::to_yaml(c.workflow.schema(), c.config);
    const auto again = config::parse_workflow_config(full, "full.yaml");
    REQUIRE(config::to_yaml(again.workflow.schema(), again.config) == full);
  });
  o.both_seen();
}

TEST_CASE("fuzz: tar archives (tarsupervoxels /load and /tarfile)") {
  tar::Writer w;
  for (const auto& [name, data] : std::vector<std::pair<std::string, std::string>>{
           {"1.drc", "abc"}, {"18446744073709551615.drc", std::string(700, 'x')}, {"42.drc", ""}, {"7.missing", ""}})
    w.add(name, std::as_bytes(std::span(data.data(), data.size())));
  const std::vector<std::byte> seed = w.finish();
  Outcomes o;
  fuzz(seed, 23, o, "t.tar", [&](const std::vector<std::byte>& mu) {
    // Accepted: every member lies inside the archive and written again reads back the same.
    const auto entries = tar::read(mu, "t.tar");
    tar::Writer again;
    for (const auto& e : entries) {
      REQUIRE(e.data.data() >= mu.data());
      REQUIRE(e.data.data() + e.data.size() <= mu.data() + mu.size());
      if (!e.name.empty() && e.name.size() <= 100 && e.name.find('\0') == std::string::npos) again.add(e.name, e.data);
    }
    const std::vector<std::byte> rewritten = again.finish();
    CHECK(tar::read(rewritten, "again.tar").size() <= entries.size());
  });
  o.both_seen();
}

TEST_CASE("fuzz: S3 ListObjectsV2 answers") {
  const std::string seed =
      R"(<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
      R"(<Name>b</Name><Prefix>v/</Prefix><IsTruncated>true</IsTruncated><Contents><Key>v/8_8_8/0-64_0-64_0-64</Key>)"
      R"(<ETag>&#34;d41d8&#34;</ETag><Size>12</Size></Contents><Contents><Key>v/a&amp;b</Key></Contents>)"
      R"(<NextContinuationToken>1/xA==</NextContinuationToken></ListBucketResult>)";
  Outcomes o;
  fuzz(bytes_of(seed), 23, o, "s3://b/v: list", [&](const std::vector<std::byte>& mu) {
    const auto page = kv::parse_list_objects(text_of(mu), "s3://b/v: list");
    // Accepted: a truncated page always carries its continuation token.
    if (page.truncated) CHECK_FALSE(page.next_token.empty());
  });
  o.both_seen();
}

TEST_CASE("fuzz: AWS credentials files") {
  const std::string seed = "# keys\n[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key=secret/KEY\n"
                           "[profile other]\naws_access_key_id=AK2\naws_secret_access_key = SK2\naws_session_token=T2\n";
  Outcomes o;
  fuzz(bytes_of(seed), 29, o, "credentials", [&](const std::vector<std::byte>& mu) {
    const auto c = kv::parse_aws_credentials(text_of(mu), "default", "credentials");
    // Accepted: both keys or neither.
    CHECK(c.access_key.empty() == c.secret_key.empty());
  });
  o.both_seen();
}

TEST_CASE("fuzz: bucket URLs") {
  Outcomes o;
  for (const std::string seed : {"s3://my-bucket/exports/gray", "gs://bkt/a/b/", "file:///data/vol"})
    fuzz(bytes_of(seed), 31, o, "", [&](const std::vector<std::byte>& mu) {
      const auto loc = kv::parse_location(text_of(mu));
      // Accepted: a bucket location has a bucket and a prefix without empty segments or end slashes.
      if (loc.scheme != "file") {
        CHECK_FALSE(loc.bucket.empty());
        CHECK(loc.prefix.find("//") == std::string::npos);
        CHECK((loc.prefix.empty() || (loc.prefix.front() != '/' && loc.prefix.back() != '/')));
      }
    });
  o.both_seen();
}
