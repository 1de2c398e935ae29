# Writes the command reference from the registry of every shipped plugin.
#   cmake -DMINIMAD=... -DWORK=dir -DOUT=file -P commands-doc.cmake
#       generate OUT
#   cmake -DMINIMAD=... -DWORK=dir -DCHECK=docs/commands.md -DBUILD=dir -P ...
#       fail, saying how to fix it, when CHECK differs from a fresh copy
# WORK is a scratch folder (the node's data directory lives there).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(
  COMMAND ${MINIMAD} --list-commands=markdown --profile all
          --data-dir ${WORK}/data
  WORKING_DIRECTORY ${WORK}
  OUTPUT_VARIABLE md ERROR_VARIABLE err RESULT_VARIABLE rc)
file(REMOVE_RECURSE ${WORK}/data)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "minimad --list-commands failed (${rc}):\n${err}")
endif()

if(DEFINED CHECK)
  file(READ ${CHECK} committed)
  if(NOT committed STREQUAL md)
    file(WRITE ${WORK}/commands.md "${md}")
    message(FATAL_ERROR
      "docs/commands.md is out of date: the command registry (the plugins "
      "of config/all.toml) no longer matches it.  See what changed with\n"
      "  diff -u ${CHECK} ${WORK}/commands.md\n"
      "then regenerate and commit it:\n"
      "  cmake --build ${BUILD} --target commands-doc && "
      "cp ${BUILD}/docs/commands.md ${CHECK}")
  endif()
  message(STATUS "docs/commands.md matches the command registry")
else()
  file(WRITE ${OUT} "${md}")
endif()
