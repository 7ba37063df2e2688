# dvid-setup (lib/dvidsetup): the TOML renderer (the one scripts/dvid-server.sh uses) and instance
# checks; the workflows/01-dvid template run by launchflow
# against the real DVID; DVID's ngprecomputed store proxying a precomputed pyramid served by MinIO;
# neuroglancer drawing a precomputed grayscale volume in headless Chromium.
set(_ds ${CMAKE_CURRENT_LIST_DIR})
set(_ds_tmp ${CMAKE_BINARY_DIR}/test-tmp)
# Same cache entries as tests/integration/tests.cmake, which is included after this fragment.
set(DFLOW_TEST_DVID_PORT 18500 CACHE STRING "HTTP port of the DVID server the tests start")
if(NOT DEFINED DFLOW_TEST_DVID_DIR)
  set(DFLOW_TEST_DVID_DIR ${CMAKE_BINARY_DIR}/test-dvid)
endif()

dflow_test(test_dvidsetup_units SOURCES ${_ds}/test_dvidsetup_units.cpp DEPS dflow_dvidsetup LABELS unit)
target_compile_definitions(test_dvidsetup_units PRIVATE DFLOW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

add_test(NAME dvidsetup_render_config
         COMMAND bash ${_ds}/render_config.sh ${PROJECT_SOURCE_DIR} $<TARGET_FILE:dvid-setup> ${_ds_tmp}/dvidsetup-render)
set_tests_properties(dvidsetup_render_config PROPERTIES LABELS unit TIMEOUT 120)

# Against the fixture's DVID (tests/integration/tests.cmake starts it).
dflow_test(test_dvidsetup_dvid SOURCES ${_ds}/test_dvidsetup_dvid.cpp DEPS dflow_dvidsetup LABELS dvid)
target_compile_definitions(test_dvidsetup_dvid PRIVATE DFLOW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
set_tests_properties(test_dvidsetup_dvid PROPERTIES FIXTURES_REQUIRED dvid_server TIMEOUT 300
  ENVIRONMENT "DFLOW_DVID_URL=http://127.0.0.1:${DFLOW_TEST_DVID_PORT};DFLOW_DVID_DIR=${DFLOW_TEST_DVID_DIR};DFLOW_TEST_TMP=${_ds_tmp};DFLOW_LAUNCHFLOW=$<TARGET_FILE:launchflow>;DFLOW_DVID_SETUP=$<TARGET_FILE:dvid-setup>")

# DVID's ngprecomputed proxy: its own DVID (the config differs) and a MinIO server, on these ports.
set(DFLOW_TEST_NGPROXY_DVID_PORT 18510 CACHE STRING "HTTP port of the DVID the ngprecomputed proxy test starts")
set(DFLOW_TEST_MINIO_PORT 18520 CACHE STRING "S3 port of the MinIO server the ngprecomputed proxy test starts")
add_test(NAME dvidsetup_ngprecomputed_proxy
         COMMAND ${DFLOW_PYTHON} ${_ds}/check_ngprecomputed_proxy.py --repo ${PROJECT_SOURCE_DIR}
                 --dvid-setup $<TARGET_FILE:dvid-setup> --work ${_ds_tmp}/ngproxy
                 --dvid-port ${DFLOW_TEST_NGPROXY_DVID_PORT} --minio-port ${DFLOW_TEST_MINIO_PORT})
set_tests_properties(dvidsetup_ngprecomputed_proxy PROPERTIES LABELS "dvid;golden" TIMEOUT 900)
