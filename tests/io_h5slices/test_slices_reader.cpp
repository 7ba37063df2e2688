// The TIFF/PNG slice-stack reader against stacks written by tifffile and Pillow
// (tests/golden/gen_h5_slices.py).
#include <catch2/catch.hpp>

#include <cstdio>
#include <thread>

#include <png.h>

#include "golden_h5slices.hpp"
#include "io/slices/slices.hpp"

using namespace dflow;
using namespace dflow::test;

namespace {
std::string pattern_of(const nlohmann::json& c) { return (h5slices_dir() / c.at("pattern").get<std::string>()).string(); }
}  // namespace

TEST_CASE("slices: every golden stack reads voxel for voxel, full and sub-boxes", "[slices][golden]") {
  const auto manifest = h5slices_manifest();
  REQUIRE(manifest.at("slices").size() >= 9);
  for (const auto& c : manifest.at("slices")) {
    INFO(c.at("name").get<std::string>() << ": " << c.at("note").get<std::string>());
    const auto reader = open_slices(pattern_of(c));
    const Expected e = load_expected(c, {0, 0, c.at("z0").get<int64_t>()});
    CHECK(reader->dtype() == parse_dtype(c.at("dtype").get<std::string>()));
    CHECK(reader->bounds() == e.box);
    CHECK(reader->chunk_shape() == Vec3{e.box.shape().x, e.box.shape().y, 1});
    for (const Box& b : test_boxes(e.box, 11)) {
      INFO("box " << to_string(b));
      CHECK(compare_box(*reader, e, b) == -1);
    }
  }
}

TEST_CASE("slices: slice-xy-offset moves x,y; z comes from the file numbers", "[slices][golden]") {
  const auto manifest = h5slices_manifest();
  const auto& c = manifest.at("slices").at(0);
  REQUIRE(c.at("name") == "tif_u8");
  const auto reader = open_slices(pattern_of(c), 100, -20);
  const Expected e = load_expected(c, {100, -20, 3});
  CHECK(reader->bounds() == Box{{100, -20, 3}, {161, 25, 10}});
  for (const Box& b : test_boxes(e.box, 3)) CHECK(compare_box(*reader, e, b) == -1);
  CHECK(reader->describe() == "slices:" + pattern_of(c));
}

TEST_CASE("slices: 16-bit PNG is big-endian on disk and native after reading", "[slices][golden]") {
  const auto reader = open_slices((h5slices_dir() / "png_u16/s{:04d}.png").string());
  REQUIRE(reader->dtype() == DType::uint16);
  const auto row = reader->read_as<uint16_t>({{0, 0, 2}, {4, 1, 3}});
  CHECK(row.vec() == std::vector<uint16_t>{0, 1, 256, 65535});
  CHECK_THROWS_WITH(reader->read_as<uint8_t>({{0, 0, 2}, {1, 1, 3}}),
                    Catch::Contains("data type is uint16, but this stage needs uint8"));
}

TEST_CASE("slices: concurrent reads from one reader are correct", "[slices][threads]") {
  const auto manifest = h5slices_manifest();
  for (const auto& c : manifest.at("slices")) {
    const auto reader = open_slices(pattern_of(c));
    const Expected e = load_expected(c, {0, 0, c.at("z0").get<int64_t>()});
    std::vector<int64_t> bad(3, -2);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < 3; ++t)
      threads.emplace_back([&, t] {
        int64_t worst = -1;
        try {
          for (const Box& b : test_boxes(e.box, 1000 + t, 8))
            if (const int64_t d = compare_box(*reader, e, b); d != -1) worst = d;
        } catch (const std::exception&) {
          worst = -3;  // an exception in a thread must fail the test, not terminate it
        }
        bad[t] = worst;
      });
    for (auto& th : threads) th.join();
    INFO(c.at("name").get<std::string>());
    for (int64_t b : bad) CHECK(b == -1);
  }
}

TEST_CASE("slices: bad stacks give one line naming the file", "[slices][errors]") {
  const auto manifest = h5slices_manifest();
  int n = 0;
  for (const auto& c : manifest.at("errors")) {
    if (c.at("kind") != "slices") continue;
    ++n;
    const std::string pattern = pattern_of(c);
    const std::string names = (h5slices_dir() / c.at("names").get<std::string>()).string();
    const bool on_read = c.value("on", "open") == "read";
    INFO(pattern << (on_read ? " (on read)" : " (on open)"));
    try {
      auto reader = open_slices(pattern);
      REQUIRE(on_read);  // opening must fail unless the case says the error comes on read
      std::vector<std::byte> buf(size_t(reader->bounds().volume()) * dtype_size(reader->dtype()));
      reader->read(reader->bounds(), buf);
      FAIL("no error");
    } catch (const Error& err) {
      const std::string msg = err.what();
      INFO("message: " << msg);
      CHECK(msg.find(names) != std::string::npos);
      CHECK(msg.find(c.at("says").get<std::string>()) != std::string::npos);
      CHECK(msg.find('\n') == std::string::npos);
    }
  }
  CHECK(n >= 13);
}

TEST_CASE("slices: a box outside the stack is refused, naming the pattern", "[slices][errors]") {
  const std::string pattern = (h5slices_dir() / "tif_u8/z{:05d}.tif").string();
  const auto reader = open_slices(pattern);
  REQUIRE(reader->bounds() == Box{{0, 0, 3}, {61, 45, 10}});
  std::vector<std::byte> buf(1000);
  // z=2 and z=10 have no file; x=61 is past the width.
  CHECK_THROWS_WITH(reader->read({{0, 0, 2}, {1, 1, 3}}, std::span(buf).first(1)),
                    Catch::Contains(pattern) && Catch::Contains("outside the volume"));
  CHECK_THROWS_WITH(reader->read({{0, 0, 9}, {1, 1, 11}}, std::span(buf).first(2)), Catch::Contains("outside the volume"));
  CHECK_THROWS_WITH(reader->read({{60, 0, 3}, {62, 1, 4}}, std::span(buf).first(2)), Catch::Contains("outside the volume"));
}

TEST_CASE("slices: the gap case ignores names the pattern cannot produce", "[slices][errors]") {
  // err_gap holds z001, z002, z004, z005 and "z7.tif", which is not {:03d} output: the message must
  // report the range 1..5, not 1..7.
  const std::string pattern = (h5slices_dir() / "err_gap/z{:03d}.tif").string();
  CHECK_THROWS_WITH(open_slices(pattern), Catch::Contains("files exist for z=1..5 but 1 in between is missing"));
}

TEST_CASE("slices: a read opens only the slices of its box", "[slices]") {
  // err_size/z001.png has the wrong width; boxes that avoid z=1 must still read, and the z=1 error
  // must come from the box that touches it.
  const auto reader = open_slices((h5slices_dir() / "err_size/z{:03d}.png").string());
  REQUIRE(reader->bounds() == Box{{0, 0, 0}, {14, 12, 3}});
  CHECK(reader->read_as<uint8_t>({{0, 0, 0}, {14, 12, 1}}).size() == 14 * 12);
  CHECK(reader->read_as<uint8_t>({{2, 3, 2}, {14, 12, 3}}).size() == 12 * 9);
  CHECK_THROWS_WITH(reader->read_as<uint8_t>({{0, 0, 0}, {1, 1, 3}}), Catch::Contains("z001.png: image is 10x12"));
}

TEST_CASE("slices: a relative pattern is resolved against the working directory", "[slices]") {
  const auto manifest = h5slices_manifest();
  const auto& c = manifest.at("slices").at(0);
  REQUIRE(c.at("name") == "tif_u8");
  const auto old = std::filesystem::current_path();
  std::filesystem::current_path(h5slices_dir() / "tif_u8");
  const auto reader = open_slices("z{:05d}.tif");
  const Expected e = load_expected(c, {0, 0, 3});
  CHECK(reader->bounds() == e.box);
  CHECK(compare_box(*reader, e, e.box) == -1);
  std::filesystem::current_path(old);
}

namespace {
// Pillow cannot write Adam7-interlaced PNGs, so this one case is written with libpng directly.
void write_interlaced_png(const std::filesystem::path& path, const std::vector<uint16_t>& pixels, int w, int h, int bits) {
  std::FILE* fp = std::fopen(path.c_str(), "wb");
  REQUIRE(fp);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, fp);
  png_set_IHDR(png, info, png_uint_32(w), png_uint_32(h), bits, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_ADAM7,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  // PNG stores 16-bit samples big-endian.
  std::vector<png_byte> image(size_t(w) * size_t(h) * size_t(bits / 8));
  for (size_t i = 0; i < pixels.size(); ++i) {
    if (bits == 8) image[i] = png_byte(pixels[i]);
    else { image[2 * i] = png_byte(pixels[i] >> 8); image[2 * i + 1] = png_byte(pixels[i] & 0xff); }
  }
  std::vector<png_bytep> rows(static_cast<size_t>(h));
  for (int y = 0; y < h; ++y) rows[size_t(y)] = image.data() + size_t(y) * size_t(w) * size_t(bits / 8);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(fp);
}
}  // namespace

TEST_CASE("slices: Adam7-interlaced 8- and 16-bit PNG", "[slices]") {
  const int w = 37, h = 29;
  for (int bits : {8, 16}) {
    const auto dir = scratch_dir("interlaced" + std::to_string(bits));
    std::vector<std::vector<uint16_t>> planes;
    for (int z = 0; z < 3; ++z) {
      std::vector<uint16_t> p(size_t(w * h));
      for (int i = 0; i < w * h; ++i) p[size_t(i)] = uint16_t((i * 2654435761u + unsigned(z) * 977u) >> (bits == 8 ? 24 : 16));
      const auto path = dir / fmt::format("z{:02d}.png", z + 5);
      write_interlaced_png(path, p, w, h, bits);
      REQUIRE(std::to_integer<int>(read_file(path).at(28)) == 1);  // IHDR interlace method: Adam7
      planes.push_back(p);
    }
    const auto reader = open_slices((dir / "z{:02d}.png").string());
    REQUIRE(reader->bounds() == Box{{0, 0, 5}, {w, h, 8}});
    for (const Box& b : test_boxes(reader->bounds(), 5, 10)) {
      INFO(bits << "-bit, box " << to_string(b));
      int64_t wrong = 0;
      if (bits == 8) {
        const auto a = reader->read_as<uint8_t>(b);
        for (int64_t z = b.lo.z; z < b.hi.z; ++z)
          for (int64_t y = b.lo.y; y < b.hi.y; ++y)
            for (int64_t x = b.lo.x; x < b.hi.x; ++x) wrong += a.at({x, y, z}) != planes[size_t(z - 5)][size_t(y * w + x)];
      } else {
        const auto a = reader->read_as<uint16_t>(b);
        for (int64_t z = b.lo.z; z < b.hi.z; ++z)
          for (int64_t y = b.lo.y; y < b.hi.y; ++y)
            for (int64_t x = b.lo.x; x < b.hi.x; ++x) wrong += a.at({x, y, z}) != planes[size_t(z - 5)][size_t(y * w + x)];
      }
      CHECK(wrong == 0);
    }
  }
}
