# Block statistics (lib/stats): counting, canonical order, and the block-statistics.h5 / .csv files.
# The file layout is checked against h5py both ways: h5py writes a table the way flyemflows does
# (resize + append), our reader must read it; our writer's file must have h5py's exact dtype.
set(_bst ${CMAKE_CURRENT_LIST_DIR})
set(_bst_dir ${CMAKE_BINARY_DIR}/test-data/block-stats)

add_test(NAME golden_block_stats COMMAND ${DFLOW_PYTHON} ${PROJECT_SOURCE_DIR}/tests/golden/block_stats_h5.py write ${_bst_dir})
set_tests_properties(golden_block_stats PROPERTIES FIXTURES_SETUP golden_block_stats LABELS golden)

dflow_test(test_block_stats SOURCES ${_bst}/test_block_stats.cpp DEPS dflow_stats)
set_tests_properties(test_block_stats PROPERTIES FIXTURES_REQUIRED golden_block_stats FIXTURES_SETUP block_stats_written
  ENVIRONMENT "DFLOW_BLOCK_STATS_DIR=${_bst_dir};DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")

add_test(NAME block_stats_check_written COMMAND ${DFLOW_PYTHON} ${PROJECT_SOURCE_DIR}/tests/golden/block_stats_h5.py check ${_bst_dir})
set_tests_properties(block_stats_check_written PROPERTIES FIXTURES_REQUIRED block_stats_written LABELS golden)

# The parallel writer (lib/stats/block_stats_parallel.hpp) on a synthetic table of 10^8 rows (2.4 GB)
# at 1, 2 and 4 ranks: each rank's peak memory (getrusage) under a stated bound, the file's layout
# and its multiset of rows checked by h5py/numpy against the generator formula (reimplemented in
# numpy), and the CSV form on 10^6 rows. Files are deleted after each run.
add_executable(block-stats-synth ${_bst}/block_stats_synth.cpp)
target_link_libraries(block-stats-synth PRIVATE dflow_stats dflow_mpi)
add_test(NAME block_stats_parallel_ranks
         COMMAND ${DFLOW_PYTHON} ${_bst}/check_parallel_table.py --synth $<TARGET_FILE:block-stats-synth>
                 --mpirun ${MPIEXEC_EXECUTABLE} --work ${CMAKE_BINARY_DIR}/test-tmp/block-stats-parallel
                 --rows 100000000 --ranks 1,2,4 --max-rss-mib 200 --csv-rows 1000000)
set_tests_properties(block_stats_parallel_ranks PROPERTIES LABELS "mpi;stats" TIMEOUT 600 PROCESSORS 2)
