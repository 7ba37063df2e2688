#pragma once
// A small schema language for the YAML files users write (workflow.yaml). One Schema both validates
// a file (with defaults filled in and one-line errors that name the file and the key path) and
// documents it (the README's option tables, `launchflow --dump-default-yaml`).
//
//   Schema geometry = Schema::object({
//       with_default("bounding-box", Schema::box(), "[[-1,-1,-1],[-1,-1,-1]]", "Half-open [[x0,y0,z0],[x1,y1,z1]]; -1 = auto."),
//       with_default("available-scales", Schema::list(Schema::integer().at_least(0)), "[0]", "Scales that may be read."),
//   });
//   YAML::Node full = validate(geometry, YAML::Load(text), "workflow.yaml");
//
// Errors look like
//   workflow.yaml: input.n5.path: required value is missing
//   workflow.yaml: output.concurrency: expected an integer, got "four"
//   workflow.yaml: survey.foo: unknown key (allowed: brick-shape, kind)
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace dflow::config {

struct Field;

class Schema {
 public:
  enum class Kind { object, string, integer, number, boolean, int_list, box, list, string_map };

  // A mapping with these keys, in this order (the order used when writing YAML back out).
  static Schema object(std::vector<Field> fields);
  // Any scalar as text; with `choices`, only those exact values.
  static Schema string(std::vector<std::string> choices = {});
  static Schema integer();
  static Schema number();
  static Schema boolean();
  // Exactly n integers, e.g. [x,y,z] for n = 3.
  static Schema ints(int n);
  // [[x0,y0,z0],[x1,y1,z1]].
  static Schema box();
  static Schema list(Schema item);
  // A mapping from any key to a string (e.g. environment variables).
  static Schema string_map();

  // Refinements (each returns a modified copy).
  Schema at_least(int64_t min) const;         // integer, and every element of ints(n) and box()
  Schema min_items(size_t n) const;           // list
  // object: exactly one of these (optional, default-less) fields must be present, e.g. the storage
  // service of a volume (n5 | zarr | hdf5 | slice-files | precomputed).
  Schema exactly_one_of(std::vector<std::string> keys) const;

  Kind kind() const;
  const std::vector<Field>& fields() const;            // object
  const std::vector<std::string>& choices() const;     // string
  const std::vector<std::string>& one_of() const;      // object
  const Schema& item() const;                          // list
  int count() const;                                   // ints
  std::optional<int64_t> minimum() const;
  size_t min_item_count() const;
  const Field* field(std::string_view key) const;      // object; nullptr if absent
  // "integer", "string: one of a, b", "[x,y,z] integers", ...
  std::string type_name() const;

 private:
  struct Impl;
  static std::shared_ptr<Impl> make(Kind kind);
  explicit Schema(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

struct Field {
  enum class Presence { required, defaulted, optional };
  std::string key;
  Schema schema;
  Presence presence = Presence::optional;
  YAML::Node default_value;  // validated, with nested defaults filled in; only for Presence::defaulted
  std::string default_text;  // as written in the schema, for documentation
  std::string description;
};

// The user must give this key.
Field required(std::string key, Schema schema, std::string description);
// Missing -> `default_yaml` (YAML text, checked against `schema` when the field is made: a bad
// default is a programming error and throws std::logic_error). Use "{}" for an object whose
// fields all have defaults.
Field with_default(std::string key, Schema schema, std::string_view default_yaml, std::string description);
// Missing -> stays missing (e.g. the alternatives of exactly_one_of).
Field optional(std::string key, Schema schema, std::string description);

// Parses YAML text; a syntax error throws Error("<file_name>: line L, column C: <message>").
YAML::Node parse_yaml(const std::string& text, const std::string& file_name);
// Reads and parses a file; the file name in errors is the path as given.
YAML::Node load_yaml_file(const std::filesystem::path& path);

// Checks `node` against `schema` and returns a NEW node (the input is not modified) with every
// default filled in, keys in schema order and numbers in canonical form. Throws dflow::Error with
// one line "<file_name>: <key.path>: <problem>".
YAML::Node validate(const Schema& schema, const YAML::Node& node, const std::string& file_name);

// YAML text of a validated node, keys in schema order, [x,y,z] lists in flow style, strings
// quoted whenever plain text would read back as something else.
std::string to_yaml(const Schema& schema, const YAML::Node& validated);
// A starting-point file: every default, required keys left empty with a "# REQUIRED" comment,
// optional sections (e.g. the other storage services) commented out.
std::string default_yaml(const Schema& schema);
// Markdown table: | Key | Type | Default | Description |, nested keys as dotted paths under `prefix`.
std::string document(const Schema& schema, const std::string& prefix = "");

}  // namespace dflow::config
