// core/secrets.hpp: which names are secrets, URLs and free text with their secrets hidden.
#include <catch2/catch.hpp>

#include "core/secrets.hpp"

using namespace dflow::secrets;

TEST_CASE("secret names: cloud keys, tokens, passwords; credential files and paths are not secrets") {
  for (const char* n : {"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "GOOGLE_OAUTH_ACCESS_TOKEN",
                        "DVID_ADMIN_TOKEN", "admin-token", "admintoken", "MINIO_ROOT_PASSWORD", "db_passwd", "token",
                        "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "access_token", "GH_API_KEY",
                        "secret-access-key", "DFLOW_CONFIG_SECRETS", "Authorization"})
    CHECK(is_secret_name(n));
  for (const char* n : {"GOOGLE_APPLICATION_CREDENTIALS", "AWS_SHARED_CREDENTIALS_FILE", "admin-token-file",
                        "DVID_ADMIN_TOKEN_FILE", "AWS_CONFIG_FILE", "PATH", "HOME", "PWD", "server", "DFLOW_S3_ENDPOINT",
                        "AWS_REGION", "MINIO_ROOT_USER", "OMPI_MCA_btl", "message", "", "TOKEN_URL"})
    CHECK_FALSE(is_secret_name(n));
  CHECK(is_credential_file_name("GOOGLE_APPLICATION_CREDENTIALS"));
  CHECK(is_credential_file_name("AWS_SHARED_CREDENTIALS_FILE"));
  CHECK(is_credential_file_name("admin-token-file"));
  CHECK_FALSE(is_credential_file_name("block-statistics-file"));
  CHECK_FALSE(is_credential_file_name("DVID_ADMIN_TOKEN"));
}

TEST_CASE("redact_url hides the password and secret query values, nothing else") {
  CHECK(redact_url("http://user:pa55word@127.0.0.1:8000/api/repos") == "http://user:***@127.0.0.1:8000/api/repos");
  CHECK(redact_url("https://host/b/k?X-Amz-Signature=abcdef&X-Amz-Date=20261205&token=t0k3n#frag") ==
        "https://host/b/k?X-Amz-Signature=***&X-Amz-Date=20261205&token=***#frag");
  CHECK(redact_url("http://h:8000/api/repos?u=me&app=dvidflow&admintoken=abc123") ==
        "http://h:8000/api/repos?u=me&app=dvidflow&admintoken=***");
  CHECK(redact_url("https://storage.googleapis.com/b/o?key=AIzaXYZ&alt=media&access_token=ya29.x") ==
        "https://storage.googleapis.com/b/o?key=***&alt=media&access_token=***");
  // No password, no query: unchanged; a user name alone is shown.
  CHECK(redact_url("gs://bucket/prefix/info") == "gs://bucket/prefix/info");
  CHECK(redact_url("http://someone@h/x") == "http://someone@h/x");
  CHECK(redact_url("http://h/x?token=") == "http://h/x?token=");
  CHECK(redact_url("not a url?token=x") == "not a url?token=x");
  // '@' in the path is not userinfo.
  CHECK(redact_url("http://h/a:b@c") == "http://h/a:b@c");
}

TEST_CASE("redact_text: URLs inside messages, NAME=value pairs, remembered values") {
  CHECK(redact_text("DVID GET http://u:hunter22@127.0.0.1:1/api/x: HTTP 400: bad") ==
        "DVID GET http://u:***@127.0.0.1:1/api/x: HTTP 400: bad");
  CHECK(redact_text("see (https://h/p?access_token=zz9) and 'http://a:b@c/'") ==
        "see (https://h/p?access_token=***) and 'http://a:***@c/'");
  CHECK(redact_text("AWS_SECRET_ACCESS_KEY=abc123xyz AWS_REGION=us-east-1") == "AWS_SECRET_ACCESS_KEY=*** AWS_REGION=us-east-1");
  CHECK(redact_text("export DVID_ADMIN_TOKEN='quoted value' next") == "export DVID_ADMIN_TOKEN=*** next");
  CHECK(redact_text("--admin-token-file=/etc/dvid/token") == "--admin-token-file=/etc/dvid/token");
  CHECK(redact_text("37/120 bricks (30.8%), 41.2 Mvox/s, a=b c:d") == "37/120 bricks (30.8%), 41.2 Mvox/s, a=b c:d");
  remember("Zq7sN3cretEcho");
  remember("short");  // too short to hide everywhere
  CHECK(redact_text("server said: bad token Zq7sN3cretEcho (twice: Zq7sN3cretEcho)") ==
        "server said: bad token *** (twice: ***)");
  CHECK(redact_text("a short line") == "a short line");
  CHECK(redact_value("AWS_SESSION_TOKEN", "anything") == "***");
  CHECK(redact_value("AWS_SESSION_TOKEN", "") == "");
  CHECK(redact_value("DVID_SERVER", "http://u:p@h:1") == "http://u:***@h:1");
  CHECK(redact_value("PATH", "/usr/bin:/bin") == "/usr/bin:/bin");
  CHECK(holds_mask(redact_value("token", "x")));
}
