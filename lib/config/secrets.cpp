#include "config/secrets.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/secrets.hpp"

namespace dflow::config {
namespace {

// `key` names the value for is_secret_name: the map key, or for list items the list's key.
void redact_walk(YAML::Node& node, const std::string& key, std::vector<std::string>& path, std::vector<Secret>* taken) {
  if (node.IsMap()) {
    for (auto kv : node) {
      path.push_back(kv.first.Scalar());
      YAML::Node value = kv.second;
      redact_walk(value, kv.first.Scalar(), path, taken);
      path.pop_back();
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      path.push_back(std::to_string(i));
      YAML::Node item = node[i];
      redact_walk(item, key, path, taken);
      path.pop_back();
    }
  } else if (node.IsScalar()) {
    const std::string value = node.Scalar();
    const std::string shown = secrets::redact_value(key, value);
    if (shown == value) return;
    if (taken) taken->push_back({path, value});
    secrets::remember_value(key, value);  // also hidden wherever it shows up in a log line
    node = shown;
  }
}

// The node at `path` and the key that names it, or an undefined node.
YAML::Node at_path(YAML::Node node, const std::vector<std::string>& path, std::string& key) {
  for (const auto& step : path) {
    if (node.IsMap()) {
      node.reset(node[step]);
      key = step;
    } else if (node.IsSequence()) {
      char* end = nullptr;
      const unsigned long i = std::strtoul(step.c_str(), &end, 10);
      if (*end || i >= node.size()) return YAML::Node(YAML::NodeType::Undefined);
      node.reset(node[i]);
    } else {
      return YAML::Node(YAML::NodeType::Undefined);
    }
    if (!node.IsDefined()) return node;
  }
  return node;
}

std::string find_redacted(const YAML::Node& node, const std::string& where) {
  if (node.IsMap()) {
    for (const auto& kv : node)
      if (auto p = find_redacted(kv.second, where.empty() ? kv.first.Scalar() : where + "." + kv.first.Scalar()); !p.empty())
        return p;
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i)
      if (auto p = find_redacted(node[i], fmt::format("{}[{}]", where, i)); !p.empty()) return p;
  } else if (node.IsScalar() && secrets::holds_mask(node.Scalar())) {
    return where;
  }
  return {};
}

}  // namespace

YAML::Node redact_config(const YAML::Node& config, std::vector<Secret>* taken) {
  YAML::Node copy = YAML::Clone(config);
  std::vector<std::string> path;
  redact_walk(copy, "", path, taken);
  return copy;
}

void restore_secrets(YAML::Node& config, const std::vector<Secret>& secrets) {
  for (const auto& s : secrets) {
    std::string key;
    YAML::Node node = at_path(config, s.path, key);
    if (!node.IsDefined() || !node.IsScalar() || node.Scalar() != secrets::redact_value(key, s.value)) continue;
    node = s.value;
    secrets::remember_value(key, s.value);
  }
}

std::string first_redacted(const YAML::Node& config) { return find_redacted(config, ""); }

std::string encode_secrets(const std::vector<Secret>& secrets) {
  YAML::Emitter out;
  out << YAML::Flow << YAML::BeginSeq;
  for (const auto& s : secrets) {
    out << YAML::BeginMap << YAML::Key << "path" << YAML::Value << YAML::BeginSeq;
    for (const auto& step : s.path) out << YAML::DoubleQuoted << step;
    out << YAML::EndSeq << YAML::Key << "value" << YAML::Value << YAML::DoubleQuoted << s.value << YAML::EndMap;
  }
  out << YAML::EndSeq;
  return out.c_str();
}

std::vector<Secret> decode_secrets(std::string_view text) {
  std::vector<Secret> out;
  try {
    for (const auto& item : YAML::Load(std::string(text))) {
      Secret s;
      for (const auto& step : item["path"]) s.path.push_back(step.as<std::string>());
      s.value = item["value"].as<std::string>();
      out.push_back(std::move(s));
    }
  } catch (const YAML::Exception&) {
    fail("environment variable {} is not the list of config secrets launchflow writes; unset it", kSecretsEnv);
  }
  return out;
}

std::vector<Secret> secrets_from_environment() {
  const char* v = std::getenv(kSecretsEnv);
  return v && *v ? decode_secrets(v) : std::vector<Secret>{};
}

std::string redact_yaml_text(const std::string& text) {
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception&) {
    return text;  // launchflow refuses such a file before it copies anything
  }
  std::vector<Secret> taken;
  const YAML::Node redacted = redact_config(doc, &taken);
  if (taken.empty()) return text;
  std::string out = text;
  for (const auto& s : taken) {
    std::string key;
    at_path(doc, s.path, key);  // the key that names it (a list item's: the list's)
    const std::string shown = secrets::redact_value(key, s.value);
    for (size_t at = out.find(s.value); at != std::string::npos; at = out.find(s.value, at)) {
      // A plain scalar may not start with '*' (that is an alias): quote it.
      const bool quoted = at > 0 && (out[at - 1] == '"' || out[at - 1] == '\'');
      const std::string put = shown.starts_with('*') && !quoted ? "\"" + shown + "\"" : shown;
      out.replace(at, s.value.size(), put);
      at += put.size();
    }
  }
  bool same = false;
  try {
    same = YAML::Dump(YAML::Load(out)) == YAML::Dump(redacted);
  } catch (const YAML::Exception&) {
  }
  for (const auto& s : taken) same = same && out.find(s.value) == std::string::npos;
  if (same) return out;
  return "# workflow.yaml as given, its secrets redacted by launchflow (comments and layout not kept).\n" +
         YAML::Dump(redacted) + "\n";
}

}  // namespace dflow::config
