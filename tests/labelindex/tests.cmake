# ingest-label-indexes (lib/labelindex). Test data is written by the reference tools:
# tests/golden/gen_label_indexes.py makes block-statistics.h5 with h5py (flyemflows' layout and append
# pattern) and the .npy mappings with numpy, plus the expected indexes.
set(_li ${CMAKE_CURRENT_LIST_DIR})
set(_li_data ${CMAKE_BINARY_DIR}/test-data/label-indexes)

add_test(NAME golden_label_indexes COMMAND ${DFLOW_PYTHON} ${PROJECT_SOURCE_DIR}/tests/golden/gen_label_indexes.py ${_li_data})
set_tests_properties(golden_label_indexes PROPERTIES FIXTURES_SETUP golden_label_indexes LABELS golden)

dflow_test(test_label_indexes SOURCES ${_li}/test_label_indexes.cpp DEPS dflow_labelindex)
set_tests_properties(test_label_indexes PROPERTIES FIXTURES_REQUIRED golden_label_indexes
  ENVIRONMENT "DFLOW_LABELINDEX_DATA=${_li_data};DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")

# Against the real DVID (the dvid_server fixture of tests/integration): voxels, indexes, mappings, sizes,
# sparsevols, bad rows, resume, and the workflow scripts (which run the ingest-label-indexes program).
dflow_test(test_label_indexes_dvid SOURCES ${_li}/test_label_indexes_dvid.cpp DEPS dflow_labelindex dflow_codec)
set_tests_properties(test_label_indexes_dvid PROPERTIES FIXTURES_REQUIRED "dvid_server;golden_label_indexes" LABELS dvid
  ENVIRONMENT "DFLOW_DVID_URL=http://127.0.0.1:${DFLOW_TEST_DVID_PORT};DFLOW_DVID_DIR=${DFLOW_TEST_DVID_DIR};DFLOW_LABELINDEX_DATA=${_li_data};DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp;DFLOW_INGEST_LABEL_INDEXES=$<TARGET_FILE:ingest-label-indexes>;DFLOW_WORKFLOWS=${PROJECT_SOURCE_DIR}/workflows")
# The workflow scripts run these programs (and 04's also dvid-setup) from the same directory.
add_dependencies(test_label_indexes_dvid ingest-label-indexes dvid-setup)
