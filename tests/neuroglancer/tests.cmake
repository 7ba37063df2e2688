# A precomputed grayscale volume opened in a real neuroglancer viewer (prebuilt client from npm) in
# headless Debian Chromium: the data panel must show the volume's voxels, and an all-black volume must
# be reported as "no grayscale drawn". export-grayscale's tests can run run_check.sh on their output.
set(_ng ${CMAKE_CURRENT_LIST_DIR})
set(_ng_work ${CMAKE_BINARY_DIR}/test-tmp/neuroglancer)
add_test(NAME neuroglancer_volume COMMAND ${DFLOW_PYTHON} ${_ng}/make_test_volume.py --out ${_ng_work})
set_tests_properties(neuroglancer_volume PROPERTIES FIXTURES_SETUP neuroglancer_volume LABELS "neuroglancer;golden" TIMEOUT 300)
add_test(NAME neuroglancer_draws_grayscale
         COMMAND bash ${_ng}/run_check.sh --data ${_ng_work} --source gray --expected ${_ng_work} --out ${_ng_work}/shots-gray)
add_test(NAME neuroglancer_reports_blank
         COMMAND bash ${_ng}/run_check.sh --data ${_ng_work} --source black --out ${_ng_work}/shots-black)
set_tests_properties(neuroglancer_draws_grayscale neuroglancer_reports_blank PROPERTIES
                     FIXTURES_REQUIRED neuroglancer_volume LABELS neuroglancer TIMEOUT 300 RESOURCE_LOCK chromium)
# The checker must fail on a blank panel, with its reason.
set_tests_properties(neuroglancer_reports_blank PROPERTIES PASS_REGULAR_EXPRESSION "FAILED: the data panel is nearly uniform .*: no grayscale drawn")
