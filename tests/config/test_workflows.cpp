// The workflow registry, the base and volume schemas, and loading workflow.yaml by workflow-name.
#include <cstdlib>

#include <catch2/catch.hpp>

#include "config/base_schema.hpp"
#include "config/values.hpp"
#include "config/volume_schema.hpp"
#include "config/workflows.hpp"
#include "core/error.hpp"

using namespace dflow;
using namespace dflow::config;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_workflow_config(text, "tmpl/workflow.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("survey-volume: defaults of the base, volume and survey sections") {
  const auto wc = parse_workflow_config("workflow-name: Survey-Volume\ninput:\n  zarr: {path: data.zarr, dataset: s0}\n",
                                        "tmpl/workflow.yaml");
  CHECK(wc.workflow.name == "survey-volume");  // case-insensitive lookup, as flyemflows
  CHECK(wc.workflow.executable == "survey-volume");
  const YAML::Node& c = wc.config;
  CHECK(c["workflow-name"].as<std::string>() == "Survey-Volume");
  CHECK(c["cluster-type"].as<std::string>() == "mpirun");
  CHECK(c["log-level"].as<std::string>() == "info");
  CHECK(c["environment-variables"]["OMP_NUM_THREADS"].as<std::string>() == "1");
  CHECK(c["input"]["zarr"]["store-type"].as<std::string>() == "NestedDirectoryStore");
  CHECK(as_vec3(c["input"]["zarr"]["global-offset"]) == Vec3{0, 0, 0});
  CHECK(as_box(c["input"]["geometry"]["bounding-box"]) == Box{Vec3::fill(-1), Vec3::fill(-1)});
  CHECK(as_vec3(c["input"]["geometry"]["message-block-shape"]) == Vec3::fill(-1));
  CHECK(c["input"]["geometry"]["available-scales"][0].as<int>() == 0);
  CHECK(as_vec3(c["survey"]["brick-shape"]) == Vec3::fill(256));
  CHECK(c["survey"]["kind"].as<std::string>() == "auto");
  CHECK_FALSE(c["survey"]["block-statistics-csv"].as<bool>());
  CHECK(log_level(c) == log::Level::info);
}

TEST_CASE("every volume service validates with its defaults") {
  const Schema v = volume_schema();
  auto ok = [&](const std::string& text) { return validate(v, parse_yaml(text, "f"), "f"); };
  CHECK(ok("n5: {path: a.n5, dataset: s0}")["n5"]["dataset"].as<std::string>() == "s0");
  CHECK(ok("hdf5: {path: a.h5, dataset: vol}")["hdf5"]["path"].as<std::string>() == "a.h5");
  CHECK(ok("slice-files: {slice-path-format: 'z{:05d}.png'}")["slice-files"]["slice-xy-offset"].size() == 2);
  CHECK(ok("precomputed: {path: 'precomputed://file:///x'}")["precomputed"]["scale"].as<int>() == 0);
  CHECK(ok("zarr: {path: a, dataset: s0, store-type: N5Store}")["zarr"]["store-type"].as<std::string>() == "N5Store");
}

TEST_CASE("workflow.yaml errors name the file and the key path") {
  CHECK(error_of("workflow-name: survey-volume\ninput:\n  n5: {dataset: s0}\n") ==
        "tmpl/workflow.yaml: input.n5.path: required value is missing");
  CHECK(error_of("workflow-name: survey-volume\ninput: {n5: {path: a, dataset: s0}}\nsurvey: {foo: 1}\n") ==
        "tmpl/workflow.yaml: survey.foo: unknown key (allowed: brick-shape, kind, block-statistics-csv)");
  CHECK(error_of("workflow-name: survey-volume\ninput: {n5: {path: a, dataset: s0}}\nsurvey: {brick-shape: [64, 64, four]}\n") ==
        "tmpl/workflow.yaml: survey.brick-shape[2]: expected an integer, got \"four\"");
  CHECK(error_of("workflow-name: survey-volume\ninput: {hdf5: {path: a, dataset: b}, zarr: {path: a, dataset: s0}}\n") ==
        "tmpl/workflow.yaml: input: exactly one of n5, zarr, hdf5, slice-files, precomputed is required (found zarr and hdf5)");
  CHECK(error_of("workflow-name: survey-volume\ncluster-type: sge\ninput: {n5: {path: a, dataset: s0}}\n") ==
        "tmpl/workflow.yaml: cluster-type: expected one of mpirun, lsf, slurm, got \"sge\"");
  CHECK(error_of("workflow-name: survey-volume\ninput: {n5: {path: a, dataset: s0}}\nscheduler: {slots: 4}\n") ==
        "tmpl/workflow.yaml: scheduler.slots: unknown key (allowed: job-name, project, queue, walltime, "
        "memory-per-slot-mib, slots-per-host, warning-seconds, extra-directives)");
  CHECK(error_of("workflow-name: survey-volume\ninput: {n5: {path: a, dataset: s0}}\nsurvey: {kind: labels}\n") ==
        "tmpl/workflow.yaml: survey.kind: expected one of auto, grayscale, segmentation, got \"labels\"");
  CHECK(error_of("input: {}\n") == "tmpl/workflow.yaml: workflow-name: required value is missing");
  // The list of known workflows grows with every stage; it must name them all.
  const std::string unknown = error_of("workflow-name: copy-everything\n");
  CHECK_THAT(unknown, Catch::StartsWith("tmpl/workflow.yaml: workflow-name: unknown workflow \"copy-everything\" (known: survey-volume"));
  for (const auto& w : config::workflows()) CHECK_THAT(unknown, Catch::Contains(w.name));
  CHECK(error_of("workflow-name: survey-volume\ninput: [\n") ==
        "tmpl/workflow.yaml: line 3, column 1: end of sequence flow not found");
}

TEST_CASE("the test-only selftest workflow is hidden unless DFLOW_ENABLE_SELFTEST=1") {
  ::unsetenv("DFLOW_ENABLE_SELFTEST");
  CHECK(!find_workflow("selftest"));
  for (const auto& w : workflows()) CHECK(w.name != "selftest");
  ::setenv("DFLOW_ENABLE_SELFTEST", "1", 1);
  const auto w = find_workflow("selftest");
  REQUIRE(w);
  CHECK(w->executable == "dflow-selftest-stage");
  const auto wc = parse_workflow_config("workflow-name: selftest\n", "w.yaml");
  CHECK(wc.config["selftest"]["exit-status"].as<int>() == 0);
  ::unsetenv("DFLOW_ENABLE_SELFTEST");
}

TEST_CASE("every registered schema builds, documents and round-trips its defaults") {
  for (const auto& w : workflows()) {
    INFO(w.name);
    const Schema s = w.schema();
    const std::string doc = document(s);
    CHECK(doc.find("| `workflow-name` | string | **required** |") != std::string::npos);
    CHECK(!default_yaml(s).empty());
  }
}
