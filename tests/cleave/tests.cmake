# The cleave server (lib/cleave): the reference's algorithm cases and the table builder (units); the
# programs against the REAL DVID (dvid_server fixture) with answers checked by networkx
# (tests/cleave/check_cleave.py in the venv); load and JSON fuzz, bounded (< 1 min).
set(_cl ${CMAKE_CURRENT_LIST_DIR})
dflow_test(test_cleave_units SOURCES ${_cl}/test_cleave_units.cpp DEPS dflow_cleave)

# cleave-server ports: the test DVID's port + 30 and + 31, so checkouts with their own DVID port never clash.
math(EXPR _cl_port "${DFLOW_TEST_DVID_PORT} + 30")
math(EXPR _cl_port2 "${DFLOW_TEST_DVID_PORT} + 31")
set(_cl_env
  "DFLOW_DVID_URL=http://127.0.0.1:${DFLOW_TEST_DVID_PORT}"
  "DFLOW_DVID_DIR=${DFLOW_TEST_DVID_DIR}"
  "DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp"
  "DFLOW_PYTHON=${DFLOW_PYTHON}"
  "DFLOW_CHECK_CLEAVE=${_cl}/check_cleave.py"
  "DFLOW_CLEAVE_SERVER=$<TARGET_FILE:cleave-server>"
  "DFLOW_CONSTRUCT_CLEAVE_TABLE=$<TARGET_FILE:construct-cleave-table>")
foreach(t dvid load)
  add_executable(test_cleave_${t} ${_cl}/test_cleave_${t}.cpp)
  target_link_libraries(test_cleave_${t} PRIVATE dflow_cleave dflow_labelindex dflow_example dflow_stats dflow_codec dflow_dvid dflow_catch_main)
  add_dependencies(test_cleave_${t} cleave-server construct-cleave-table)
endforeach()
add_test(NAME cleave_dvid COMMAND test_cleave_dvid "[example]")
add_test(NAME cleave_load_fuzz COMMAND test_cleave_load "[load]")
set_tests_properties(cleave_dvid PROPERTIES FIXTURES_REQUIRED dvid_server ENVIRONMENT "${_cl_env};DFLOW_CLEAVE_TEST_PORT=${_cl_port}" LABELS dvid TIMEOUT 300)
set_tests_properties(cleave_load_fuzz PROPERTIES FIXTURES_REQUIRED dvid_server ENVIRONMENT "${_cl_env};DFLOW_CLEAVE_TEST_PORT=${_cl_port2}" LABELS dvid TIMEOUT 300)
# Under ASan + UBSan too (scripts/sanitize.sh): the parsers and algorithms, and the server's request
# handling through the fuzz (the sanitized cleave-server is the one started).
list(APPEND DFLOW_SANITIZE_TESTS test_cleave_units cleave_load_fuzz test_cleave_load)
