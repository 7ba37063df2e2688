# lib/core pieces shared by every program.
dflow_test(test_cli_values SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cli_values.cpp DEPS dflow_core LABELS unit)
list(APPEND DFLOW_SANITIZE_TESTS test_cli_values)
dflow_test(test_secrets SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_secrets.cpp DEPS dflow_core LABELS unit)
list(APPEND DFLOW_SANITIZE_TESTS test_secrets)
dflow_test(test_core_helpers SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_core_helpers.cpp DEPS dflow_core LABELS unit)
list(APPEND DFLOW_SANITIZE_TESTS test_core_helpers)
