# launchflow: unit tests of its pieces, and end-to-end runs under mpirun of the TEST-ONLY "selftest"
# workflow (registered only with DFLOW_ENABLE_SELFTEST=1) whose stage is selftest_stage.cpp.
set(_launch ${CMAKE_CURRENT_LIST_DIR})

add_executable(dflow-selftest-stage ${_launch}/selftest_stage.cpp)
target_link_libraries(dflow-selftest-stage PRIVATE dflow_config MPI::MPI_CXX)

dflow_test(test_launch_units SOURCES ${_launch}/test_launch_units.cpp DEPS dflow_launch)

# The stage binary lands next to launchflow (bin/), where launchflow looks for stages.
dflow_test(test_launchflow SOURCES ${_launch}/test_launchflow.cpp DEPS dflow_launch dflow_config)
add_dependencies(test_launchflow launchflow dflow-selftest-stage)
set_tests_properties(test_launchflow PROPERTIES TIMEOUT 300 LABELS mpi
  ENVIRONMENT "DFLOW_LAUNCHFLOW=$<TARGET_FILE:launchflow>;DFLOW_ENABLE_SELFTEST=1;DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")

dflow_test(test_cluster_units SOURCES ${_launch}/test_cluster_units.cpp DEPS dflow_launch dflow_config)

# launchflow as on a cluster (test_cluster.cpp): two hosts inside an LSF job through a stand-in
# blaunch, and jobs stopped mid-stage then resumed; runs survey-volume on the example volume.
dflow_test(test_cluster SOURCES ${_launch}/test_cluster.cpp DEPS dflow_launch)
add_dependencies(test_cluster launchflow survey-volume make-example)
set_tests_properties(test_cluster PROPERTIES TIMEOUT 600 LABELS mpi PROCESSORS 2
  ENVIRONMENT "DFLOW_LAUNCHFLOW=$<TARGET_FILE:launchflow>;DFLOW_MAKE_EXAMPLE=$<TARGET_FILE:make-example>;DFLOW_BLAUNCH_STANDIN=${_launch}/blaunch-standin.sh;DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")

# A stage under a real Slurm controller and node started by the test (slurm_submit.sh): sbatch via
# launchflow --submit, the walltime warning and resume, more ranks than slots. Needs root.
set(DFLOW_TEST_SLURM_PORT 18930 CACHE STRING "slurmctld port of the test cluster (slurmd: +1)")
add_test(NAME slurm_submit
         COMMAND bash ${_launch}/slurm_submit.sh ${CMAKE_BINARY_DIR}/test-tmp/slurm-submit ${CMAKE_BINARY_DIR}/bin
                 ${DFLOW_TEST_SLURM_PORT} ${PROJECT_SOURCE_DIR}/scripts/slurm-local.sh)
set_tests_properties(slurm_submit PROPERTIES LABELS "mpi;slurm" TIMEOUT 300 PROCESSORS 2 RUN_SERIAL TRUE)

# report.html opened in headless Chromium: what Chart.js drew must match the journal (report_check.sh).
add_test(NAME launchflow_report_chart COMMAND bash ${_launch}/report_check.sh ${CMAKE_BINARY_DIR}/test-tmp/report-check ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(launchflow_report_chart PROPERTIES LABELS "mpi;neuroglancer" TIMEOUT 300 PROCESSORS 2 RESOURCE_LOCK chromium)

# Secrets stay secret: secrets planted in the environment and the config, dvid-setup run through
# launchflow against the real DVID (succeeding, failing, resumed); none may be found in the
# execution directories or on the terminal.
dflow_dvid_test(test_secrets_launchflow SOURCES ${_launch}/test_secrets_launchflow.cpp DEPS dflow_launch dflow_dvid dflow_config)
add_dependencies(test_secrets_launchflow launchflow dvid-setup)
set_tests_properties(test_secrets_launchflow PROPERTIES TIMEOUT 300 LABELS "dvid;mpi"
  ENVIRONMENT "DFLOW_DVID_URL=http://127.0.0.1:${DFLOW_TEST_DVID_PORT};DFLOW_DVID_DIR=${DFLOW_TEST_DVID_DIR};DFLOW_LAUNCHFLOW=$<TARGET_FILE:launchflow>;DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")

# A stage failing on bad input under mpirun: our one ERROR line and the summary, none of Open MPI's
# noise after it (test_stage_failure.cpp).
dflow_test(test_stage_failure SOURCES ${_launch}/test_stage_failure.cpp DEPS dflow_core)
add_dependencies(test_stage_failure launchflow survey-volume)
set_tests_properties(test_stage_failure PROPERTIES TIMEOUT 300 LABELS mpi PROCESSORS 2
  ENVIRONMENT "DFLOW_LAUNCHFLOW=$<TARGET_FILE:launchflow>;DFLOW_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp")
