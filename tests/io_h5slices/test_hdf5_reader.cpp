// The HDF5 reader against datasets written by h5py (tests/golden/gen_h5_slices.py).
#include <catch2/catch.hpp>

#include <thread>

#include "golden_h5slices.hpp"
#include "io/hdf5/hdf5.hpp"

using namespace dflow;
using namespace dflow::test;

TEST_CASE("hdf5: every golden dataset reads voxel for voxel, full and sub-boxes", "[hdf5][golden]") {
  const auto manifest = h5slices_manifest();
  REQUIRE(manifest.at("hdf5").size() >= 5);
  for (const auto& c : manifest.at("hdf5")) {
    const std::string name = c.at("name");
    INFO(name << ": " << c.at("note").get<std::string>());
    const auto reader = open_hdf5(h5slices_dir() / c.at("file").get<std::string>(), c.at("dataset"));
    const Expected e = load_expected(c);
    CHECK(reader->dtype() == parse_dtype(c.at("dtype").get<std::string>()));
    CHECK(reader->bounds() == e.box);
    CHECK(hdf5_driver(*reader) == "sec2");  // no MPI in this process
    for (const Box& b : test_boxes(e.box, 7)) {
      INFO("box " << to_string(b));
      CHECK(compare_box(*reader, e, b) == -1);
    }
  }
}

TEST_CASE("hdf5: layout, chunk shape and 2^64 ids", "[hdf5][golden]") {
  const auto dir = h5slices_dir();
  const auto contiguous = open_hdf5(dir / "hdf5/u8_contiguous.h5", "volume");
  CHECK(contiguous->dtype() == DType::uint8);
  CHECK(contiguous->bounds() == Box{{0, 0, 0}, {47, 33, 13}});  // h5py shape (13,33,47) is z,y,x
  CHECK(contiguous->chunk_shape() == Vec3{47, 33, 1});          // contiguous: one z-plane
  CHECK(contiguous->describe() == fmt::format("hdf5:{}:/volume", (dir / "hdf5/u8_contiguous.h5").string()));

  const auto labels = open_hdf5(dir / "hdf5/u64_gzip.h5", "/seg/labels");
  CHECK(labels->chunk_shape() == Vec3{16, 16, 8});  // h5py chunks (8,16,16)
  // The generator fills [3:9, 10:30, 5:20] (z,y,x) with 2^64 - 12345.
  const auto block = labels->read_as<uint64_t>({{5, 10, 3}, {20, 30, 9}});
  for (uint64_t v : block.vec()) REQUIRE(v == 18446744073709539271ull);
  CHECK_THROWS_WITH(labels->read_as<uint8_t>({{0, 0, 0}, {1, 1, 1}}),
                    Catch::Contains("data type is uint64, but this stage needs uint8"));
}

TEST_CASE("hdf5: concurrent reads from one reader are correct", "[hdf5][threads]") {
  const auto manifest = h5slices_manifest();
  const auto& c = manifest.at("hdf5").at(1);
  REQUIRE(c.at("name") == "h5_u64_gzip");
  const auto reader = open_hdf5(h5slices_dir() / c.at("file").get<std::string>(), c.at("dataset"));
  const Expected e = load_expected(c);
  std::vector<int64_t> bad(4, -2);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      int64_t worst = -1;
      try {
        for (int rep = 0; rep < 5; ++rep)
          for (const Box& b : test_boxes(e.box, 100 + t * 10 + unsigned(rep), 10))
            if (const int64_t d = compare_box(*reader, e, b); d != -1) worst = d;
      } catch (const std::exception&) {
        worst = -3;  // an exception in a thread must fail the test, not terminate it
      }
      bad[t] = worst;
    });
  for (auto& th : threads) th.join();
  for (int64_t b : bad) CHECK(b == -1);
}

TEST_CASE("hdf5: bad inputs give one line naming file and dataset", "[hdf5][errors]") {
  const auto manifest = h5slices_manifest();
  int n = 0;
  for (const auto& c : manifest.at("errors")) {
    if (c.at("kind") != "hdf5") continue;
    ++n;
    const auto path = h5slices_dir() / c.at("file").get<std::string>();
    const std::string dataset = c.at("dataset");
    INFO(path.string() << " dataset " << dataset);
    try {
      open_hdf5(path, dataset);
      FAIL("no error");
    } catch (const Error& err) {
      const std::string msg = err.what();
      INFO("message: " << msg);
      CHECK(msg.find(path.string()) != std::string::npos);
      CHECK(msg.find(c.at("says").get<std::string>()) != std::string::npos);
      CHECK(msg.find('\n') == std::string::npos);
    }
  }
  CHECK(n >= 8);
}

TEST_CASE("hdf5: boxes outside the dataset are refused with the dataset named", "[hdf5][errors]") {
  const auto path = h5slices_dir() / "hdf5/u8_contiguous.h5";
  const auto reader = open_hdf5(path, "volume");
  std::vector<std::byte> buf(64);
  CHECK_THROWS_WITH(reader->read({{40, 30, 10}, {48, 32, 14}}, buf),
                    Catch::Contains(path.string() + ":/volume") && Catch::Contains("outside the volume"));
  CHECK_THROWS_WITH(reader->read({{-1, 0, 0}, {1, 1, 1}}, buf), Catch::Contains("outside the volume"));
  CHECK_THROWS_WITH(reader->read({{0, 0, 0}, {2, 2, 2}}, std::span(buf).first(7)), Catch::Contains("need 8"));
}
