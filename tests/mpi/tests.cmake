# MPI layer (lib/mpi) and the survey-volume stage. MPI tests run under mpirun at 1, 2 and 4 ranks;
# --allow-run-as-root because CI runs as root, --oversubscribe because CI has 2 cores.

dflow_test(test_bricks SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_bricks.cpp DEPS dflow_mpi LABELS mpi)

add_library(dflow_mpi_catch_main STATIC ${CMAKE_CURRENT_LIST_DIR}/mpi_catch_main.cpp)
target_link_libraries(dflow_mpi_catch_main PUBLIC Catch2::Catch2 dflow_mpi)
target_include_directories(dflow_mpi_catch_main PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_LIST_DIR}/..)

set(DFLOW_MPIRUN ${MPIEXEC_EXECUTABLE} --allow-run-as-root --oversubscribe ${MPIEXEC_PREFLAGS})
set(DFLOW_MPI_RANKS 1 2 4)

# dflow_mpi_test(<name> SOURCES ... DEPS ...): one executable, one ctest per rank count (<name>_np<N>).
function(dflow_mpi_test name)
  cmake_parse_arguments(T "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} dflow_mpi_catch_main)
  foreach(np ${DFLOW_MPI_RANKS})
    add_test(NAME ${name}_np${np} COMMAND ${DFLOW_MPIRUN} ${MPIEXEC_NUMPROC_FLAG} ${np} $<TARGET_FILE:${name}> ${MPIEXEC_POSTFLAGS})
    set_tests_properties(${name}_np${np} PROPERTIES ENVIRONMENT "DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp"
                         LABELS mpi TIMEOUT 300 PROCESSORS ${np})
  endforeach()
endfunction()

dflow_mpi_test(test_mpi_layer SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_mpi_layer.cpp DEPS dflow_mpi)

# Progress and the brick queue with Open MPI forced onto TCP (no progress thread), 4 ranks, rank 0's
# main thread busy outside MPI: nobody may wait for it.
add_executable(test_progress_tcp ${CMAKE_CURRENT_LIST_DIR}/test_progress_tcp.cpp)
target_link_libraries(test_progress_tcp PRIVATE dflow_mpi dflow_mpi_catch_main)
add_test(NAME test_progress_tcp_np4
         COMMAND ${DFLOW_MPIRUN} --mca btl tcp,self --mca btl_tcp_if_include lo ${MPIEXEC_NUMPROC_FLAG} 4
                 $<TARGET_FILE:test_progress_tcp> ${MPIEXEC_POSTFLAGS})
set_tests_properties(test_progress_tcp_np4 PROPERTIES ENVIRONMENT "DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp"
                     LABELS mpi TIMEOUT 120 PROCESSORS 4)

# survey-volume end to end: 1/2/4 ranks give identical bytes; a killed run resumes (survey_ranks.cmake).
foreach(kind segmentation grayscale)
  add_test(NAME survey_volume_ranks_${kind}
           COMMAND ${CMAKE_COMMAND} -DMPIRUN=${MPIEXEC_EXECUTABLE} -DNPFLAG=${MPIEXEC_NUMPROC_FLAG}
                   -DMAKE_EXAMPLE=$<TARGET_FILE:make-example> -DSURVEY=$<TARGET_FILE:survey-volume>
                   -DWORK=${CMAKE_BINARY_DIR}/test-tmp/survey-ranks-${kind} -DKIND=${kind}
                   -P ${CMAKE_CURRENT_LIST_DIR}/survey_ranks.cmake)
  set_tests_properties(survey_volume_ranks_${kind} PROPERTIES LABELS mpi TIMEOUT 900 PROCESSORS 2)
endforeach()

# The brick queue on a skewed volume: identical outputs with both schedules and at 1, 2, 4 ranks; the
# busy max/mean of each run is printed (skew_schedule.cmake says why its bound is looser than 1.05).
add_test(NAME brick_schedule_skewed_survey
         COMMAND ${CMAKE_COMMAND} -DMPIRUN=${MPIEXEC_EXECUTABLE} -DNPFLAG=${MPIEXEC_NUMPROC_FLAG}
                 -DPYTHON=${DFLOW_PYTHON} -DSURVEY=$<TARGET_FILE:survey-volume> -DSRC=${CMAKE_CURRENT_LIST_DIR}
                 -DWORK=${CMAKE_BINARY_DIR}/test-tmp/brick-schedule-skew -P ${CMAKE_CURRENT_LIST_DIR}/skew_schedule.cmake)
set_tests_properties(brick_schedule_skewed_survey PROPERTIES LABELS mpi TIMEOUT 600 PROCESSORS 2)

dflow_mpi_test(test_survey SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_survey.cpp DEPS dflow_survey dflow_example)

# Bad input "disk full": one error line naming the file; the run resumes once there is room (needs root
# for the tmpfs mount, as CI runs).
add_test(NAME survey_full_disk
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/full_disk.sh ${MPIEXEC_EXECUTABLE} $<TARGET_FILE:make-example>
                 $<TARGET_FILE:survey-volume> ${CMAKE_BINARY_DIR}/test-tmp/survey-full-disk)
set_tests_properties(survey_full_disk PROPERTIES LABELS mpi TIMEOUT 300 PROCESSORS 2)
