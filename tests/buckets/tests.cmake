# Buckets (lib/kvstore): unit tests of the parsers and the local store; export-grayscale into a real S3
# server (MinIO) and a real GCS server (fake-gcs-server) on loopback, read back by tensorstore and by our
# readers; missing buckets, wrong credentials and a cut connection; DVID's ngprecomputed proxy of the
# S3 copy and neuroglancer (headless Chromium) drawing it from the bucket URL; one brick read of many
# chunks through a delaying proxy (the gets overlap). The four server parts share ports, so they never
# run at the same time.
set(_bk ${CMAKE_CURRENT_LIST_DIR})
dflow_test(test_kvstore_units SOURCES ${_bk}/test_kvstore_units.cpp DEPS dflow_kvstore LABELS unit)
list(APPEND DFLOW_SANITIZE_TESTS test_kvstore_units)
add_executable(dflow-read-box ${_bk}/read_box.cpp)
target_link_libraries(dflow-read-box PRIVATE dflow_io)

if(NOT DEFINED DFLOW_TEST_MINIO_PORT)
  set(DFLOW_TEST_MINIO_PORT 18520)
endif()
if(NOT DEFINED DFLOW_TEST_NGPROXY_DVID_PORT)
  set(DFLOW_TEST_NGPROXY_DVID_PORT 18510)
endif()
# Next to the ngprecomputed proxy test's ports (MinIO takes PORT and PORT+1, its console).
math(EXPR _bk_minio "${DFLOW_TEST_MINIO_PORT} + 3")
math(EXPR _bk_gcs "${DFLOW_TEST_MINIO_PORT} + 10")
math(EXPR _bk_dvid "${DFLOW_TEST_NGPROXY_DVID_PORT} + 2")
set(DFLOW_TEST_BUCKETS_MINIO_PORT ${_bk_minio} CACHE STRING "S3 port of the MinIO server of tests/buckets")
set(DFLOW_TEST_FAKE_GCS_PORT ${_bk_gcs} CACHE STRING "port of the fake-gcs-server of tests/buckets")
set(DFLOW_TEST_BUCKETS_DVID_PORT ${_bk_dvid} CACHE STRING "HTTP port of the DVID of tests/buckets")
foreach(part export faults dvid reads)
  set(_bk_extra)
  if(part STREQUAL "dvid")
    set(_bk_extra --neuroglancer)
  endif()
  add_test(NAME buckets_${part}
           COMMAND ${DFLOW_PYTHON} ${_bk}/check_buckets.py --part ${part} --repo ${PROJECT_SOURCE_DIR}
                   --bin $<TARGET_FILE_DIR:launchflow> --work ${CMAKE_BINARY_DIR}/test-tmp/buckets
                   --minio-port ${DFLOW_TEST_BUCKETS_MINIO_PORT} --gcs-port ${DFLOW_TEST_FAKE_GCS_PORT}
                   --dvid-port ${DFLOW_TEST_BUCKETS_DVID_PORT} --dvid-setup $<TARGET_FILE:dvid-setup>
                   --fault-proxy ${PROJECT_SOURCE_DIR}/tests/integration/fault_proxy.py
                   --read-box $<TARGET_FILE:dflow-read-box> ${_bk_extra})
  set_tests_properties(buckets_${part} PROPERTIES LABELS "buckets;mpi" TIMEOUT 600 PROCESSORS 2
                       RESOURCE_LOCK buckets_servers)
endforeach()
set_tests_properties(buckets_dvid PROPERTIES LABELS "buckets;dvid;golden;neuroglancer" RESOURCE_LOCK "buckets_servers;chromium")
