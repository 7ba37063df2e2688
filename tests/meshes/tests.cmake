# sv-meshes and body-meshes (lib/meshes), tar archives (lib/archive), DVID tarsupervoxels and keyvalue
# (lib/dvid): unit tests against Python's tarfile, client tests and stage runs against the REAL DVID.
set(_msh ${CMAKE_CURRENT_LIST_DIR})
dflow_test(test_tar SOURCES ${_msh}/test_tar.cpp DEPS dflow_archive nlohmann_json::nlohmann_json)
target_compile_definitions(test_tar PRIVATE DFLOW_TESTS_MESHES_DIR="${_msh}")
set_tests_properties(test_tar PROPERTIES ENVIRONMENT "DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp;DFLOW_PYTHON=${DFLOW_PYTHON}")
