// Hdf5Writer: write boxes, read them back with our reader; the file is then checked with h5py by the
// h5slices_check_written test (tests/golden/gen_h5_slices.py --check-written).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "core/array.hpp"
#include "io/hdf5/hdf5.hpp"
#include "io/hdf5/hdf5_writer.hpp"
#include "test_support.hpp"

using namespace dflow;

namespace {
// The same pattern gen_h5_slices.py --check-written expects.
uint64_t label_at(int64_t x, int64_t y, int64_t z) { return ~uint64_t(0) - uint64_t(x + 100 * y + 10000 * z); }
}  // namespace

TEST_CASE("hdf5 writer: chunked gzip uint64 and uint8 datasets, written in unaligned boxes", "[hdf5][writer]") {
  const char* env = std::getenv("DFLOW_H5_WRITTEN");
  const std::filesystem::path path = env ? env : dflow::test::scratch_dir("h5writer") / "written.h5";
  std::filesystem::create_directories(path.parent_path());
  std::filesystem::remove(path);
  const Vec3 shape{30, 20, 9};
  {
    Hdf5Writer w64(path, "written/u64", DType::uint64, shape, {8, 8, 4}, 5);
    // Boxes that straddle chunk boundaries, so partial chunks are read-modified-written.
    for (int64_t z0 = 0; z0 < shape.z; z0 += 5)
      for (int64_t x0 = 0; x0 < shape.x; x0 += 11) {
        const Box b{{x0, 0, z0}, vmin(Vec3{x0 + 11, shape.y, z0 + 5}, shape)};
        Array3<uint64_t> a(b);
        for (int64_t z = b.lo.z; z < b.hi.z; ++z)
          for (int64_t y = b.lo.y; y < b.hi.y; ++y)
            for (int64_t x = b.lo.x; x < b.hi.x; ++x) a.at({x, y, z}) = label_at(x, y, z);
        w64.write(b, a.bytes());
      }
    CHECK_THROWS_WITH(w64.write({{25, 0, 0}, {31, 1, 1}}, std::span<const std::byte>()), Catch::Contains("outside the dataset"));
    Array3<uint64_t> small({{0, 0, 0}, {2, 2, 2}});
    CHECK_THROWS_WITH(w64.write({{0, 0, 0}, {2, 2, 1}}, small.bytes()), Catch::Contains("need 32"));
  }
  {
    // Second dataset in the existing file.
    Hdf5Writer w8(path, "written/u8", DType::uint8, shape, {16, 16, 16}, 1);
    Array3<uint8_t> a({{0, 0, 0}, shape});
    for (int64_t z = 0; z < shape.z; ++z)
      for (int64_t y = 0; y < shape.y; ++y)
        for (int64_t x = 0; x < shape.x; ++x) a(x, y, z) = uint8_t((x + y + z) % 256);
    w8.write(a.box(), a.bytes());
  }
  CHECK_THROWS_WITH(Hdf5Writer(path, "written/u8", DType::uint8, shape, {8, 8, 8}),
                    Catch::Contains(path.string()) && Catch::Contains("cannot create dataset"));

  const auto r = open_hdf5(path, "written/u64");
  CHECK(r->dtype() == DType::uint64);
  CHECK(r->bounds() == Box{{0, 0, 0}, shape});
  CHECK(r->chunk_shape() == Vec3{8, 8, 4});
  const auto all = r->read_as<uint64_t>(r->bounds());
  int64_t wrong = 0;
  for (int64_t z = 0; z < shape.z; ++z)
    for (int64_t y = 0; y < shape.y; ++y)
      for (int64_t x = 0; x < shape.x; ++x) wrong += all(x, y, z) != label_at(x, y, z);
  CHECK(wrong == 0);
}
