# lib/mesh: marching cubes, stitching, smoothing, simplification and encodings (issue 8's quality
# checks), then independent readers (numpy, DracoPy, networkx) over meshes the library wrote.
set(_mesh ${CMAKE_CURRENT_LIST_DIR})
dflow_test(test_mesh SOURCES ${_mesh}/test_marching_cubes.cpp DEPS dflow_mesh dflow_example LABELS "unit;mesh")
