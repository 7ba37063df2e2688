# Integration tests against the REAL DVID server (built by scripts/build-dvid.sh), started on loopback
# by the project's own script as a ctest fixture and stopped afterwards.
set(DFLOW_TEST_DVID_PORT 18500 CACHE STRING "HTTP port of the DVID server the tests start")
set(DFLOW_TEST_DVID_DIR ${CMAKE_BINARY_DIR}/test-dvid)

add_test(NAME dvid_server_start
         COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/dvid-server.sh start-fresh ${DFLOW_TEST_DVID_DIR} ${DFLOW_TEST_DVID_PORT})
set_tests_properties(dvid_server_start PROPERTIES FIXTURES_SETUP dvid_server TIMEOUT 600)
add_test(NAME dvid_server_stop COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/dvid-server.sh stop ${DFLOW_TEST_DVID_DIR})
set_tests_properties(dvid_server_stop PROPERTIES FIXTURES_CLEANUP dvid_server)

# Tests that need the server: dflow_dvid_test(<name> SOURCES ... DEPS ...)
function(dflow_dvid_test name)
  dflow_test(${name} ${ARGN} LABELS dvid)
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED dvid_server
    ENVIRONMENT "DFLOW_DVID_URL=http://127.0.0.1:${DFLOW_TEST_DVID_PORT};DFLOW_DVID_DIR=${DFLOW_TEST_DVID_DIR};DVID_TEST_DATA=${DVID_TEST_DATA};DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")
endfunction()

dflow_dvid_test(test_dvid_client SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dvid_client.cpp DEPS dflow_dvid)
dflow_dvid_test(test_labelmap_dvid SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_labelmap_dvid.cpp DEPS dflow_dvid dflow_codec ZLIB::ZLIB)
