# Neuroglancer precomputed: codecs (jpeg, compressed_segmentation), sharding primitives, the
# reader/writer on self-made volumes, and golden files written by cloud-volume and tensorstore.
set(_pc ${CMAKE_CURRENT_LIST_DIR})
dflow_test(test_precomputed_codecs
  SOURCES ${_pc}/test_cseg.cpp ${_pc}/test_jpeg.cpp ${_pc}/test_sharding.cpp
  DEPS dflow_codec dflow_io_precomputed LABELS unit)
dflow_test(test_precomputed SOURCES ${_pc}/test_precomputed.cpp DEPS dflow_io_precomputed LABELS unit)

# Golden inputs: cloud-volume (unsharded) and tensorstore (sharded) write, our reader reads.
add_test(NAME precomputed_golden_gen
         COMMAND ${DFLOW_PYTHON} ${PROJECT_SOURCE_DIR}/tests/golden/gen_precomputed.py ${DFLOW_GOLDEN_DIR})
set_tests_properties(precomputed_golden_gen PROPERTIES FIXTURES_SETUP precomputed_golden LABELS golden TIMEOUT 300)
dflow_test(test_precomputed_golden SOURCES ${_pc}/test_precomputed_golden.cpp DEPS dflow_io_precomputed LABELS golden)
set_tests_properties(test_precomputed_golden PROPERTIES FIXTURES_REQUIRED precomputed_golden)
set_property(TEST test_precomputed_golden APPEND PROPERTY ENVIRONMENT "DFLOW_GOLDEN_DIR=${DFLOW_GOLDEN_DIR}")

# Golden outputs: our writer writes, cloud-volume and tensorstore read (and the cseg bytes are
# compared with the compressed_segmentation package's encoder).
dflow_test(test_precomputed_write_golden SOURCES ${_pc}/test_precomputed_write_golden.cpp DEPS dflow_io_precomputed LABELS golden)
set_tests_properties(test_precomputed_write_golden PROPERTIES FIXTURES_SETUP precomputed_written)
set_property(TEST test_precomputed_write_golden APPEND PROPERTY ENVIRONMENT "DFLOW_GOLDEN_DIR=${DFLOW_GOLDEN_DIR}")
add_test(NAME precomputed_written_check
         COMMAND ${DFLOW_PYTHON} ${PROJECT_SOURCE_DIR}/tests/golden/check_precomputed_written.py ${DFLOW_GOLDEN_DIR})
set_tests_properties(precomputed_written_check PROPERTIES FIXTURES_REQUIRED precomputed_written LABELS golden TIMEOUT 300)
