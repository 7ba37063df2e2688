# HDF5 reader/writer and TIFF/PNG slice-stack reader. Golden inputs come from h5py, tifffile and
# Pillow (tests/golden/gen_h5_slices.py), written by a fixture test before the C++ tests run.
set(_h5s ${CMAKE_CURRENT_LIST_DIR})
set(_h5s_env "DFLOW_GOLDEN_DIR=${DFLOW_GOLDEN_DIR};DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")
set(_h5s_written ${CMAKE_BINARY_DIR}/test-tmp/h5slices-written.h5)

add_test(NAME golden_h5_slices COMMAND ${DFLOW_PYTHON} ${PROJECT_SOURCE_DIR}/tests/golden/gen_h5_slices.py ${DFLOW_GOLDEN_DIR})
set_tests_properties(golden_h5_slices PROPERTIES FIXTURES_SETUP golden_h5_slices LABELS golden)

dflow_test(test_path_format SOURCES ${_h5s}/test_path_format.cpp DEPS dflow_io_slices)

dflow_test(test_hdf5_reader SOURCES ${_h5s}/test_hdf5_reader.cpp DEPS dflow_io_hdf5 nlohmann_json::nlohmann_json)
dflow_test(test_slices_reader SOURCES ${_h5s}/test_slices_reader.cpp DEPS dflow_io_slices nlohmann_json::nlohmann_json)
set_tests_properties(test_hdf5_reader test_slices_reader PROPERTIES
  FIXTURES_REQUIRED golden_h5_slices ENVIRONMENT "${_h5s_env}" LABELS golden)

# Our writer's output must read back through our reader AND through h5py.
dflow_test(test_hdf5_writer SOURCES ${_h5s}/test_hdf5_writer.cpp DEPS dflow_io_hdf5)
set_tests_properties(test_hdf5_writer PROPERTIES FIXTURES_SETUP h5slices_written
  ENVIRONMENT "DFLOW_H5_WRITTEN=${_h5s_written};DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")
add_test(NAME h5slices_check_written COMMAND ${DFLOW_PYTHON} ${PROJECT_SOURCE_DIR}/tests/golden/gen_h5_slices.py --check-written ${_h5s_written})
set_tests_properties(h5slices_check_written PROPERTIES FIXTURES_REQUIRED h5slices_written LABELS golden)

# The reader under mpirun: two ranks, MPI-IO driver on MPI_COMM_SELF, different boxes per rank.
# A Catch2 main of its own (MPI_Init/Finalize), so not dflow_test.
add_executable(test_hdf5_mpi ${_h5s}/test_hdf5_mpi.cpp)
target_link_libraries(test_hdf5_mpi PRIVATE dflow_io_hdf5 nlohmann_json::nlohmann_json Catch2::Catch2 MPI::MPI_CXX)
target_include_directories(test_hdf5_mpi PRIVATE ${PROJECT_SOURCE_DIR}/tests)
add_test(NAME test_hdf5_mpi COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 2 --allow-run-as-root --oversubscribe
         $<TARGET_FILE:test_hdf5_mpi>)
set_tests_properties(test_hdf5_mpi PROPERTIES FIXTURES_REQUIRED golden_h5_slices ENVIRONMENT "${_h5s_env}"
  TIMEOUT 120 LABELS "golden;mpi")
