# lib/mesh: marching cubes, stitching, smoothing, simplification and encodings (issue 8's quality
# checks), then independent readers (numpy, DracoPy, networkx) over meshes the library wrote.
set(_mesh ${CMAKE_CURRENT_LIST_DIR})
dflow_test(test_mesh SOURCES ${_mesh}/test_marching_cubes.cpp ${_mesh}/test_simplify.cpp ${_mesh}/test_encode.cpp ${_mesh}/write_check_data.cpp DEPS dflow_mesh dflow_example LABELS "unit;mesh")

# Meshes of example supervoxels (2x2x2 bricks, raw and smoothed+simplified, drc/ngmesh/obj) checked
# by numpy and DracoPy 2.2.0 from the venv against the voxels.
set(_mesh_data ${CMAKE_BINARY_DIR}/test-tmp/mesh-check)
add_test(NAME mesh_write_check_data COMMAND test_mesh "[.write]")
set_tests_properties(mesh_write_check_data PROPERTIES ENVIRONMENT "DFLOW_MESH_CHECK_DIR=${_mesh_data}"
                     FIXTURES_SETUP mesh_check_data LABELS mesh TIMEOUT 120)
add_test(NAME mesh_check_readers COMMAND ${DFLOW_PYTHON} ${_mesh}/check_meshes.py ${_mesh_data})
set_tests_properties(mesh_check_readers PROPERTIES FIXTURES_REQUIRED mesh_check_data LABELS "mesh;golden" TIMEOUT 300)

# The mesh decoders (obj/ngmesh/drc) and their fuzz tests also run under ASan + UBSan.
list(APPEND DFLOW_SANITIZE_TESTS test_mesh)
