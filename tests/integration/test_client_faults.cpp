// The DVID client's retry policy against the real DVID behind a loopback proxy that hangs, drops,
// cuts and delays (fault_proxy.py): idempotent requests are retried, non-idempotent ones are never
// repeated blindly (a lost answer to a commit, newversion or repo creation is resolved by reading
// DVID's state), and a DVID that stops answering ends a call within its deadline with one line
// naming the URL.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include <unistd.h>

#include "dvid/client.hpp"
#include "dvid/repo.hpp"
#include "integration/dvid_env.hpp"
#include "integration/fault_proxy.hpp"
#include "test_support.hpp"

using namespace dflow;
using namespace std::chrono_literals;

namespace {

std::string dvid_port() { return test::dvid_url().substr(test::dvid_url().rfind(':') + 1); }

dvid::RetryPolicy quick(std::chrono::seconds timeout = 2s) {
  return {.attempts = 4, .first_delay = 50ms, .max_delay = 200ms, .timeout = timeout, .connect_timeout = 2s};
}

std::string fresh_repo(const std::string& alias) {
  dvid::Client direct(test::dvid_url());
  direct.set_admin_token(test::dvid_admin_token());
  const std::string uuid = dvid::create_repo(direct, alias, "client fault tests");
  return uuid;
}

}  // namespace

TEST_CASE("a GET whose answers are cut or delayed is retried and succeeds") {
  SECTION("cut twice") {
    test::FaultProxy p(dvid_port(), "cut", 2);
    dvid::Client c(p.url(), quick());
    CHECK(c.get("/api/server/info").find("DVID Version") != std::string::npos);
  }
  SECTION("first answer later than the timeout") {
    test::FaultProxy p(dvid_port(), "delay:3", 1);
    dvid::Client c(p.url(), quick(1s));
    CHECK(c.get("/api/server/info").find("DVID Version") != std::string::npos);
  }
}

TEST_CASE("a DVID that stops answering ends the call within its deadline, naming the URL") {
  test::FaultProxy p(dvid_port(), "hang");
  auto policy = quick(10s);
  policy.deadline = 3s;
  dvid::Client c(p.url(), policy);
  const auto t0 = std::chrono::steady_clock::now();
  std::string msg;
  try {
    c.get("/api/server/info");
  } catch (const dvid::Unavailable& e) {
    msg = e.what();
    CHECK(e.timed_out);
    CHECK(e.last_status == 0);
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(took >= 2.5);
  CHECK(took < 5.0);
  CHECK_THAT(msg, Catch::StartsWith("DVID GET " + p.url() + "/api/server/info: "));
  CHECK_THAT(msg, Catch::EndsWith("(deadline of 3 s reached after 1 attempt)"));
}

TEST_CASE("a non-idempotent request cut before it reached DVID is sent again once DVID's state shows it did not happen") {
  const std::string uuid = fresh_repo("faults-refused");
  test::FaultProxy p(dvid_port(), "refuse", 1);
  dvid::Client c(p.url(), quick());
  // "refuse" closes the accepted socket at once: curl sees an empty reply, which is not "could not
  // connect", so the commit is not resent blindly; DVID's state (not locked) shows it never happened.
  CHECK(dvid::commit(c, uuid, "committed through a refusing proxy") == uuid);
  dvid::Client direct(test::dvid_url());
  CHECK(dvid::node_locked(direct, uuid));
}

TEST_CASE("lost answers to non-idempotent requests are resolved from DVID's state, never repeated") {
  dvid::Client direct(test::dvid_url());
  direct.set_admin_token(test::dvid_admin_token());

  SECTION("commit") {
    const std::string uuid = fresh_repo("faults-commit");
    test::FaultProxy p(dvid_port(), "drop-after-forward", 1);
    dvid::Client c(p.url(), quick());
    // Without the state check this would be a resend and DVID's "already committed" HTTP 400.
    CHECK(dvid::commit(c, uuid, "first and only commit") == uuid);
    CHECK(dvid::node_locked(direct, uuid));
    const auto log = dvid::repo_info(direct, uuid)["DAG"]["Nodes"][uuid];
    CHECK(log["Locked"].get<bool>());
  }
  SECTION("newversion") {
    const std::string uuid = fresh_repo("faults-newversion");
    dvid::commit(direct, uuid, "parent");
    // new_version first reads the DAG (request 1), then POSTs (request 2, answer lost).
    test::FaultProxy p(dvid_port(), "drop-after-forward@2");
    dvid::Client c(p.url(), quick());
    const std::string child = dvid::new_version(c, uuid, "the one child");
    CHECK(child.size() >= 32);
    // Exactly one child exists: the lost answer was not turned into a second newversion.
    const auto nodes = dvid::repo_info(direct, uuid)["DAG"]["Nodes"];
    CHECK(nodes.size() == 2);
    CHECK(nodes.contains(child));
  }
  SECTION("repo creation") {
    // create_repo first lists the repos (request 1, passes), then POSTs (request 2, answer lost).
    test::FaultProxy p(dvid_port(), "drop-after-forward@2");
    dvid::Client c(p.url(), quick());
    c.set_admin_token(test::dvid_admin_token());
    const std::string alias = "faults-create-" + std::to_string(::getpid());
    const std::string uuid = dvid::create_repo(c, alias, "created through a proxy that loses the answer");
    int with_alias = 0;
    const auto repos = nlohmann::json::parse(direct.get("/api/repos/info"));
    for (const auto& [u, repo] : repos.items())
      if (repo.is_object() && repo.value("Alias", std::string()) == alias) {
        ++with_alias;
        CHECK(repo.value("Root", std::string()) == uuid);
      }
    CHECK(with_alias == 1);
  }
  SECTION("an unsafe POST whose answer is lost throws OutcomeUnknown naming the URL") {
    const std::string uuid = fresh_repo("faults-unsafe");
    test::FaultProxy p(dvid_port(), "drop-after-forward", 1);
    dvid::Client c(p.url(), quick());
    const std::string path = "/api/node/" + uuid + "/note";
    std::string msg;
    try {
      c.post(path, std::string(R"({"note": "x"})"), "application/json", dvid::Replay::unsafe);
    } catch (const dvid::OutcomeUnknown& e) {
      msg = e.what();
    }
    CHECK_THAT(msg, Catch::StartsWith("DVID POST " + p.url() + path));
    CHECK_THAT(msg, Catch::EndsWith("the request may have taken effect, so it was not repeated"));
  }
}
