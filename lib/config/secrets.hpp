#pragma once
// Secrets in a workflow config (a token under environment-variables, a password in a server URL, a
// signed URL): launchflow writes full-workflow-config.yaml and the execution directory's
// workflow.yaml with them redacted as core/secrets.hpp shows them ("***"), and hands the real values
// to the ranks in the environment variable DFLOW_CONFIG_SECRETS, forwarded by mpirun and never
// written to a file. load_workflow_config puts them back where the file shows their redacted form.
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace dflow::config {

inline constexpr const char* kSecretsEnv = "DFLOW_CONFIG_SECRETS";

struct Secret {
  std::vector<std::string> path;  // keys, and list indices as decimal strings
  std::string value;              // the real value
};

// A deep copy of `config` with every secret value redacted (the key a secret name, or a URL with a
// password or a token in its query); the real values go to `taken`, and are remembered
// (core/secrets.hpp) so that log lines hide them too.
YAML::Node redact_config(const YAML::Node& config, std::vector<Secret>* taken = nullptr);
// Puts each secret back where `config` shows its redacted form.
void restore_secrets(YAML::Node& config, const std::vector<Secret>& secrets);
// "dvid.server", "environment-variables.DVID_ADMIN_TOKEN", "a.b[2]": the first value still showing a
// redaction; empty if none.
std::string first_redacted(const YAML::Node& config);

// One line of YAML (flow style) for kSecretsEnv, and back (an unreadable value throws dflow::Error
// naming the variable, never its text).
std::string encode_secrets(const std::vector<Secret>& secrets);
std::vector<Secret> decode_secrets(std::string_view text);
// The secrets in this process's kSecretsEnv (none if unset).
std::vector<Secret> secrets_from_environment();

// The text of a workflow.yaml with every secret's value replaced by its redacted form, comments
// and layout kept. If a value is written in the file in a way the plain replacement does not find
// (quoted with escapes, folded), the file is emitted again from its redacted tree instead.
std::string redact_yaml_text(const std::string& text);

}  // namespace dflow::config
