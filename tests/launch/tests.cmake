# launchflow: unit tests of its pieces, and end-to-end runs under mpirun of the TEST-ONLY "selftest"
# workflow (registered only with DFLOW_ENABLE_SELFTEST=1) whose stage is selftest_stage.cpp.
set(_launch ${CMAKE_CURRENT_LIST_DIR})

add_executable(dflow-selftest-stage ${_launch}/selftest_stage.cpp)
target_link_libraries(dflow-selftest-stage PRIVATE dflow_config MPI::MPI_CXX)

dflow_test(test_launch_units SOURCES ${_launch}/test_launch_units.cpp DEPS dflow_launch)

# The stage binary lands next to launchflow (bin/), where launchflow looks for stages.
dflow_test(test_launchflow SOURCES ${_launch}/test_launchflow.cpp DEPS dflow_launch dflow_config)
add_dependencies(test_launchflow launchflow dflow-selftest-stage)
set_tests_properties(test_launchflow PROPERTIES TIMEOUT 300 LABELS mpi
  ENVIRONMENT "DFLOW_LAUNCHFLOW=$<TARGET_FILE:launchflow>;DFLOW_ENABLE_SELFTEST=1;DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")

dflow_test(test_cluster_units SOURCES ${_launch}/test_cluster_units.cpp DEPS dflow_launch dflow_config)
