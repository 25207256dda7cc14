# One options target carries warnings and sanitizers for every module.
option(QUANZU_WERROR "Treat warnings as errors" OFF)
set(QUANZU_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined or thread")

add_library(quanzu_options INTERFACE)
target_compile_options(quanzu_options INTERFACE -Wall -Wextra -Wpedantic)
target_include_directories(quanzu_options INTERFACE ${PROJECT_SOURCE_DIR}/src)
if(QUANZU_WERROR)
  target_compile_options(quanzu_options INTERFACE -Werror)
endif()
if(QUANZU_SANITIZE)
  target_compile_options(quanzu_options INTERFACE -fsanitize=${QUANZU_SANITIZE} -fno-omit-frame-pointer)
  target_link_options(quanzu_options INTERFACE -fsanitize=${QUANZU_SANITIZE})
endif()

# quanzu_add_test(NAME name SOURCES a_test.cc ... LIBS lib ...)
function(quanzu_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE quanzu_options ${T_LIBS} GTest::gtest_main)
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60
                       PROPERTIES ENVIRONMENT "QUANZU_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
