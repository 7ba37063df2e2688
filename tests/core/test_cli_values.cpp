// The programs' shared command-line pieces (lib/core/cli_values): OptionCursor and the value parsers.
#include <catch2/catch.hpp>

#include <array>

#include "core/cli_values.hpp"
#include "test_support.hpp"

using namespace dflow;

TEST_CASE("OptionCursor: --name value and --name=value, in order; a missing value names the option") {
  std::array<const char*, 7> argv{"prog", "--port", "5555", "--log-dir=/tmp/x=y", "--testing", "--mapping", nullptr};
  OptionCursor cur(6, const_cast<char**>(argv.data()));
  REQUIRE(cur.next());
  CHECK(cur.name() == "--port");
  CHECK(cur.value() == "5555");
  REQUIRE(cur.next());
  CHECK(cur.name() == "--log-dir");
  CHECK(cur.value() == "/tmp/x=y");  // only the first '=' splits
  REQUIRE(cur.next());
  CHECK(cur.name() == "--testing");  // a flag: its value is never asked for
  REQUIRE(cur.next());
  CHECK(cur.name() == "--mapping");
  CHECK(test::error_of([&] { cur.value(); }) == "--mapping needs a value (see --help)");
  CHECK_FALSE(cur.next());
}

TEST_CASE("option values: sizes and integers, errors naming the option") {
  CHECK(parse_size_option("--memory-budget", "2G") == (uint64_t{2} << 30));
  CHECK(parse_uint_option("--threads", "8") == 8);
  CHECK_THROWS_WITH(parse_uint_option("--threads", "x"), Catch::Contains("--threads"));
}
