# Integration tests against the REAL DVID server (the dvid_server fixture, tests/CMakeLists.txt).

dflow_dvid_test(test_dvid_client SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dvid_client.cpp DEPS dflow_dvid)
dflow_dvid_test(test_labelmap_dvid SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_labelmap_dvid.cpp DEPS dflow_dvid dflow_codec ZLIB::ZLIB)
# The client's retry policy against the real DVID behind a misbehaving loopback proxy (fault_proxy.py).
dflow_dvid_test(test_client_faults SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_client_faults.cpp DEPS dflow_dvid)
set_property(TEST test_client_faults APPEND PROPERTY ENVIRONMENT
  "DFLOW_PYTHON=${DFLOW_PYTHON}" "DFLOW_FAULT_PROXY=${CMAKE_CURRENT_LIST_DIR}/fault_proxy.py")
set_property(TEST test_client_faults PROPERTY TIMEOUT 120)
