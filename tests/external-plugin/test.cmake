# Registered from tests/CMakeLists.txt (this folder's CMakeLists.txt is the
# stand-alone plugin project).
add_test(NAME install.external-plugin
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/external-plugin/run-test.sh
                 ${CMAKE_BINARY_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/external-plugin)
set_tests_properties(install.external-plugin PROPERTIES LABELS install
                     TIMEOUT 600 RUN_SERIAL TRUE)
