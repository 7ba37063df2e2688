# DVID label block codec: golden files from the DVID Go module's test_data/ (DVID_TEST_DATA), plus
# round trips on random and adversarial blocks and a corruption fuzz.
dflow_test(test_dvid_labels SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dvid_labels.cpp DEPS dflow_codec ZLIB::ZLIB)
set_tests_properties(test_dvid_labels PROPERTIES ENVIRONMENT "DVID_TEST_DATA=${DVID_TEST_DATA}")
