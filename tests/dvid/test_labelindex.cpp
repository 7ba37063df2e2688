#include <catch2/catch.hpp>

#include "dvid/labelindex.hpp"
#include "labelops.pb.h"

using namespace dflow;

TEST_CASE("block keys use DVID's sign-magnitude encoding") {
  CHECK(dvid::encode_block_index(2, 2, 3) == 13194143727618ull);  // DVID labelmap_test.go TestPostBlocks
  CHECK(dvid::encode_block_index(-1, 0, 0) == 0x100001ull);
  for (int64_t x : {0, 1, -1, 12345, -1048575})
    for (int64_t y : {0, 7, -3})
      for (int64_t z : {0, 1048575, -2}) CHECK(dvid::decode_block_index(dvid::encode_block_index(x, y, z)) == Vec3{x, y, z});
  CHECK_THROWS_AS(dvid::encode_block_index(1 << 20, 0, 0), Error);
}

TEST_CASE("LabelIndex protobuf wire bytes") {
  // One body, one block, one supervoxel: hand-derived proto3 encoding.
  dflow::dvidpb::LabelIndex idx;
  idx.set_label(7);
  (*(*idx.mutable_blocks())[1].mutable_counts())[5] = 3;
  std::string wire;
  REQUIRE(idx.SerializeToString(&wire));
  // blocks (field 1, map entry): key 1, value SVCount{counts{5:3}}; label (field 2) = 7
  const std::string expect("\x0a\x0a\x08\x01\x12\x06\x0a\x04\x08\x05\x10\x03\x10\x07", 14);
  CHECK(wire == expect);
}
