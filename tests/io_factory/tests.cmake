# The volume-source factory (lib/io/open_volume.cpp) over inputs written by the reference libraries
# (tests/golden/gen_open_volume.py): dispatch, relative paths, scale naming, bounding boxes, errors.
add_test(NAME golden_open_volume COMMAND ${DFLOW_PYTHON} ${PROJECT_SOURCE_DIR}/tests/golden/gen_open_volume.py ${DFLOW_GOLDEN_DIR})
set_tests_properties(golden_open_volume PROPERTIES FIXTURES_SETUP golden_open_volume LABELS golden)
dflow_test(test_open_volume SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_open_volume.cpp DEPS dflow_io dflow_config)
set_tests_properties(test_open_volume PROPERTIES FIXTURES_REQUIRED golden_open_volume LABELS golden
  ENVIRONMENT "DFLOW_GOLDEN_DIR=${DFLOW_GOLDEN_DIR};DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")
