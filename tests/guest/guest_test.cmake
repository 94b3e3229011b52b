# jitpc_add_guest_test(NAME <name> [MODE protected|real] SOURCES <files...>
#                      [DEPENDS <files...>]):
# build <name>.elf as a Multiboot v1 kernel (lib/crt0.S + lib/guest.c +
# SOURCES, linked by lib/guest.ld) and register the CTest test guest/<name>,
# which runs it in jitpc through jitpc-guest-runner. The first source carries
# the expectation header (README.md). MODE selects the assembly check
# framework (lib/check.h): protected adds lib/pm.S (flat 32-bit protected
# mode, own GDT and IDT), real adds lib/rm.S (switch to real mode first); both
# add lib/check.S and lib/gdt.S and define CHECK_MODE (32 or 16), so one
# source can be built for both modes. DEPENDS names files the sources include
# (every file in lib/ is a dependency already). Tests named in
# known_failures.txt are registered DISABLED.

set(JITPC_GUEST_LIB ${CMAKE_CURRENT_LIST_DIR}/lib)

# Guest flags are spelled out here and never come from CMAKE_C_FLAGS or
# add_compile_options: the host build may be ASan/UBSan-instrumented, and a
# guest has no sanitizer runtime (nor any runtime). -march=i686: the guest CPU
# is P6-class; -lgcc: 64-bit division helpers for tests that need them.
set(JITPC_GUEST_FLAGS
  -m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-builtin
  -fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections
  -O2 -Wall -Wextra -I${JITPC_GUEST_LIB}
  -nostdlib -static -no-pie
  -Wl,-T,${JITPC_GUEST_LIB}/guest.ld -Wl,--build-id=none -Wl,--gc-sections
  -Wl,-z,max-page-size=0x1000)
if(JITPC_WERROR)
  list(APPEND JITPC_GUEST_FLAGS -Werror)
endif()
set(JITPC_GUEST_RUNTIME ${JITPC_GUEST_LIB}/crt0.S ${JITPC_GUEST_LIB}/guest.c)
# Every guest is rebuilt when anything in lib/ changes (including the headers
# and .inc files that assembly sources include).
file(GLOB JITPC_GUEST_RUNTIME_DEPS CONFIGURE_DEPENDS ${JITPC_GUEST_LIB}/*)
set(JITPC_GUEST_MODE_SOURCES ${JITPC_GUEST_LIB}/check.S ${JITPC_GUEST_LIB}/gdt.S)
set(JITPC_GUEST_MODE_protected ${JITPC_GUEST_MODE_SOURCES} ${JITPC_GUEST_LIB}/pm.S)
set(JITPC_GUEST_MODE_real ${JITPC_GUEST_MODE_SOURCES} ${JITPC_GUEST_LIB}/rm.S)
set(JITPC_GUEST_MODE_BITS_protected 32)
set(JITPC_GUEST_MODE_BITS_real 16)

# Fail at configure time, with the fix, rather than on the first guest build.
set(_probe ${CMAKE_CURRENT_BINARY_DIR}/m32_probe.c)
file(WRITE ${_probe} "int guest_probe(void);\nint guest_probe(void) { return 0; }\n")
execute_process(
  COMMAND ${CMAKE_C_COMPILER} -m32 -ffreestanding -c ${_probe} -o ${_probe}.o
  RESULT_VARIABLE _probe_rc OUTPUT_QUIET ERROR_VARIABLE _probe_err)
if(NOT _probe_rc EQUAL 0)
  message(FATAL_ERROR "guest tests need '${CMAKE_C_COMPILER} -m32' (Debian: gcc-multilib; "
    "run tools/setup-deps):\n${_probe_err}")
endif()

# The runner's own timeout is jitpc-timeout x scale; slow builds raise the scale.
if(JITPC_SANITIZE)
  set(_default_scale 3)
else()
  set(_default_scale 1)
endif()
set(JITPC_GUEST_TIMEOUT_SCALE ${_default_scale} CACHE STRING
  "Multiplies every guest test's jitpc-timeout (sanitizer builds run slower)")
if(NOT JITPC_GUEST_TIMEOUT_SCALE MATCHES "^[0-9]+(\\.[0-9]+)?$")
  message(FATAL_ERROR "JITPC_GUEST_TIMEOUT_SCALE must be a positive number, got "
    "'${JITPC_GUEST_TIMEOUT_SCALE}'")
endif()
option(JITPC_GUEST_IGNORE_KNOWN_FAILURES
  "Register tests listed in tests/guest/known_failures.txt as enabled (to work on them)" OFF)

# known_failures.txt: "<test name> <reason>" lines; '#' starts a comment line.
set(_kf_file ${CMAKE_CURRENT_LIST_DIR}/known_failures.txt)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_kf_file})
file(STRINGS ${_kf_file} _kf_lines)
set(JITPC_GUEST_KNOWN_FAILURES "")
foreach(_line IN LISTS _kf_lines)
  if(_line MATCHES "^[ \t]*(#.*)?$")
    continue()
  endif()
  if(NOT _line MATCHES "^([A-Za-z0-9_.-]+)[ \t]+([^ \t].*)$")
    message(FATAL_ERROR "${_kf_file}: '${_line}' is not '<test name> <reason>'")
  endif()
  list(APPEND JITPC_GUEST_KNOWN_FAILURES ${CMAKE_MATCH_1})
endforeach()

# guest_tests.txt in the build directory lists every registered test, one
# per line: name, header source and image, separated by tabs. It is what
# run_under_qemu.sh runs (known failures included).
set(JITPC_GUEST_MANIFEST ${CMAKE_CURRENT_BINARY_DIR}/guest_tests.txt)
file(WRITE ${JITPC_GUEST_MANIFEST} "")

# Round a non-negative decimal up to an integer (CMake's math() has no floats).
function(_jitpc_guest_ceil out value)
  if(value MATCHES "^([0-9]+)(\\.0*)?$")
    set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
  elseif(value MATCHES "^([0-9]*)\\.[0-9]+$")
    math(EXPR r "0${CMAKE_MATCH_1} + 1")
    set(${out} ${r} PARENT_SCOPE)
  else()
    message(FATAL_ERROR "not a number: '${value}'")
  endif()
endfunction()

function(jitpc_add_guest_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;MODE" "SOURCES;DEPENDS")
  if(NOT arg_NAME OR NOT arg_SOURCES OR arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "usage: jitpc_add_guest_test(NAME <name> [MODE protected|real] "
      "SOURCES <files...> [DEPENDS <files...>])")
  endif()
  set(mode_sources "")
  set(mode_flags "")
  if(DEFINED arg_MODE)
    if(NOT arg_MODE MATCHES "^(protected|real)$")
      message(FATAL_ERROR "guest test '${arg_NAME}': MODE must be protected or real, "
        "got '${arg_MODE}'")
    endif()
    set(mode_sources ${JITPC_GUEST_MODE_${arg_MODE}})
    set(mode_flags -DCHECK_MODE=${JITPC_GUEST_MODE_BITS_${arg_MODE}})
  endif()
  if(NOT arg_NAME MATCHES "^[A-Za-z0-9_.-]+$")
    message(FATAL_ERROR "guest test name '${arg_NAME}': use letters, digits, '_', '.', '-'")
  endif()
  get_property(_names GLOBAL PROPERTY JITPC_GUEST_TEST_NAMES)
  if(arg_NAME IN_LIST _names)
    message(FATAL_ERROR "guest test '${arg_NAME}' is defined twice")
  endif()
  set_property(GLOBAL APPEND PROPERTY JITPC_GUEST_TEST_NAMES ${arg_NAME})

  set(srcs "")
  foreach(s IN LISTS arg_SOURCES)
    get_filename_component(s ${s} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND srcs ${s})
  endforeach()
  list(GET srcs 0 header_src)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${header_src})
  set(deps "")
  foreach(d IN LISTS arg_DEPENDS)
    get_filename_component(d ${d} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND deps ${d})
  endforeach()

  # Link to a temporary name and check the image before it takes its real
  # name, so a bad image never looks up to date to the next build.
  set(elf ${CMAKE_CURRENT_BINARY_DIR}/${arg_NAME}.elf)
  add_custom_command(
    OUTPUT ${elf}
    COMMAND ${CMAKE_C_COMPILER} ${JITPC_GUEST_FLAGS} ${mode_flags} -o ${elf}.tmp
            ${JITPC_GUEST_RUNTIME} ${mode_sources} ${srcs} -lgcc
    COMMAND $<TARGET_FILE:jitpc-guest-runner> --check-image ${elf}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${elf}.tmp ${elf}
    DEPENDS ${srcs} ${deps} ${JITPC_GUEST_RUNTIME_DEPS} jitpc-guest-runner
    COMMENT "Building guest test image ${arg_NAME}.elf"
    VERBATIM)
  add_custom_target(guest_${arg_NAME} ALL DEPENDS ${elf})

  # The CTest timeout only backs up the runner's own (which reports better).
  set(timeout ${RUNNER_DEFAULT_TIMEOUT_S})
  file(STRINGS ${header_src} _t REGEX "jitpc-timeout:[ \t]*[0-9.]+")
  if(_t)
    list(GET _t 0 _t)
    string(REGEX REPLACE ".*jitpc-timeout:[ \t]*([0-9.]+).*" "\\1" timeout "${_t}")
  endif()
  _jitpc_guest_ceil(t_ceil ${timeout})
  _jitpc_guest_ceil(s_ceil ${JITPC_GUEST_TIMEOUT_SCALE})
  math(EXPR ctest_timeout "${t_ceil} * ${s_ceil} + 30")

  file(APPEND ${JITPC_GUEST_MANIFEST} "${arg_NAME}\t${header_src}\t${elf}\n")

  # Every guest test runs on both backends: guest/NAME with the native one
  # (jit), guest-interp/NAME with the IR interpreter.
  foreach(accel jit interp)
    if(accel STREQUAL "jit")
      set(test guest/${arg_NAME})
    else()
      set(test guest-${accel}/${arg_NAME})
    endif()
    add_test(NAME ${test}
      COMMAND jitpc-guest-runner
        --jitpc $<TARGET_FILE:jitpc>
        --accel ${accel}
        --source ${header_src}
        --image ${elf}
        --workdir ${CMAKE_CURRENT_BINARY_DIR}/work-${accel}/${arg_NAME}
        --timeout-scale ${JITPC_GUEST_TIMEOUT_SCALE})
    set_tests_properties(${test} PROPERTIES LABELS guest TIMEOUT ${ctest_timeout})
    if(arg_NAME IN_LIST JITPC_GUEST_KNOWN_FAILURES)
      set_tests_properties(${test} PROPERTIES LABELS "guest;known-failure")
      if(NOT JITPC_GUEST_IGNORE_KNOWN_FAILURES)
        set_tests_properties(${test} PROPERTIES DISABLED TRUE)
      endif()
    endif()
  endforeach()
endfunction()

# Call after the last jitpc_add_guest_test: a known failure naming no test is
# a stale entry (the test was renamed or removed) and must not linger.
function(jitpc_check_guest_known_failures)
  get_property(_names GLOBAL PROPERTY JITPC_GUEST_TEST_NAMES)
  foreach(name IN LISTS JITPC_GUEST_KNOWN_FAILURES)
    if(NOT name IN_LIST _names)
      message(FATAL_ERROR "known_failures.txt names '${name}', which is no guest test")
    endif()
  endforeach()
endfunction()
