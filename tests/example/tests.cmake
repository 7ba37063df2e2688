# The example-data generator (lib/example).
dflow_test(test_example SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_example.cpp DEPS dflow_example dflow_io_n5 LABELS example)
