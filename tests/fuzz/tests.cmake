# Mutation fuzzing of every decoder and parser (test_fuzz_decoders.cpp); also run under ASan+UBSan
# by scripts/sanitize.sh.
dflow_test(test_fuzz_decoders SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fuzz_decoders.cpp
  DEPS dflow_codec dflow_config dflow_io_n5 dflow_io_zarr dflow_io_precomputed dflow_labelindex dflow_archive dflow_kvstore LABELS fuzz)
set_tests_properties(test_fuzz_decoders PROPERTIES TIMEOUT 300)
