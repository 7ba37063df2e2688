# export-grayscale into the real DVID (cmake -P script, run by ctest with the dvid_server fixture).
#   -DLAUNCHFLOW=<exe> -DSTAGE=<exe> -DMPIRUN=<mpiexec> -DWORK=<dir> -DDVID_URL=<url> -DDVID_DIR=<server dir>
# 1. a new repo; launchflow -n 2 creates uint8blk instances grayscale, grayscale_1..3 and fills them
#    (the python checker then reads them back through GET /raw);
# 2. the same into lz4 instances gray-box_* over a box at odd coordinates, and into jpeg-compressed
#    instances gray-jpeg, gray-jpeg_1;
# 3. a missing instance without create-if-necessary fails with one error line naming it.
# The repo UUID is left in WORK/dvid-uuid for the checker.
cmake_minimum_required(VERSION 3.25)

include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/RunChecks.cmake)

file(READ ${DVID_DIR}/admin-token token)
string(STRIP "${token}" token)
run_checked(COMMAND curl -sS -f -X POST "${DVID_URL}/api/repos?admintoken=${token}"
                    -d "{\"alias\":\"export-grayscale-test\",\"description\":\"export-grayscale ctest\"}" OUT body)
string(JSON uuid GET "${body}" root)
file(WRITE ${WORK}/dvid-uuid "${uuid}")

function(dvid_yaml out_var box name create compression max)
  set(${out_var} "workflow-name: export-grayscale
input:
  n5: {path: ${WORK}/example/example.n5, dataset: grayscale/s0}
  geometry: {bounding-box: ${box}}
output:
  dvid:
    server: ${DVID_URL}
    uuid: ${uuid}
    grayscale-name: ${name}
    create-if-necessary: ${create}
    creation-settings: {compression: ${compression}}
export-grayscale: {max-pyramid-scale: ${max}, memory-per-rank-mib: 16}
" PARENT_SCOPE)
endfunction()

function(launch name yaml)
  file(REMOVE_RECURSE ${WORK}/tmpl-${name})
  file(MAKE_DIRECTORY ${WORK}/tmpl-${name})
  file(WRITE ${WORK}/tmpl-${name}/workflow.yaml "${yaml}")
  run_checked(COMMAND ${LAUNCHFLOW} -n 2 ${WORK}/tmpl-${name} OUT log)
  if(NOT log MATCHES "export-grayscale: done in")
    message(FATAL_ERROR "${name}: no completion line:\n${log}")
  endif()
endfunction()

dvid_yaml(y "[[-1,-1,-1],[-1,-1,-1]]" grayscale true none 3)
launch(dvid "${y}")
dvid_yaml(y "[[3,10,5],[301,250,231]]" gray-box true lz4 3)
launch(dvid-box "${y}")
dvid_yaml(y "[[-1,-1,-1],[-1,-1,-1]]" gray-jpeg true jpeg 1)
launch(dvid-jpeg "${y}")

dvid_yaml(y "[[-1,-1,-1],[-1,-1,-1]]" missing false none 1)
file(WRITE ${WORK}/dvid-missing.yaml "${y}")
run_checked(COMMAND ${MPIRUN} --allow-run-as-root --oversubscribe -n 2 ${STAGE} --config ${WORK}/dvid-missing.yaml
            EXPECT_FAIL OUT log)
check_one_error("missing instance" "${log}" "instance \"missing\": does not exist")
