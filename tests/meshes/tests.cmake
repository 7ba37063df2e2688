# sv-meshes and body-meshes (lib/meshes), tar archives (lib/archive), DVID tarsupervoxels and keyvalue
# (lib/dvid): unit tests against Python's tarfile, client tests and stage runs against the REAL DVID.
set(_msh ${CMAKE_CURRENT_LIST_DIR})
dflow_test(test_tar SOURCES ${_msh}/test_tar.cpp DEPS dflow_archive nlohmann_json::nlohmann_json)
target_compile_definitions(test_tar PRIVATE DFLOW_TESTS_MESHES_DIR="${_msh}")
set_tests_properties(test_tar PROPERTIES ENVIRONMENT "DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp;DFLOW_PYTHON=${DFLOW_PYTHON}" LABELS meshes)
list(APPEND DFLOW_SANITIZE_TESTS test_tar)  # a parser of server bytes: also under ASan+UBSan

add_executable(test_sv_meshes_e2e ${_msh}/test_sv_meshes_e2e.cpp)
target_link_libraries(test_sv_meshes_e2e PRIVATE dflow_meshes dflow_example dflow_dvid dflow_ops dflow_labelindex dflow_catch_main
                      nlohmann_json::nlohmann_json)
target_compile_definitions(test_sv_meshes_e2e PRIVATE DFLOW_TESTS_MESHES_DIR="${_msh}")
add_dependencies(test_sv_meshes_e2e sv-meshes body-meshes ingest-supervoxels ingest-label-indexes)
set(_msh_env
  "DFLOW_DVID_URL=http://127.0.0.1:${DFLOW_TEST_DVID_PORT}"
  "DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp"
  "DFLOW_MPIEXEC=${MPIEXEC_EXECUTABLE}"
  "DFLOW_PYTHON=${DFLOW_PYTHON}"
  "DFLOW_SV_MESHES_EXE=$<TARGET_FILE:sv-meshes>"
  "DFLOW_BODY_MESHES_EXE=$<TARGET_FILE:body-meshes>"
  "DFLOW_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
  "DFLOW_INGEST_EXE=$<TARGET_FILE:ingest-supervoxels>"
  "DFLOW_LABEL_INDEX_EXE=$<TARGET_FILE:ingest-label-indexes>")
foreach(tag ranks resume dvid errors bodies)
  add_test(NAME sv_meshes_${tag} COMMAND test_sv_meshes_e2e "[${tag}]")
  set_tests_properties(sv_meshes_${tag} PROPERTIES FIXTURES_REQUIRED dvid_server ENVIRONMENT "${_msh_env}"
                       LABELS "dvid;mpi;meshes" TIMEOUT 600 PROCESSORS 2)
endforeach()
# The body-mesh test also drives headless Chromium (tests/neuroglancer's prebuilt viewer).
set_tests_properties(sv_meshes_bodies PROPERTIES LABELS "dvid;mpi;meshes;neuroglancer" RESOURCE_LOCK chromium)
dflow_dvid_test(test_mesh_stores_dvid SOURCES ${_msh}/test_mesh_stores_dvid.cpp DEPS dflow_dvid dflow_archive)
set_tests_properties(test_mesh_stores_dvid PROPERTIES LABELS "dvid;meshes")

# Piece exchange under mpirun at 1, 2 and 4 ranks (tests/mpi's Catch main: every rank runs every case).
add_executable(test_piece_exchange ${_msh}/test_piece_exchange.cpp ${PROJECT_SOURCE_DIR}/tests/mpi/mpi_catch_main.cpp)
target_link_libraries(test_piece_exchange PRIVATE dflow_meshes dflow_mpi Catch2::Catch2)
target_include_directories(test_piece_exchange PRIVATE ${PROJECT_SOURCE_DIR}/tests)
foreach(np 1 2 4)
  add_test(NAME test_piece_exchange_np${np}
           COMMAND ${MPIEXEC_EXECUTABLE} --allow-run-as-root --oversubscribe ${MPIEXEC_NUMPROC_FLAG} ${np} $<TARGET_FILE:test_piece_exchange>)
  set_tests_properties(test_piece_exchange_np${np} PROPERTIES LABELS "mpi;meshes" TIMEOUT 120 PROCESSORS ${np})
endforeach()
