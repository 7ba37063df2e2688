// The DVID client against the real server: repo/instance/version life cycle and error reporting.
#include <catch2/catch.hpp>

#include "dvid/repo.hpp"
#include "dvid_env.hpp"

using namespace dflow;

TEST_CASE("server answers heartbeat and info") {
  dvid::Client c(test::dvid_url());
  REQUIRE(dvid::heartbeat(c));
  auto info = dvid::server_info(c);
  REQUIRE(info.contains("Datastore Version"));
  REQUIRE(info["Storage backend"].get<std::string>().find("badger") != std::string::npos);
}

TEST_CASE("repo, instances, commit and child version") {
  dvid::Client c(test::dvid_url());
  c.set_admin_token(test::dvid_admin_token());
  const std::string uuid = dvid::create_repo(c, "client-test", "dvidflow client test");
  REQUIRE(uuid.size() == 32);

  dvid::create_instance(c, uuid, "labelmap", "segmentation",
                        {{"BlockSize", "64,64,64"}, {"MaxDownresLevel", "3"}, {"IndexedLabels", "true"}});
  dvid::create_instance(c, uuid, "uint8blk", "grayscale", {{"BlockSize", "64,64,64"}});
  dvid::create_instance(c, uuid, "keyvalue", "segmentation_meshes", {{"Tags", "type=meshes"}});

  auto seg = dvid::instance_info(c, uuid, "segmentation");
  REQUIRE(seg["Base"]["TypeName"] == "labelmap");
  REQUIRE(seg["Extended"]["MaxDownresLevel"] == 3);
  auto repo = dvid::repo_info(c, uuid);
  REQUIRE(repo["DataInstances"].contains("grayscale"));
  REQUIRE(repo["DataInstances"].contains("segmentation_meshes"));

  const std::string committed = dvid::commit(c, uuid, "ingested");
  REQUIRE(committed == uuid);
  const std::string child = dvid::new_version(c, uuid, "proofreading");
  REQUIRE(child.size() == 32);
  REQUIRE(child != uuid);
  REQUIRE(dvid::repo_info(c, child)["DAG"]["Nodes"].contains(child));
}

TEST_CASE("DVID's error message and the URL are in the exception") {
  dvid::Client c(test::dvid_url());
  c.set_admin_token(test::dvid_admin_token());
  const std::string uuid = dvid::create_repo(c, "errors", "");
  // A number instead of a string is DVID's most common creation mistake; it answers 400.
  try {
    c.post("/api/repo/" + uuid + "/instance", std::string(R"({"typename":"labelmap","dataname":"x","MaxDownresLevel":3})"));
    FAIL("expected an error");
  } catch (const Error& e) {
    const std::string m = e.what();
    CHECK(m.find("/api/repo/" + uuid + "/instance") != std::string::npos);
    CHECK(m.find("HTTP 400") != std::string::npos);
    CHECK(m.find("MaxDownresLevel") != std::string::npos);
  }
  try {
    dvid::commit(c, "0123456789abcdef0123456789abcdef", "no such node");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("/api/node/0123456789abcdef0123456789abcdef/commit") != std::string::npos);
  }
}

TEST_CASE("a DVID that is down gives one clear error after bounded retries") {
  dvid::RetryPolicy fast;
  fast.attempts = 3;
  fast.first_delay = std::chrono::milliseconds(10);
  dvid::Client c("127.0.0.1:1", fast);  // nothing listens on port 1
  try {
    c.get("/api/server/info");
    FAIL("expected an error");
  } catch (const Error& e) {
    const std::string m = e.what();
    CHECK(m.find("http://127.0.0.1:1/api/server/info") != std::string::npos);
    CHECK(m.find("gave up after 3 attempts") != std::string::npos);
  }
  CHECK_FALSE(dvid::heartbeat(c));
}
