# ingest-supervoxels (lib/ingest): unit tests, and end-to-end runs of the program under mpirun against
# the real DVID server (the dvid_server fixture of tests/integration/tests.cmake; this folder sorts after
# it). Each tag of test_ingest_e2e is its own ctest entry.
set(_svi ${CMAKE_CURRENT_LIST_DIR})
dflow_test(test_ingest_units SOURCES ${_svi}/test_ingest_units.cpp DEPS dflow_ingest dflow_config dflow_ops)

add_executable(test_ingest_e2e ${_svi}/test_ingest_e2e.cpp)
target_link_libraries(test_ingest_e2e PRIVATE dflow_ingest dflow_example dflow_dvid dflow_ops dflow_stats dflow_codec
                      dflow_catch_main nlohmann_json::nlohmann_json)
add_dependencies(test_ingest_e2e ingest-supervoxels)
set(_svi_env
  "DFLOW_DVID_URL=http://127.0.0.1:${DFLOW_TEST_DVID_PORT}"
  "DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp"
  "DFLOW_MPIEXEC=${MPIEXEC_EXECUTABLE}"
  "DFLOW_INGEST_EXE=$<TARGET_FILE:ingest-supervoxels>"
  "DFLOW_DVID_SCRIPT=${PROJECT_SOURCE_DIR}/scripts/dvid-server.sh"
  "DFLOW_LABEL_INDEX_EXE=$<TARGET_FILE:ingest-label-indexes>"
  "DFLOW_PYTHON=${DFLOW_PYTHON}"
  "DFLOW_FAULT_PROXY=${PROJECT_SOURCE_DIR}/tests/integration/fault_proxy.py")
add_dependencies(test_ingest_e2e ingest-label-indexes)
foreach(tag ranks dvid-raw resume faults options)
  add_test(NAME ingest_supervoxels_${tag} COMMAND test_ingest_e2e "[${tag}]")
  set_tests_properties(ingest_supervoxels_${tag} PROPERTIES FIXTURES_REQUIRED dvid_server ENVIRONMENT "${_svi_env}"
                       LABELS "dvid;mpi" TIMEOUT 600 PROCESSORS 2)
endforeach()
