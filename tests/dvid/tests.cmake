dflow_test(test_labelindex SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_labelindex.cpp DEPS dflow_dvid)
