# Workflow configuration: the schema language, the volume and base schemas, the workflow registry.
dflow_test(test_config_schema SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_schema.cpp DEPS dflow_config)
dflow_test(test_config_workflows SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_workflows.cpp DEPS dflow_config)
