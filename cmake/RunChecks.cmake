# Helpers of the end-to-end test scripts run by ctest as `cmake -P` (tests/export/*.cmake,
# tests/mpi/survey_ranks.cmake): include(<repo>/cmake/RunChecks.cmake).

# run_checked(COMMAND cmd... [ENV K=V...] [EXPECT_FAIL] [OUT var] [TIMEOUT s]): runs the command
# (with the extra environment), fails the test if it fails (or, with EXPECT_FAIL, if it succeeds),
# and sets var to its stdout followed by its stderr.
function(run_checked)
  cmake_parse_arguments(R "EXPECT_FAIL" "OUT;TIMEOUT" "COMMAND;ENV" ${ARGN})
  if(NOT R_TIMEOUT)
    set(R_TIMEOUT 900)
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env ${R_ENV} ${R_COMMAND}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT ${R_TIMEOUT})
  if(R_EXPECT_FAIL)
    if(rc EQUAL 0)
      message(FATAL_ERROR "expected a failure, but it succeeded: ${R_COMMAND}\n${out}\n${err}")
    endif()
  elseif(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${R_COMMAND}\n${out}\n${err}")
  endif()
  if(R_OUT)
    set(${R_OUT} "${out}${err}" PARENT_SCOPE)
  endif()
endfunction()

# A fresh template directory holding workflow.yaml.
function(write_template dir yaml)
  file(REMOVE_RECURSE ${dir})
  file(MAKE_DIRECTORY ${dir})
  file(WRITE ${dir}/workflow.yaml "${yaml}")
endfunction()

function(same_file a b)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${a} ${b} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${a} and ${b} differ")
  endif()
endfunction()

# Every file under a and b (relative names) exists in both and has the same bytes.
function(same_tree a b)
  file(GLOB_RECURSE fa RELATIVE ${a} ${a}/*)
  file(GLOB_RECURSE fb RELATIVE ${b} ${b}/*)
  list(SORT fa)
  list(SORT fb)
  if(NOT fa STREQUAL fb)
    message(FATAL_ERROR "${a} and ${b} hold different files")
  endif()
  list(LENGTH fa n)
  foreach(f ${fa})
    same_file(${a}/${f} ${b}/${f})
  endforeach()
  message(STATUS "${a} == ${b} (${n} files)")
endfunction()

# The log holds exactly one "] ERROR ..." line, and it matches the regex `expected`.
function(check_one_error what log expected)
  string(REGEX MATCHALL "\\] ERROR [^\n]*" errors "${log}")
  list(LENGTH errors nerr)
  if(NOT nerr EQUAL 1 OR NOT errors MATCHES "${expected}")
    message(FATAL_ERROR "${what}: expected one error line matching\n  ${expected}\ngot ${nerr}:\n${log}")
  endif()
  message(STATUS "${what}: ${errors}")
endfunction()
