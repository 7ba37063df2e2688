// Secrets stay secret (issue 12 item 5): distinct random secrets planted in launchflow's environment
// and in a workflow config (an admin token, a server URL with user:password@, a signed URL with a
// query token, an admin-token file in the template) run through launchflow twice against the real
// DVID: dvid-setup succeeding, then failing on an unknown uuid (an error naming the URL), then that
// failed run resumed. No secret may be found in any file under the execution directories (output.log,
// per-rank logs, report.html, bash-environment.sh, full-workflow-config.yaml, workflow.yaml,
// dvid-setup.json, ...) nor on launchflow's terminal; the redacted placeholders must be there.
#include <random>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "config/secrets.hpp"
#include "config/workflows.hpp"
#include "core/files.hpp"
#include "dvid/client.hpp"
#include "dvid/repo.hpp"
#include "integration/dvid_env.hpp"
#include "launchflow_support.hpp"
#include "test_support.hpp"

using namespace dflow;
using namespace dflow::test;
namespace fs = std::filesystem;

namespace {

std::string random_secret(const std::string& tag) {
  static std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}{:016x}{:08x}", tag, rng(), static_cast<uint32_t>(rng()));
}

struct Planted {
  std::map<std::string, std::string> env;  // name -> value
  std::string admin_token, password, signature, query_token, file_token, creds_file_content;
  std::vector<std::string> all() const {
    std::vector<std::string> v = {admin_token, password, signature, query_token, file_token, creds_file_content};
    for (const auto& [k, s] : env) v.push_back(s);
    return v;
  }
};

// Every file under `dir` (and the named extra files) searched for every secret.
void check_no_secret(const std::vector<fs::path>& places, const Planted& p) {
  int files = 0;
  for (const auto& place : places) {
    std::vector<fs::path> paths;
    if (fs::is_directory(place)) {
      for (const auto& e : fs::recursive_directory_iterator(place))
        if (e.is_regular_file() && !e.is_symlink()) paths.push_back(e.path());
    } else {
      paths.push_back(place);
    }
    for (const auto& f : paths) {
      ++files;
      const std::string text = read_text(f);
      for (const auto& s : p.all()) {
        INFO(f.string() << " holds the secret " << s);
        CHECK(text.find(s) == std::string::npos);
      }
    }
  }
  CHECK(files > 8);
}

}  // namespace

TEST_CASE("no secret from the environment or the config lands in the execution directory or the logs") {
  const fs::path root = scratch_dir("secrets-launchflow");
  const std::string url = dvid_url();  // http://127.0.0.1:PORT
  Planted p;
  for (const char* name : {"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "GOOGLE_OAUTH_ACCESS_TOKEN",
                           "DVID_ADMIN_TOKEN", "MY_SERVICE_PASSWORD", "GITHUB_TOKEN"})
    p.env[name] = random_secret(std::string("env") + name[0] + name[1]);
  p.admin_token = random_secret("cfgadmin");
  p.password = random_secret("pw");
  p.signature = random_secret("sig");
  p.query_token = random_secret("qtok");
  p.file_token = random_secret("file");
  p.creds_file_content = random_secret("gcred");

  // A credential file outside the template, named by the environment: referenced, never copied.
  const fs::path creds = root / "gcs-service-account.json";
  write_text_atomic(creds, "{\"private_key\": \"" + p.creds_file_content + "\"}\n");
  std::vector<std::string> env = {"DFLOW_CONFIG_SECRETS", "GOOGLE_APPLICATION_CREDENTIALS=" + creds.string()};
  for (const auto& [k, v] : p.env) env.push_back(k + "=" + v);

  const std::string server = "http://dvidflow:" + p.password + "@" + url.substr(url.find("://") + 3);
  const auto yaml = [&](const std::string& repo) {
    return "workflow-name: dvid-setup\n"
           "environment-variables:\n"
           "  DVID_ADMIN_TOKEN: " + p.admin_token + "   # the config's, over the environment's\n"
           "  DFLOW_SIGNED_URL: \"https://bucket.example.org/vol/info?X-Amz-Signature=" + p.signature +
           "&X-Amz-Date=20261205T000000Z&token=" + p.query_token + "\"\n"
           "dvid:\n"
           "  server: " + server + "\n"
           "  admin-token-file: admin-token\n" +
           repo +
           "instances:\n"
           "  - {type: keyvalue, name: secrets_kv}\n";
  };
  const auto make = [&](const std::string& name, const std::string& repo) {
    const fs::path t = root / name;
    fs::create_directories(t);
    write_text_atomic(t / "workflow.yaml", yaml(repo));
    write_text_atomic(t / "admin-token", p.file_token + "\n");
    return t;
  };
  make("ok", "repo:\n  alias: secrets-test\n");
  make("bad", "repo:\n  uuid: 0123456789abcdef0123456789abcdef\n");

  const Run ok = launchflow({"-n", "2", "ok"}, root, env);
  INFO(ok.out << ok.err);
  REQUIRE(ok.status == 0);
  const Run bad = launchflow({"-n", "2", "bad"}, root, env);
  INFO(bad.out << bad.err);
  CHECK(bad.status != 0);
  const auto ok_dirs = exec_dirs(root, "ok"), bad_dirs = exec_dirs(root, "bad");
  REQUIRE(ok_dirs.size() == 1);
  REQUIRE(bad_dirs.size() == 1);
  const fs::path x = ok_dirs[0], y = bad_dirs[0];
  // The failed run resumed from a shell without DFLOW_CONFIG_SECRETS: the secrets come from the template.
  const Run again = launchflow({"-n", "1", "--resume", y.string()}, root, env);
  INFO(again.out << again.err);
  CHECK(again.status != 0);
  // With the template moved away and no DFLOW_CONFIG_SECRETS, a resume is refused with one line.
  fs::rename(root / "bad", root / "bad-moved");
  const Run lost = launchflow({"-n", "1", "--resume", y.string()}, root, env);
  INFO(lost.out << lost.err);
  CHECK(lost.status == 2);
  CHECK(lost.err.find("workflow.yaml: environment-variables.DVID_ADMIN_TOKEN: the secret was redacted (***) in the "
                      "execution directory and " + (root / "bad" / "workflow.yaml").string() + " does not hold it") !=
        std::string::npos);
  write_text_atomic(root / "terminal.txt",
                    ok.out + ok.err + bad.out + bad.err + again.out + again.err + lost.out + lost.err);

  // The stage got the real values: the repo exists (the admin token file was read where it is).
  dvid::Client c(url);
  const auto j = nlohmann::json::parse(read_text(x / "dvid-setup.json"));
  CHECK(dvid::repo_info(c, j["repo"]["uuid"].get<std::string>())["Alias"] == "secrets-test");
  CHECK_FALSE(fs::exists(x / "admin-token"));
  CHECK_FALSE(fs::exists(y / "admin-token"));

  check_no_secret({x, y, root / "terminal.txt"}, p);

  // Not vacuous: the places that held them show the placeholders.
  const std::string env_sh = read_text(x / "bash-environment.sh");
  CHECK(env_sh.find("AWS_SECRET_ACCESS_KEY='***'\n") != std::string::npos);
  CHECK(env_sh.find("AWS_SESSION_TOKEN='***'\n") != std::string::npos);
  CHECK(env_sh.find("GOOGLE_OAUTH_ACCESS_TOKEN='***'\n") != std::string::npos);
  CHECK(env_sh.find("DVID_ADMIN_TOKEN='***'\n") != std::string::npos);
  CHECK(env_sh.find("DFLOW_CONFIG_SECRETS='***'\n") != std::string::npos);
  CHECK(env_sh.find("GOOGLE_APPLICATION_CREDENTIALS='" + creds.string() + "'\n") != std::string::npos);
  CHECK(env_sh.find("X-Amz-Signature=***&X-Amz-Date=20261205T000000Z&token=***") != std::string::npos);
  const std::string shown_server = "http://dvidflow:***@" + url.substr(url.find("://") + 3);
  for (const fs::path& f : {x / "full-workflow-config.yaml", x / "workflow.yaml", y / "workflow.yaml"}) {
    const std::string text = read_text(f);
    INFO(f.string() << ":\n" << text);
    CHECK(text.find("server: " + shown_server) != std::string::npos);
    CHECK(text.find("DVID_ADMIN_TOKEN: \"***\"") != std::string::npos);
    CHECK(text.find("X-Amz-Signature=***&X-Amz-Date=20261205T000000Z&token=***") != std::string::npos);
  }
  CHECK(read_text(x / "workflow.yaml").find("# the config's, over the environment's") != std::string::npos);  // comments kept
  CHECK(read_text(x / "full-workflow-config.yaml").find("admin-token-file: " + (root / "ok" / "admin-token").string()) !=
        std::string::npos);
  CHECK(j["server"] == shown_server);
  const std::string bad_log = read_text(y / "output.log");
  CHECK(bad_log.find("DVID GET " + shown_server + "/api/repo/0123456789abcdef0123456789abcdef/info?app=dvid-setup: HTTP 400") !=
        std::string::npos);
  CHECK(bad_log.find("launchflow: dvid-setup FAILED") != std::string::npos);
  CHECK(bad_log.find("was redacted") == std::string::npos);  // the resume found the secrets in the template
  CHECK(read_text(x / "output.log").find("created repo \"secrets-test\" at " + shown_server) != std::string::npos);
}

TEST_CASE("a redacted config file gets its secrets back from DFLOW_CONFIG_SECRETS, and only where it shows them") {
  ::setenv("DFLOW_ENABLE_SELFTEST", "1", 1);
  const fs::path root = scratch_dir("secrets-restore");
  const std::string text =
      "workflow-name: selftest\n"
      "environment-variables:\n"
      "  SOME_API_TOKEN: t0ken-value-1234\n"
      "  DFLOW_SELFTEST_VAR: http://me:pa55-word-99@example.org/x?access_token=zz-top-7777\n"
      "selftest:\n"
      "  message: hello\n";
  const auto real = config::parse_workflow_config(text, "workflow.yaml");
  std::vector<config::Secret> secrets;
  const YAML::Node shown = config::redact_config(real.config, &secrets);
  REQUIRE(secrets.size() == 2);
  CHECK(config::first_redacted(shown) == "environment-variables.SOME_API_TOKEN");
  CHECK(shown["environment-variables"]["DFLOW_SELFTEST_VAR"].Scalar() ==
        "http://me:***@example.org/x?access_token=***");
  write_text_atomic(root / "full.yaml", config::to_yaml(real.workflow.schema(), shown));
  ::unsetenv(config::kSecretsEnv);
  CHECK(config::first_redacted(config::load_workflow_config(root / "full.yaml").config) ==
        "environment-variables.SOME_API_TOKEN");
  ::setenv(config::kSecretsEnv, config::encode_secrets(secrets).c_str(), 1);
  const auto back = config::load_workflow_config(root / "full.yaml");
  CHECK(YAML::Dump(back.config) == YAML::Dump(real.config));
  // A file that does not show the redacted form keeps its own value.
  write_text_atomic(root / "other.yaml", "workflow-name: selftest\nenvironment-variables:\n  SOME_API_TOKEN: mine\n");
  CHECK(config::load_workflow_config(root / "other.yaml").config["environment-variables"]["SOME_API_TOKEN"].Scalar() == "mine");
  ::unsetenv(config::kSecretsEnv);
  ::setenv(config::kSecretsEnv, "[not, [the format", 1);
  CHECK_THROWS_WITH(config::load_workflow_config(root / "full.yaml"), Catch::Contains("DFLOW_CONFIG_SECRETS") &&
                                                                          !Catch::Contains("t0ken"));
  ::unsetenv(config::kSecretsEnv);
  // workflow.yaml's copy keeps comments; a plain "***" is quoted so it is not a YAML alias.
  const std::string copy = config::redact_yaml_text("# note\n" + text);
  CHECK(copy.starts_with("# note\n"));
  CHECK(copy.find("SOME_API_TOKEN: \"***\"") != std::string::npos);
  CHECK(copy.find("t0ken-value-1234") == std::string::npos);
  CHECK(copy.find("pa55-word-99") == std::string::npos);
  CHECK(copy.find("zz-top-7777") == std::string::npos);
}
