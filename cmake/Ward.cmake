# Build helpers: every component is a static library with its tests and fuzzers beside it.
#
#   ward_library(NAME SOURCES ... DEPS ...)      static library `NAME`, include root is src/
#   ward_tests(NAME n SOURCES ... DEPS ...)      unit-test binary test_<n> (GoogleTest), run by ctest
#   ward_fuzzer(NAME SOURCE file DEPS ... CORPUS dir)
#       libFuzzer target when WARD_LIBFUZZER, else a replay binary; either way ctest replays
#       the seed corpus (`fuzz_replay.NAME`).

add_library(ward_options INTERFACE)
target_include_directories(ward_options INTERFACE ${PROJECT_SOURCE_DIR}/src)
target_compile_options(ward_options INTERFACE -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_options(ward_options INTERFACE -Wthread-safety)
endif()
if(WARD_SANITIZE)
  string(REPLACE ";" "," _san "${WARD_SANITIZE}")
  target_compile_options(ward_options INTERFACE -fsanitize=${_san} -fno-omit-frame-pointer
                         -fno-sanitize-recover=undefined)
  target_link_options(ward_options INTERFACE -fsanitize=${_san})
endif()
if(WARD_LIBFUZZER)
  # Coverage instrumentation for every library, so libFuzzer sees the parsers' edges; only the
  # fuzz targets themselves link the libFuzzer runtime (see ward_fuzzer).
  target_compile_options(ward_options INTERFACE -fsanitize=fuzzer-no-link)
endif()
if(WARD_OPT_DEBUG)
  target_compile_options(ward_options INTERFACE -O1)
endif()
if(WARD_COVERAGE)
  target_compile_options(ward_options INTERFACE --coverage)
  target_link_options(ward_options INTERFACE --coverage)
endif()
if(CMAKE_BUILD_TYPE STREQUAL "Debug")
  target_compile_definitions(ward_options INTERFACE WARD_DEBUG=1)
endif()


function(ward_library name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  target_link_libraries(${name} PUBLIC ward_options ${A_DEPS})
endfunction()

function(ward_tests)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(test_${A_NAME} ${A_SOURCES})
  target_link_libraries(test_${A_NAME} PRIVATE ward_options ${A_DEPS} GTest::gtest GTest::gmock
                        GTest::gtest_main)
  target_compile_definitions(test_${A_NAME} PRIVATE
    WARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    WARD_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data"
    WARD_BINARY_DIR="${PROJECT_BINARY_DIR}")
  set_target_properties(test_${A_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  gtest_discover_tests(test_${A_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "unit")
endfunction()

function(ward_fuzzer name)
  cmake_parse_arguments(A "" "SOURCE;CORPUS" "DEPS" ${ARGN})
  if(WARD_LIBFUZZER)
    add_executable(${name} ${A_SOURCE})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(${name} ${A_SOURCE} ${PROJECT_SOURCE_DIR}/src/common/fuzz_replay_main.cc)
  endif()
  target_link_libraries(${name} PRIVATE ward_options ${A_DEPS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  if(A_CORPUS)
    # With libFuzzer, -runs=0 replays the corpus once instead of fuzzing (and writing) into it.
    set(_replay_args "")
    if(WARD_LIBFUZZER)
      set(_replay_args -runs=0)
    endif()
    add_test(NAME fuzz_replay.${name}
             COMMAND ${name} ${_replay_args} ${CMAKE_CURRENT_SOURCE_DIR}/${A_CORPUS})
    set_tests_properties(fuzz_replay.${name} PROPERTIES LABELS "fuzz" TIMEOUT 600)
  endif()
endfunction()
