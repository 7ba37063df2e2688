// The schema language: defaults, every error kind with its exact one-line message, YAML syntax
// errors with line and column, writing YAML back out, the documentation table.
#include <catch2/catch.hpp>

#include "config/schema.hpp"
#include "config/values.hpp"
#include "core/error.hpp"

using namespace dflow;
using namespace dflow::config;

namespace {

Schema sample() {
  return Schema::object({
      required("name", Schema::string(), "Name."),
      with_default("mode", Schema::string({"fast", "slow"}), "fast", "Mode."),
      with_default("concurrency", Schema::integer().at_least(1), "4", "Ranks."),
      with_default("ratio", Schema::number(), "0.5", "Ratio."),
      with_default("verbose", Schema::boolean(), "false", "Talk more."),
      with_default("shape", Schema::ints(3).at_least(1), "[64,64,64]", "Brick shape."),
      with_default("box", Schema::box(), "[[-1,-1,-1],[-1,-1,-1]]", "Region."),
      with_default("scales", Schema::list(Schema::integer().at_least(0)).min_items(1), "[0]", "Scales."),
      with_default("env", Schema::string_map(), "{A: \"1\"}", "Environment."),
      with_default("inner", Schema::object({with_default("depth", Schema::integer(), "2", "Depth."),
                                            optional("note", Schema::string(), "A note.")}),
                   "{}", "Nested."),
      optional("items", Schema::list(Schema::object({required("id", Schema::integer(), "Id."),
                                                     with_default("tag", Schema::string(), "x", "Tag.")})),
               "Items."),
  });
}

Schema services() {
  return Schema::object({
                            optional("n5", Schema::object({required("path", Schema::string(), "Path.")}), "N5."),
                            optional("zarr", Schema::object({required("path", Schema::string(), "Path.")}), "Zarr."),
                            with_default("geometry", Schema::object({with_default("w", Schema::integer(), "1", "W.")}), "{}",
                                         "Geometry."),
                        })
      .exactly_one_of({"n5", "zarr"});
}

YAML::Node check(const Schema& s, const std::string& text) { return validate(s, parse_yaml(text, "workflow.yaml"), "workflow.yaml"); }

std::string error_of(const Schema& s, const std::string& text) {
  try {
    check(s, text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("validate fills every default and keeps the input unchanged") {
  const YAML::Node in = parse_yaml("name: vol\n", "workflow.yaml");
  const YAML::Node out = validate(sample(), in, "workflow.yaml");
  CHECK(out["name"].as<std::string>() == "vol");
  CHECK(out["mode"].as<std::string>() == "fast");
  CHECK(out["concurrency"].as<int>() == 4);
  CHECK(out["ratio"].as<double>() == 0.5);
  CHECK(out["verbose"].as<bool>() == false);
  CHECK(as_vec3(out["shape"]) == Vec3{64, 64, 64});
  CHECK(as_box(out["box"]) == Box{Vec3::fill(-1), Vec3::fill(-1)});
  CHECK(out["scales"].size() == 1);
  CHECK(out["env"]["A"].as<std::string>() == "1");
  CHECK(out["inner"]["depth"].as<int>() == 2);
  CHECK(!out["inner"]["note"]);  // optional without default stays absent
  CHECK(!out["items"]);
  // A new node: the input still has only what the user wrote.
  CHECK(in.size() == 1);
  CHECK(!in["mode"]);
  // Keys come out in schema order, whatever order the user wrote.
  const YAML::Node out2 = check(sample(), "verbose: true\nname: v\n");
  std::vector<std::string> keys;
  for (const auto& kv : out2) keys.push_back(kv.first.Scalar());
  CHECK(keys == std::vector<std::string>{"name", "mode", "concurrency", "ratio", "verbose", "shape", "box", "scales", "env", "inner"});
}

TEST_CASE("given values are checked and canonicalized") {
  const YAML::Node out = check(sample(),
                               "name: v\nconcurrency: +010\nratio: 1e-3\nshape: [1, 2, 3]\nbox: [[0,0,0],[10,20,30]]\n"
                               "items:\n  - id: 7\n  - {id: 8, tag: y}\ninner: {note: hi}\nenv: {B: 2}\n");
  CHECK(out["concurrency"].Scalar() == "10");  // decimal, never octal
  CHECK(out["ratio"].as<double>() == 0.001);
  CHECK(as_box(out["box"]) == Box{{0, 0, 0}, {10, 20, 30}});
  CHECK(out["items"][0]["tag"].as<std::string>() == "x");  // defaults inside list items
  CHECK(out["items"][1]["tag"].as<std::string>() == "y");
  CHECK(out["inner"]["depth"].as<int>() == 2);              // defaults inside a given object
  CHECK(out["inner"]["note"].as<std::string>() == "hi");
  CHECK(out["env"].size() == 1);                            // a given map replaces the default
  CHECK(out["env"]["B"].as<std::string>() == "2");
}

TEST_CASE("each error kind is one line naming the file and the key path") {
  const Schema s = sample();
  CHECK(error_of(s, "mode: fast\n") == "workflow.yaml: name: required value is missing");
  CHECK(error_of(s, "name:\n") == "workflow.yaml: name: required value is missing");
  CHECK(error_of(s, "name: v\nconcurrency: four\n") == "workflow.yaml: concurrency: expected an integer, got \"four\"");
  CHECK(error_of(s, "name: v\nconcurrency: '4'\n") ==
        "workflow.yaml: concurrency: expected an integer, got \"4\" (quoted, so a string)");
  CHECK(error_of(s, "name: v\nconcurrency: 2.5\n") == "workflow.yaml: concurrency: expected an integer, got \"2.5\"");
  CHECK(error_of(s, "name: v\nconcurrency: 0\n") == "workflow.yaml: concurrency: must be at least 1, got 0");
  CHECK(error_of(s, "name: v\nconcurrency:\n") == "workflow.yaml: concurrency: expected an integer, got an empty value");
  CHECK(error_of(s, "name: v\nratio: half\n") == "workflow.yaml: ratio: expected a number, got \"half\"");
  CHECK(error_of(s, "name: v\nverbose: maybe\n") == "workflow.yaml: verbose: expected true or false, got \"maybe\"");
  CHECK(error_of(s, "name: v\nmode: medium\n") == "workflow.yaml: mode: expected one of fast, slow, got \"medium\"");
  CHECK(error_of(s, "name: [a]\n") == "workflow.yaml: name: expected a string, got a list of 1 item");
  CHECK(error_of(s, "name: v\nshape: [1, 2]\n") == "workflow.yaml: shape: expected 3 integers, got 2");
  CHECK(error_of(s, "name: v\nshape: [1, four, 3]\n") == "workflow.yaml: shape[1]: expected an integer, got \"four\"");
  CHECK(error_of(s, "name: v\nshape: [1, 0, 3]\n") == "workflow.yaml: shape[1]: must be at least 1, got 0");
  CHECK(error_of(s, "name: v\nshape: 64\n") ==
        "workflow.yaml: shape: expected a list of [x,y,z] integers, got \"64\"");
  CHECK(error_of(s, "name: v\nbox: [1, 2, 3]\n") ==
        "workflow.yaml: box: expected a box [[x0,y0,z0],[x1,y1,z1]], got a list of 3 items");
  CHECK(error_of(s, "name: v\nbox: [[0,0,0],[1,x,1]]\n") == "workflow.yaml: box[1][1]: expected an integer, got \"x\"");
  CHECK(error_of(s, "name: v\nscales: []\n") == "workflow.yaml: scales: expected at least 1 item, got 0");
  CHECK(error_of(s, "name: v\nscales: [0, -1]\n") == "workflow.yaml: scales[1]: must be at least 0, got -1");
  CHECK(error_of(s, "name: v\nenv: {A: [1]}\n") == "workflow.yaml: env.A: expected a string, got a list of 1 item");
  CHECK(error_of(s, "name: v\ninner: {depth: 1, foo: 2}\n") ==
        "workflow.yaml: inner.foo: unknown key (allowed: depth, note)");
  CHECK(error_of(s, "name: v\nbogus: 1\n") ==
        "workflow.yaml: bogus: unknown key (allowed: name, mode, concurrency, ratio, verbose, shape, box, scales, env, "
        "inner, items)");
  CHECK(error_of(s, "name: v\nitems:\n  - id: 1\n  - tag: t\n") == "workflow.yaml: items[1].id: required value is missing");
  CHECK(error_of(s, "name: v\ninner:\n  depth: 1\n  depth: 2\n") == "workflow.yaml: inner.depth: duplicate key");
  CHECK(error_of(s, "") == "workflow.yaml: the file is empty (expected a mapping of workflow options)");
  CHECK(error_of(s, "- a\n- b\n") == "workflow.yaml: expected a mapping, got a list of 2 items");
}

TEST_CASE("exactly one service key") {
  const Schema s = services();
  CHECK(check(s, "zarr: {path: a}\n")["geometry"]["w"].as<int>() == 1);
  CHECK(error_of(s, "geometry: {}\n") == "workflow.yaml: exactly one of n5, zarr is required (found none)");
  CHECK(error_of(s, "n5: {path: a}\nzarr: {path: b}\n") ==
        "workflow.yaml: exactly one of n5, zarr is required (found n5 and zarr)");
  const Schema outer = Schema::object({required("input", s, "Input.")});
  CHECK(error_of(outer, "input: {}\n") == "workflow.yaml: input: exactly one of n5, zarr is required (found none)");
  CHECK(error_of(outer, "input:\n  n5: {}\n") == "workflow.yaml: input.n5.path: required value is missing");
}

TEST_CASE("YAML syntax errors name the file, line and column") {
  auto syntax_error = [](const std::string& text) {
    try {
      parse_yaml(text, "tmpl/workflow.yaml");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(syntax_error("a: 1\nb: [1, 2\nc: 3\n") == "tmpl/workflow.yaml: line 3, column 2: end of sequence flow not found");
  CHECK(syntax_error("workflow-name: x\n  input: 2\n") == "tmpl/workflow.yaml: line 2, column 8: illegal map value");
  CHECK(syntax_error("a: 1\n\tb: 2\n") == "tmpl/workflow.yaml: line 2, column 1: illegal tab when looking for indentation");
}

TEST_CASE("a bad default is a programming error") {
  CHECK_THROWS_AS(with_default("n", Schema::integer(), "four", "N."), std::logic_error);
  CHECK_THROWS_AS(with_default("s", Schema::ints(3), "[1,2]", "S."), std::logic_error);
  CHECK_THROWS_AS(Schema::object({optional("a", Schema::integer(), "A."), optional("a", Schema::integer(), "A.")}),
                  std::logic_error);
  CHECK_THROWS_AS(Schema::object({with_default("a", Schema::integer(), "1", "A.")}).exactly_one_of({"a"}), std::logic_error);
}

TEST_CASE("to_yaml writes schema order, flow lists and safe strings, and reads back identically") {
  const Schema s = sample();
  const YAML::Node out = check(s,
                               "name: '007'\nenv: {EMPTY: '', B: 'yes', C: 'a: b', D: \"line\\nbreak\", E: '#x', F: plain}\n"
                               "items: [{id: 1}, {id: 2, tag: 'true'}]\n");
  const std::string text = to_yaml(s, out);
  CHECK(text ==
        "name: \"007\"\n"
        "mode: fast\n"
        "concurrency: 4\n"
        "ratio: 0.5\n"
        "verbose: false\n"
        "shape: [64, 64, 64]\n"
        "box: [[-1, -1, -1], [-1, -1, -1]]\n"
        "scales: [0]\n"
        "env:\n"
        "  EMPTY: \"\"\n"
        "  B: \"yes\"\n"
        "  C: \"a: b\"\n"
        "  D: \"line\\nbreak\"\n"
        "  E: \"#x\"\n"
        "  F: plain\n"
        "inner:\n"
        "  depth: 2\n"
        "items:\n"
        "  - id: 1\n"
        "    tag: x\n"
        "  - id: 2\n"
        "    tag: \"true\"\n");
  // Reading the text back and validating again gives the same text: nothing changed type.
  const YAML::Node again = check(s, text);
  CHECK(to_yaml(s, again) == text);
  CHECK(again["env"]["D"].as<std::string>() == "line\nbreak");
  CHECK(again["name"].as<std::string>() == "007");
}

TEST_CASE("document renders a Markdown table with key paths, types, defaults and descriptions") {
  const std::string doc = document(services(), "input");
  CHECK(doc ==
        "| Key | Type | Default | Description |\n"
        "|---|---|---|---|\n"
        "| `input.n5` | mapping | one of n5/zarr | N5. |\n"
        "| `input.n5.path` | string | **required** | Path. |\n"
        "| `input.zarr` | mapping | one of n5/zarr | Zarr. |\n"
        "| `input.zarr.path` | string | **required** | Path. |\n"
        "| `input.geometry` | mapping |  | Geometry. |\n"
        "| `input.geometry.w` | integer | `1` | W. |\n");
  const std::string doc2 = document(sample());
  CHECK(doc2.find("| `concurrency` | integer >= 1 | `4` | Ranks. |\n") != std::string::npos);
  CHECK(doc2.find("| `mode` | one of: fast, slow | `fast` | Mode. |\n") != std::string::npos);
  CHECK(doc2.find("| `shape` | [x,y,z] integers >= 1 | `[64,64,64]` | Brick shape. |\n") != std::string::npos);
  CHECK(doc2.find("| `items[].tag` | string | `x` | Tag. |\n") != std::string::npos);
  CHECK(doc2.find("| `inner.note` | string | (none) | A note. |\n") != std::string::npos);
}

TEST_CASE("default_yaml is a starting point: defaults, required keys marked, alternatives commented out") {
  const std::string text = default_yaml(Schema::object({required("input", services(), "Input.")}));
  CHECK(text ==
        "# Input.\n"
        "input:\n"
        "  # Exactly one of: n5, zarr (uncomment one).\n"
        "  # N5.\n"
        "  # n5:\n"
        "    # Path.\n"
        "    # path:  # REQUIRED, string\n"
        "  # Zarr.\n"
        "  # zarr:\n"
        "    # Path.\n"
        "    # path:  # REQUIRED, string\n"
        "  # Geometry.\n"
        "  geometry:\n"
        "    # W.\n"
        "    w: 1\n");
  // Everything that has a default reads back and validates to the defaults.
  const std::string sample_text = default_yaml(sample());
  const YAML::Node parsed = parse_yaml(sample_text, "dump");
  CHECK(parsed["name"].IsNull());
  YAML::Node filled = YAML::Clone(parsed);
  filled["name"] = "v";
  CHECK(to_yaml(sample(), validate(sample(), filled, "dump")) == to_yaml(sample(), check(sample(), "name: v\n")));
}
