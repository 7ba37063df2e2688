# Integration tests against the REAL DVID server (the dvid_server fixture, tests/CMakeLists.txt).

dflow_dvid_test(test_dvid_client SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dvid_client.cpp DEPS dflow_dvid)
dflow_dvid_test(test_labelmap_dvid SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_labelmap_dvid.cpp DEPS dflow_dvid dflow_codec ZLIB::ZLIB)
