#pragma once
// The one place that decides what is a secret and hides it ("***") before text leaves the process:
// bash-environment.sh, full-workflow-config.yaml, output.log and per-rank logs, error messages
// naming URLs. Execution directories often sit on shared file systems, so S3/GCS keys, OAuth tokens,
// DVID's admin token and passwords in URLs must never be written there.
//
// Credential *files* (GOOGLE_APPLICATION_CREDENTIALS, AWS_SHARED_CREDENTIALS_FILE,
// dvid.admin-token-file) are references: their paths are shown, their contents never copied.
#include <string>
#include <string_view>

namespace dflow::secrets {

inline constexpr std::string_view kMask = "***";

// An environment variable or config key whose value is a secret: AWS_SECRET_ACCESS_KEY,
// AWS_ACCESS_KEY_ID, AWS_SESSION_TOKEN, GOOGLE_OAUTH_ACCESS_TOKEN, DVID_ADMIN_TOKEN, admin-token,
// *TOKEN*, *SECRET*, *PASSWORD*, *PASSWD*, *CREDENTIAL* (not a file), *ACCESS_KEY*, *PRIVATE_KEY*,
// *API_KEY*, *SIGNATURE*, *AUTHORIZATION*. Case and '-' vs '_' do not matter. Names of credential
// files (below) are not secrets.
bool is_secret_name(std::string_view name);
// A variable or key naming a file that holds credentials (referenced by path, never copied):
// GOOGLE_APPLICATION_CREDENTIALS, AWS_SHARED_CREDENTIALS_FILE, admin-token-file, *_TOKEN_FILE, ...
bool is_credential_file_name(std::string_view name);

// "https://user:pw@host/p?X-Amz-Signature=abc&x=1" -> "https://user:***@host/p?X-Amz-Signature=***&x=1":
// the password of the userinfo and the values of secret query parameters (token=, access_token=,
// admintoken=, X-Amz-Signature=, X-Amz-Credential=, X-Amz-Security-Token=, key=, sig=, ...).
std::string redact_url(std::string_view url);

// Free text (a log line, an error message, an environment value): every URL in it through
// redact_url, NAME=value pairs whose NAME is a secret name, and every value remembered below.
std::string redact_text(std::string_view text);

// The value of `key` (env name or config key) as it may be shown: "***" when the key is a secret
// name and the value is not empty, else its URLs and NAME=value pairs redacted as by redact_text.
// Unlike redact_text it ignores remembered values, so the result depends on (key, value) alone and
// a redacted file can be matched against it to put the secrets back.
std::string redact_value(std::string_view key, std::string_view value);

// Remember a secret value (a config secret, a restored token) so that redact_text hides it wherever
// it shows up, e.g. echoed back in a server's error. Values shorter than 6 characters are ignored
// (hiding "1" or "true" everywhere would mangle every log line). The values of secret-named
// environment variables are remembered on first use.
void remember(std::string_view value);
// Remember what redact_value(key, value) hides: the whole value, or a URL's password and secret
// query values.
void remember_value(std::string_view key, std::string_view value);

// True if `text` shows a redaction (kMask) that redact_* produced.
bool holds_mask(std::string_view text);

}  // namespace dflow::secrets
