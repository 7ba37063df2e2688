dflow_test(test_downsample SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_downsample.cpp DEPS dflow_ops)
