# export-grayscale: unit tests of its pieces; end-to-end runs on the embedded example through
# launchflow and mpirun; then readers we did not write (tensorstore, cloud-volume, Pillow, DVID's
# GET /raw) check what the runs wrote. WORK is shared, so the runs are chained with fixtures.
set(_eg ${CMAKE_CURRENT_LIST_DIR})
set(_eg_work ${CMAKE_BINARY_DIR}/test-tmp/export-grayscale)
set(_eg_n5 ${_eg_work}/example/example.n5)

dflow_test(test_export_plan SOURCES ${_eg}/test_export_plan.cpp DEPS dflow_export LABELS unit)

add_test(NAME export_grayscale_example COMMAND $<TARGET_FILE:make-example> --output ${_eg_work}/example)
set_tests_properties(export_grayscale_example PROPERTIES FIXTURES_SETUP export_gray_example TIMEOUT 300 LABELS export)

set(_eg_run ${CMAKE_COMMAND} -DLAUNCHFLOW=$<TARGET_FILE:launchflow> -DSTAGE=$<TARGET_FILE:export-grayscale>
    -DMPIRUN=${MPIEXEC_EXECUTABLE} -DMAKE_EXAMPLE=$<TARGET_FILE:make-example> -DWORK=${_eg_work})
foreach(part precomputed ranks resume errors)
  add_test(NAME export_grayscale_${part} COMMAND ${_eg_run} -DPART=${part} -P ${_eg}/export_grayscale_runs.cmake)
  set_tests_properties(export_grayscale_${part} PROPERTIES FIXTURES_REQUIRED export_gray_example
                       LABELS "export;mpi" TIMEOUT 900 PROCESSORS 2)
endforeach()
set_tests_properties(export_grayscale_precomputed PROPERTIES FIXTURES_SETUP export_gray_precomputed)

# The outputs of export_grayscale_precomputed, read by tensorstore 0.1.86 and cloud-volume 12.15.2.
set(_eg_check ${DFLOW_PYTHON} ${_eg}/check_export_grayscale.py --n5 ${_eg_n5} --dataset grayscale/s0)
add_test(NAME export_grayscale_check_raw COMMAND ${_eg_check} --output ${_eg_work}/out-raw --max-scale 5)
add_test(NAME export_grayscale_check_jpeg
         COMMAND ${_eg_check} --output ${_eg_work}/out-jpeg --max-scale 5 --box 3,10,5,301,250,231 --min-psnr 30)
add_test(NAME export_grayscale_check_sharded COMMAND ${_eg_check} --output ${_eg_work}/out-sharded --max-scale 4 --min-psnr 30)
foreach(t raw jpeg sharded)
  set_tests_properties(export_grayscale_check_${t} PROPERTIES FIXTURES_REQUIRED "export_gray_example;export_gray_precomputed"
                       LABELS "export;golden" TIMEOUT 600)
endforeach()

# DVID: the stage writes uint8blk instances into the real server; DVID's GET /raw must return them.
# (tests/integration/tests.cmake starts the server there; fragments are included alphabetically.)
if(NOT DEFINED DFLOW_TEST_DVID_DIR)
  set(DFLOW_TEST_DVID_DIR ${CMAKE_BINARY_DIR}/test-dvid)
endif()
add_test(NAME export_grayscale_dvid
         COMMAND ${_eg_run} -DDVID_URL=http://127.0.0.1:${DFLOW_TEST_DVID_PORT} -DDVID_DIR=${DFLOW_TEST_DVID_DIR}
                 -P ${_eg}/export_grayscale_dvid.cmake)
set_tests_properties(export_grayscale_dvid PROPERTIES FIXTURES_REQUIRED "dvid_server;export_gray_example"
                     FIXTURES_SETUP export_gray_dvid LABELS "export;dvid;mpi" TIMEOUT 900 PROCESSORS 2)
set(_eg_dvid_check ${DFLOW_PYTHON} ${_eg}/check_export_dvid.py --n5 ${_eg_n5} --dataset grayscale/s0
    --server http://127.0.0.1:${DFLOW_TEST_DVID_PORT} --uuid @${_eg_work}/dvid-uuid --max-scale 3)
add_test(NAME export_grayscale_check_dvid COMMAND ${_eg_dvid_check} --name grayscale)
add_test(NAME export_grayscale_check_dvid_box COMMAND ${_eg_dvid_check} --name gray-box --box 3,10,5,301,250,231)
add_test(NAME export_grayscale_check_dvid_jpeg
         COMMAND ${DFLOW_PYTHON} ${_eg}/check_export_dvid.py --n5 ${_eg_n5} --dataset grayscale/s0
                 --server http://127.0.0.1:${DFLOW_TEST_DVID_PORT} --uuid @${_eg_work}/dvid-uuid --max-scale 1
                 --name gray-jpeg --min-psnr 30)
foreach(t dvid dvid_box dvid_jpeg)
  set_tests_properties(export_grayscale_check_${t} PROPERTIES FIXTURES_REQUIRED "dvid_server;export_gray_example;export_gray_dvid"
                       LABELS "export;dvid;golden" TIMEOUT 600)
endforeach()
