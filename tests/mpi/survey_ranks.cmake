# End-to-end test of survey-volume under mpirun (cmake -P script, run by ctest).
#   -DMPIRUN=<mpiexec> -DNPFLAG=-n -DMAKE_EXAMPLE=<exe> -DSURVEY=<exe> -DWORK=<dir> -DKIND=segmentation|grayscale
# 1. make-example writes the example volume;
# 2. survey-volume runs at 1, 2 and 4 ranks into three execution directories; survey.json and
#    block-statistics.h5 and .csv (written by every rank) must be byte-identical, and every brick must be
#    journaled exactly once;
# 3. a run killed by the DFLOW_FAIL_AFTER_BRICKS hook at 2 ranks, resumed at 4 ranks, must skip the
#    bricks it finished and produce the same bytes again.
cmake_minimum_required(VERSION 3.25)

include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/RunChecks.cmake)

function(survey np dir)
  cmake_parse_arguments(S "EXPECT_FAIL" "OUT" "ENV" ${ARGN})
  set(fail_flag)
  if(S_EXPECT_FAIL)
    set(fail_flag EXPECT_FAIL)
  endif()
  file(MAKE_DIRECTORY ${dir})
  file(COPY_FILE ${WORK}/workflow.yaml ${dir}/full-workflow-config.yaml)
  run_checked(COMMAND ${MPIRUN} --allow-run-as-root --oversubscribe ${NPFLAG} ${np} ${SURVEY}
                      --config ${dir}/full-workflow-config.yaml --exec-dir ${dir}
              ENV ${S_ENV} ${fail_flag} OUT out)
  file(WRITE ${dir}/output.log "${out}")
  if(S_OUT)
    set(${S_OUT} "${out}" PARENT_SCOPE)
  endif()
endfunction()

# Every brick of the plan journaled exactly once across all journal files of the stage.
function(check_journal dir nbricks)
  file(GLOB journals ${dir}/journal/survey-volume.rank*.txt)
  set(ids)
  foreach(j ${journals})
    file(STRINGS ${j} lines)
    foreach(l ${lines})
      if(NOT l MATCHES "^#")
        list(APPEND ids ${l})
      endif()
    endforeach()
  endforeach()
  list(LENGTH ids n)
  set(unique ${ids})
  list(REMOVE_DUPLICATES unique)
  list(LENGTH unique nu)
  if(NOT n EQUAL nbricks OR NOT nu EQUAL nbricks)
    message(FATAL_ERROR "${dir}: journal lists ${n} bricks (${nu} distinct), the plan has ${nbricks}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
run_checked(COMMAND ${MAKE_EXAMPLE} --output ${WORK}/example)
if(KIND STREQUAL "grayscale")
  set(dataset grayscale/s0)
else()
  set(dataset segmentation/s0)
endif()
file(WRITE ${WORK}/workflow.yaml "workflow-name: survey-volume
input:
  n5:
    path: ${WORK}/example/example.n5
    dataset: ${dataset}
survey:
  brick-shape: [128, 128, 128]
  kind: ${KIND}
  block-statistics-csv: true
")

set(outputs survey.json)
if(KIND STREQUAL "segmentation")
  list(APPEND outputs block-statistics.h5 block-statistics.csv)
endif()

# The dry run plans without reading or writing results.
run_checked(COMMAND ${MPIRUN} --allow-run-as-root --oversubscribe ${NPFLAG} 2 ${SURVEY}
                    --config ${WORK}/workflow.yaml --exec-dir ${WORK}/dry --dry-run OUT dry)
if(NOT dry MATCHES "bricks: 18 to do of 18 \\(2 ranks: [0-9]+\\.\\.[0-9]+ bricks per rank"
   OR NOT dry MATCHES "estimated memory per rank" OR EXISTS ${WORK}/dry/survey.json)
  message(FATAL_ERROR "unexpected dry run:\n${dry}")
endif()

foreach(np 1 2 4)
  survey(${np} ${WORK}/np${np} OUT log)
  if(NOT log MATCHES "survey-volume: 1/18 bricks \\(" OR NOT log MATCHES "survey-volume: done 18/18 bricks")
    message(FATAL_ERROR "np ${np}: progress lines missing:\n${log}")
  endif()
  check_journal(${WORK}/np${np} 18)
  foreach(f ${outputs})
    same_file(${WORK}/np1/${f} ${WORK}/np${np}/${f})
  endforeach()
endforeach()

# Cross-check with what make-example says it generated.
file(READ ${WORK}/example/example.json example)
file(READ ${WORK}/np1/survey.json survey)
string(JSON bricks GET "${survey}" bricks)
string(JSON voxels GET "${survey}" voxels)
if(NOT bricks EQUAL 18 OR NOT voxels EQUAL 24499200)
  message(FATAL_ERROR "survey.json: ${bricks} bricks, ${voxels} voxels")
endif()
if(KIND STREQUAL "segmentation")
  string(JSON labels GET "${survey}" labels count)
  string(JSON labeled GET "${survey}" labels labeled-voxels)
  string(JSON max_id GET "${survey}" labels max-id)
  string(JSON ex_labels GET "${example}" supervoxels)
  string(JSON ex_labeled GET "${example}" labeled-voxels)
  string(JSON ex_max GET "${example}" max-supervoxel-id)
  if(NOT labels EQUAL ex_labels OR NOT labeled EQUAL ex_labeled OR NOT max_id STREQUAL ex_max)
    message(FATAL_ERROR "survey found ${labels} labels / ${labeled} voxels / max ${max_id}; "
                        "the example has ${ex_labels} / ${ex_labeled} / ${ex_max}")
  endif()
  file(STRINGS ${WORK}/np1/block-statistics.csv header LIMIT_COUNT 1)
  if(NOT header STREQUAL "segment_id,z,y,x,count")
    message(FATAL_ERROR "block-statistics.csv header: ${header}")
  endif()
else()
  string(JSON n LENGTH "${survey}" grayscale histogram)
  string(JSON lo GET "${survey}" grayscale min)
  string(JSON hi GET "${survey}" grayscale max)
  if(NOT n EQUAL 256 OR NOT lo LESS hi)
    message(FATAL_ERROR "grayscale summary: ${n} bins, min ${lo}, max ${hi}")
  endif()
endif()

# Crash after 2 bricks per rank at 2 ranks, then resume at 4 ranks.
survey(2 ${WORK}/resume ENV DFLOW_FAIL_AFTER_BRICKS=2 EXPECT_FAIL OUT crashed)
if(NOT crashed MATCHES "DFLOW_FAIL_AFTER_BRICKS=2: simulated failure after 2 bricks")
  message(FATAL_ERROR "the test hook did not fire:\n${crashed}")
endif()
if(EXISTS ${WORK}/resume/survey.json)
  message(FATAL_ERROR "a failed run must not write survey.json")
endif()
survey(4 ${WORK}/resume OUT resumed)
string(REGEX MATCH "skipping ([0-9]+) of 18 bricks already done" m "${resumed}")
if(NOT m OR CMAKE_MATCH_1 LESS 2 OR CMAKE_MATCH_1 GREATER 4)
  message(FATAL_ERROR "the resumed run did not skip the 2..4 finished bricks:\n${resumed}")
endif()
message(STATUS "resumed run skipped ${CMAKE_MATCH_1} bricks")
check_journal(${WORK}/resume 18)
foreach(f ${outputs})
  same_file(${WORK}/np1/${f} ${WORK}/resume/${f})
endforeach()
# Running a finished stage again redoes nothing and still writes the same outputs.
survey(1 ${WORK}/resume OUT again)
if(NOT again MATCHES "skipping 18 of 18 bricks")
  message(FATAL_ERROR "a complete run was not recognised:\n${again}")
endif()
foreach(f ${outputs})
  same_file(${WORK}/np1/${f} ${WORK}/resume/${f})
endforeach()
