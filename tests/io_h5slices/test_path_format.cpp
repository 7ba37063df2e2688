// slice-path-format parsing. Expected strings are what CPython 3 prints for pattern.format(z).
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "io/slices/path_format.hpp"

using dflow::SlicePathFormat;

TEST_CASE("path format: formats exactly like Python's str.format", "[slices][format]") {
  struct Case {
    const char* pattern;
    int64_t z;
    const char* python;
  };
  const Case cases[] = {
      {"{}", 7, "7"},           {"{}", -12, "-12"},          {"{:d}", 42, "42"},         {"{:05d}", 3, "00003"},
      {"{:05d}", -3, "-0003"},  {"{:05d}", 123456, "123456"}, {"{:5d}", 3, "    3"},     {"{:5}", -3, "   -3"},
      {"{:<5d}", 3, "3    "},   {"{:^6d}", 3, "  3   "},     {"{:x^7}", -3, "xx-3xxx"},  {"{:0<5d}", 3, "30000"},
      {"{:_>4}", 12, "__12"},   {"{:=5}", -3, "-   3"},      {"{:*=6d}", -42, "-***42"}, {"{0:03d}", 9, "009"},
      {"{:0}", 5, "5"},         {"{:05}", 0, "00000"},        {"{:>05d}", -3, "000-3"},   {"{:<05d}", -3, "-3000"},
  };
  for (const auto& c : cases) {
    INFO(c.pattern << " with " << c.z);
    const SlicePathFormat f(std::string("/data/z") + c.pattern + ".tif");
    CHECK(f.format(c.z) == std::string("/data/z") + c.python + ".tif");
    CHECK(f.parse_field(c.python) == c.z);
    CHECK(f.parse_path(f.format(c.z)) == c.z);
  }
}

TEST_CASE("path format: prefix, suffix and literal braces", "[slices][format]") {
  const SlicePathFormat f("/a/{{b}}/z-{:05d}-iso.png");
  CHECK(f.prefix() == "/a/{b}/z-");
  CHECK(f.suffix() == "-iso.png");
  CHECK(f.format(12) == "/a/{b}/z-00012-iso.png");
  CHECK(f.pattern() == "/a/{{b}}/z-{:05d}-iso.png");
  const SlicePathFormat g("{:04d}/image.tif");
  CHECK(g.prefix().empty());
  CHECK(g.suffix() == "/image.tif");
  CHECK(g.format(7) == "0007/image.tif");
}

TEST_CASE("path format: parsing accepts only names the pattern produces", "[slices][format]") {
  const SlicePathFormat padded("z{:05d}.png");
  CHECK(padded.parse_field("00003") == 3);
  CHECK(padded.parse_field("00000") == 0);
  CHECK(padded.parse_field("-0003") == -3);
  CHECK(padded.parse_field("123456") == 123456);
  CHECK_FALSE(padded.parse_field("3"));
  CHECK_FALSE(padded.parse_field("0003"));
  CHECK_FALSE(padded.parse_field("000003"));
  CHECK_FALSE(padded.parse_field("0000a"));
  CHECK_FALSE(padded.parse_field(""));
  CHECK(padded.parse_path("z00042.png") == 42);
  CHECK_FALSE(padded.parse_path("z00042.tif"));
  CHECK_FALSE(padded.parse_path("y00042.png"));
  CHECK_FALSE(padded.parse_path("z.png"));

  const SlicePathFormat plain("img_{}.png");
  CHECK(plain.parse_field("10") == 10);
  CHECK(plain.parse_field("0") == 0);
  CHECK(plain.parse_field("-5") == -5);
  CHECK_FALSE(plain.parse_field("010"));
  CHECK_FALSE(plain.parse_field("+5"));
  CHECK_FALSE(plain.parse_field("5a"));
  CHECK_FALSE(plain.parse_field(" 5"));
  CHECK_FALSE(plain.parse_field("-"));
  CHECK_FALSE(plain.parse_field("99999999999999999999"));  // out of int64 range

  const SlicePathFormat spaced("{:5d}");
  CHECK(spaced.parse_field("    3") == 3);
  CHECK_FALSE(spaced.parse_field("3"));
}

TEST_CASE("path format: unsupported patterns are rejected with the reason", "[slices][format]") {
  using Catch::Contains;
  CHECK_THROWS_WITH(SlicePathFormat("/d/z%05d.png"), Contains("printf-style") && Contains("/d/z%05d.png"));
  CHECK_THROWS_WITH(SlicePathFormat("/d/z%d.png"), Contains("printf-style"));
  CHECK_THROWS_WITH(SlicePathFormat("/d/z.png"), Contains("no {} field"));
  CHECK_THROWS_WITH(SlicePathFormat("/d/z{}_{}.png"), Contains("more than one {} field"));
  CHECK_THROWS_WITH(SlicePathFormat("/d/z{:05d.png"), Contains("unmatched '{'"));
  CHECK_THROWS_WITH(SlicePathFormat("/d/z}{}.png"), Contains("single '}'"));
  CHECK_THROWS_WITH(SlicePathFormat("/d/{z}.png"), Contains("field name 'z'"));
  CHECK_THROWS_WITH(SlicePathFormat("/d/{1}.png"), Contains("field name '1'"));
  CHECK_THROWS_WITH(SlicePathFormat("/d/{:x}.png"), Contains("unsupported format spec 'x'"));
  CHECK_THROWS_WITH(SlicePathFormat("/d/{:+05d}.png"), Contains("unsupported format spec '+05d'"));
  CHECK_THROWS_WITH(SlicePathFormat("/d/{:.3}.png"), Contains("unsupported format spec"));
  CHECK_THROWS_WITH(SlicePathFormat("/d/{:,d}.png"), Contains("unsupported format spec"));
  CHECK_THROWS_WITH(SlicePathFormat("/d/{!r}.png"), Contains("field name '!r'"));
  // A literal percent sign that is not a conversion is fine.
  CHECK(SlicePathFormat("/d/100%/z{:03d}.png").format(1) == "/d/100%/z001.png");
}
