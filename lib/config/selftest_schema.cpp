// TEST ONLY (registered when DFLOW_ENABLE_SELFTEST=1): the workflow.yaml of
// tests/launch/selftest_stage.cpp, which the launchflow tests run end to end.
#include "config/base_schema.hpp"

namespace dflow::config {

Schema selftest_schema() {
  return workflow_schema({
      with_default("selftest",
                   Schema::object({
                       with_default("message", Schema::string(), "hello", "Logged by every rank."),
                       with_default("exit-status", Schema::integer().at_least(0), "0", "Status every rank exits with."),
                       with_default("sleep-seconds", Schema::number(), "0", "Sleep before exiting (signal tests)."),
                   }),
                   "{}", "Test stage options."),
  });
}

}  // namespace dflow::config
