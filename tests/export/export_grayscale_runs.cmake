# End-to-end runs of export-grayscale on the embedded example (cmake -P script, run by ctest).
#   -DLAUNCHFLOW=<exe> -DSTAGE=<export-grayscale exe> -DMPIRUN=<mpiexec> -DMAKE_EXAMPLE=<exe> -DWORK=<dir>
#   -DPART=precomputed|ranks|resume|errors
# precomputed: launchflow -n 2 writes WORK/out-raw, out-jpeg (bounding box at an odd offset) and
#              out-sharded (jpeg, 16^3 chunks: several minishards), which the python checkers read;
# ranks:       raw and sharded raw outputs at -n 1 and -n 4 (--oversubscribe) are identical files;
# resume:      a run killed by DFLOW_FAIL_AFTER_BRICKS and resumed writes the same files;
# errors:      a non-uint8 source, a bounding box outside the source, an unwritable output and an
#              existing output with a different info each fail with ONE error line naming the path;
#              a sharded output fits 16 MiB per rank, units too large for it are refused with the minimum.
cmake_minimum_required(VERSION 3.25)

include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/RunChecks.cmake)

# launchflow -n N TEMPLATE; sets <out_var> to the log.
function(launch np dir out_var)
  run_checked(COMMAND ${LAUNCHFLOW} -n ${np} ${dir} OUT log)
  if(NOT log MATCHES "export-grayscale: done in")
    message(FATAL_ERROR "launchflow -n ${np} ${dir}: no completion line:\n${log}")
  endif()
  set(${out_var} "${log}" PARENT_SCOPE)
endfunction()

set(N5 ${WORK}/example/example.n5)
function(export_yaml out_var dataset box output max memory)
  set(${out_var} "workflow-name: export-grayscale
input:
  n5: {path: ${N5}, dataset: ${dataset}}
  geometry: {bounding-box: ${box}}
output:
  precomputed: ${output}
export-grayscale: {max-pyramid-scale: ${max}, memory-per-rank-mib: ${memory}}
" PARENT_SCOPE)
endfunction()
set(ALL "[[-1,-1,-1],[-1,-1,-1]]")

if(NOT EXISTS ${N5})
  run_checked(COMMAND ${MAKE_EXAMPLE} --output ${WORK}/example)
endif()

if(PART STREQUAL "precomputed")
  # 16 MiB per rank: pass 0 carries scales 0..1 in 128^3 bricks (18 bricks), later passes the rest.
  export_yaml(y grayscale/s0 ${ALL} "{path: ${WORK}/out-raw, encoding: raw}" 5 16)
  write_template(${WORK}/tmpl-raw "${y}")
  file(REMOVE_RECURSE ${WORK}/out-raw)
  run_checked(COMMAND ${LAUNCHFLOW} -n 2 --dry-run ${WORK}/tmpl-raw OUT dry)
  launch(2 ${WORK}/tmpl-raw log)
  if(NOT log MATCHES "pass 0: reads the source at scale 0, writes scales 0..1; bricks of \\[128,128,128\\] at scale 0: 18"
     OR NOT log MATCHES "estimated memory per rank: [0-9.]+ MiB \\(budget 16.0 MiB\\)")
    message(FATAL_ERROR "unexpected plan:\n${log}")
  endif()
  # The stage's own dry run plans without writing.
  string(REGEX MATCH "Working dir: ([^\n]+)" m "${log}")
  set(exec ${CMAKE_MATCH_1})
  run_checked(COMMAND ${MPIRUN} --allow-run-as-root --oversubscribe -n 2 ${STAGE} --config ${exec}/full-workflow-config.yaml
                      --exec-dir ${WORK}/dry --dry-run OUT dry)
  if(NOT dry MATCHES "dry run, nothing is read or written" OR EXISTS ${WORK}/dry/export-grayscale.json
     OR NOT dry MATCHES "output scale 0: [^\n]* voxels, [1-9][0-9]* units of \\[[0-9,]+\\] \\([0-9.]+ [KMG]?i?B raw\\)")
    message(FATAL_ERROR "unexpected dry run:\n${dry}")
  endif()
  file(READ ${exec}/export-grayscale.json summary)
  string(JSON chunks0 GET "${summary}" scales 0 objects)
  if(NOT chunks0 EQUAL 120)
    message(FATAL_ERROR "summary: ${chunks0} chunks at scale 0, expected 6*5*4 = 120")
  endif()

  # JPEG over a box starting at odd coordinates (its level grids do not nest: one level per pass).
  export_yaml(y grayscale/s0 "[[3,10,5],[301,250,231]]" "{path: ${WORK}/out-jpeg, encoding: jpeg}" 5 64)
  write_template(${WORK}/tmpl-jpeg "${y}")
  file(REMOVE_RECURSE ${WORK}/out-jpeg)
  launch(2 ${WORK}/tmpl-jpeg log)

  # Sharded JPEG in 16^3 chunks: 6384 chunks at scale 0 in 4 shards of 16^3 chunks, 2 minishards each.
  export_yaml(y grayscale/s0 ${ALL} "{path: ${WORK}/out-sharded, encoding: jpeg, chunk-size: [16,16,16], sharded: true, shard-bytes: 20000000}" 4 64)
  write_template(${WORK}/tmpl-sharded "${y}")
  file(REMOVE_RECURSE ${WORK}/out-sharded)
  launch(2 ${WORK}/tmpl-sharded log)
  file(READ ${WORK}/out-sharded/info info)
  string(JSON mb GET "${info}" scales 0 sharding minishard_bits)
  file(GLOB shards ${WORK}/out-sharded/8_8_8/*.shard)
  list(LENGTH shards nshards)
  if(mb LESS 1 OR nshards LESS 2)
    message(FATAL_ERROR "out-sharded: scale 0 has minishard_bits ${mb} and ${nshards} shards; the test wants several of each")
  endif()

elseif(PART STREQUAL "ranks")
  foreach(kind raw sharded)
    if(kind STREQUAL "raw")
      set(out "encoding: raw")
    else()
      set(out "encoding: raw, sharded: true, shard-bytes: 2000000")
    endif()
    foreach(np 1 4)
      export_yaml(y grayscale/s0 ${ALL} "{path: ${WORK}/ranks-${kind}-np${np}, ${out}}" 4 16)
      write_template(${WORK}/tmpl-ranks-${kind}-np${np} "${y}")
      file(REMOVE_RECURSE ${WORK}/ranks-${kind}-np${np})
      launch(${np} ${WORK}/tmpl-ranks-${kind}-np${np} log)
    endforeach()
    same_tree(${WORK}/ranks-${kind}-np1 ${WORK}/ranks-${kind}-np4)
  endforeach()

elseif(PART STREQUAL "resume")
  # JPEG: the resumed run also needs the staging copy of the finished passes.
  export_yaml(y grayscale/s0 ${ALL} "{path: OUT, encoding: jpeg}" 4 16)
  foreach(d once resume)
    file(REMOVE_RECURSE ${WORK}/resume-${d})
    file(MAKE_DIRECTORY ${WORK}/resume-${d})
    string(REPLACE "OUT" "${WORK}/resume-${d}/out" yd "${y}")
    file(WRITE ${WORK}/resume-${d}/workflow.yaml "${yd}")
  endforeach()
  set(cmd ${MPIRUN} --allow-run-as-root --oversubscribe -n 2 ${STAGE})
  run_checked(COMMAND ${cmd} --config ${WORK}/resume-once/workflow.yaml)
  run_checked(COMMAND ${cmd} --config ${WORK}/resume-resume/workflow.yaml ENV DFLOW_FAIL_AFTER_BRICKS=3 EXPECT_FAIL OUT crashed)
  if(NOT crashed MATCHES "DFLOW_FAIL_AFTER_BRICKS=3")
    message(FATAL_ERROR "the test hook did not fire:\n${crashed}")
  endif()
  run_checked(COMMAND ${cmd} --config ${WORK}/resume-resume/workflow.yaml OUT resumed)
  if(NOT resumed MATCHES "skipping [1-9][0-9]* of 18 bricks already done")
    message(FATAL_ERROR "the resumed run skipped nothing:\n${resumed}")
  endif()
  if(EXISTS ${WORK}/resume-resume/export-grayscale-staging)
    message(FATAL_ERROR "the staging copy was not removed after the run")
  endif()
  same_tree(${WORK}/resume-once/out ${WORK}/resume-resume/out)

elseif(PART STREQUAL "errors")
  file(REMOVE_RECURSE ${WORK}/errors)
  file(MAKE_DIRECTORY ${WORK}/errors)
  file(WRITE ${WORK}/errors/a-file "not a directory")
  # An existing output whose info differs (another box).
  export_yaml(y grayscale/s0 "[[0,0,0],[128,128,128]]" "{path: ${WORK}/errors/existing, encoding: raw}" 1 16)
  file(WRITE ${WORK}/errors/setup.yaml "${y}")
  run_checked(COMMAND ${MPIRUN} --allow-run-as-root -n 1 ${STAGE} --config ${WORK}/errors/setup.yaml)

  # The stage at 2 ranks fails on `yaml` with one error line matching `expected` (ARGN: more arguments).
  function(stage_fails name yaml expected)
    file(WRITE ${WORK}/errors/${name}.yaml "${yaml}")
    run_checked(COMMAND ${MPIRUN} --allow-run-as-root --oversubscribe -n 2 ${STAGE} --config ${WORK}/errors/${name}.yaml
                        ${ARGN} EXPECT_FAIL OUT log)
    check_one_error(${name} "${log}" "${expected}")
  endfunction()
  function(error_case name dataset box path expected)
    export_yaml(y ${dataset} "${box}" "{path: ${path}, encoding: raw}" 1 16)
    stage_fails(${name} "${y}" "${expected}")
  endfunction()
  error_case(dtype segmentation/s0 "${ALL}" ${WORK}/errors/out-dtype
             "n5:${N5}/segmentation/s0: data type is uint64; export-grayscale needs uint8 grayscale")
  error_case(box grayscale/s0 "[[0,0,0],[400,290,256]]" ${WORK}/errors/out-box
             "n5:${N5}/grayscale/s0: geometry.bounding-box ..0,0,0.,.400,290,256.. is not inside the stored volume")
  error_case(unwritable grayscale/s0 "${ALL}" ${WORK}/errors/a-file/out
             "${WORK}/errors/a-file/out: cannot create directory: Not a directory")
  error_case(existing grayscale/s0 "[[0,0,0],[128,128,120]]" ${WORK}/errors/existing
             "${WORK}/errors/existing/info: an existing output with a different info .scales.0..size.2.: 120 in this export, 128 in the existing info.")
  if(EXISTS ${WORK}/errors/out-dtype OR EXISTS ${WORK}/errors/out-box)
    message(FATAL_ERROR "a failed input check must not create the output")
  endif()

  # memory-per-rank-mib: a sharded output whose shard size follows the budget (shard-bytes -1) gets
  # shards small enough for the plan to fit 16 MiB; units that cannot fit are refused with one line
  # naming the smallest budget that does.
  export_yaml(y grayscale/s0 "${ALL}" "{path: ${WORK}/errors/out-fits, encoding: jpeg, sharded: true}" 4 16)
  file(WRITE ${WORK}/errors/fits.yaml "${y}")
  run_checked(COMMAND ${MPIRUN} --allow-run-as-root --oversubscribe -n 2 ${STAGE} --config ${WORK}/errors/fits.yaml --dry-run
              OUT log)
  if(NOT log MATCHES "estimated memory per rank: ([0-9.]+) MiB \\(budget 16.0 MiB\\)" OR CMAKE_MATCH_1 GREATER 16)
    message(FATAL_ERROR "fits: the sharded plan's estimate is not within its 16 MiB budget:\n${log}")
  endif()
  message(STATUS "fits: estimated memory per rank ${CMAKE_MATCH_1} MiB (budget 16 MiB)")
  function(budget_case name output expected)
    export_yaml(y grayscale/s0 "${ALL}" "${output}" 1 16)
    stage_fails(${name} "${y}" "${expected}" --dry-run)
  endfunction()
  budget_case(budget-shards "{path: ${WORK}/errors/out-shards, encoding: jpeg, sharded: true, shard-bytes: 100000000}"
              "export-grayscale: memory-per-rank-mib 16 is below what one brick of this output needs: bricks of .512,512,256. voxels .whole shards. at scale 0 take ~[0-9]+ MiB per rank; set export-grayscale.memory-per-rank-mib to at least [0-9]+ or lower output.precomputed.shard-bytes")
  budget_case(budget-chunks "{path: ${WORK}/errors/out-chunks, encoding: raw, chunk-size: [256,256,256]}"
              "memory-per-rank-mib 16 is below .*.whole chunks.* set export-grayscale.memory-per-rank-mib to at least [0-9]+ or use a smaller chunk-size")
else()
  message(FATAL_ERROR "unknown PART ${PART}")
endif()
