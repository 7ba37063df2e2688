# N5 / Zarr readers and the N5 writer against the reference implementations (zarr 2.18.3,
# tensorstore 0.1.86): gen_n5_zarr.py writes golden arrays first; check_n5_writer.py reads what
# test_n5_writer wrote with tensorstore and zarr.
set(_n5z ${CMAKE_CURRENT_LIST_DIR})
set(_n5z_writer_out ${CMAKE_BINARY_DIR}/test-data/n5writer)

add_test(NAME golden_n5_zarr COMMAND ${DFLOW_PYTHON} ${PROJECT_SOURCE_DIR}/tests/golden/gen_n5_zarr.py ${DFLOW_GOLDEN_DIR})
set_tests_properties(golden_n5_zarr PROPERTIES FIXTURES_SETUP golden_n5_zarr LABELS golden TIMEOUT 300)

dflow_test(test_codecs SOURCES ${_n5z}/test_codecs.cpp DEPS dflow_codec nlohmann_json::nlohmann_json LABELS codec)
dflow_test(test_n5zarr_golden SOURCES ${_n5z}/test_n5zarr_golden.cpp DEPS dflow_io_n5 dflow_io_zarr LABELS golden)
foreach(t test_codecs test_n5zarr_golden)
  set_tests_properties(${t} PROPERTIES FIXTURES_REQUIRED golden_n5_zarr
    ENVIRONMENT "DFLOW_GOLDEN_DIR=${DFLOW_GOLDEN_DIR};DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")
endforeach()

dflow_test(test_n5_writer SOURCES ${_n5z}/test_n5_writer.cpp DEPS dflow_io_n5)
set_tests_properties(test_n5_writer PROPERTIES FIXTURES_SETUP n5_writer_out
  ENVIRONMENT "DFLOW_N5WRITER_OUT=${_n5z_writer_out};DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")
add_test(NAME n5_writer_check COMMAND ${DFLOW_PYTHON} ${PROJECT_SOURCE_DIR}/tests/golden/check_n5_writer.py ${_n5z_writer_out})
set_tests_properties(n5_writer_check PROPERTIES FIXTURES_REQUIRED n5_writer_out LABELS golden TIMEOUT 300)
