# Writes OUTPUT: `constexpr const char kCodeHash[] = "...";`, the first 16
# hex digits of a SHA-256 over the files listed in SOURCE_LIST (paths
# relative to ROOT, with their contents), so that a tuning entry names the
# code generator that measured it. OUTPUT changes only when the hash does.
file(STRINGS ${SOURCE_LIST} files)
set(digest "")
foreach(f ${files})
  file(SHA256 ${ROOT}/${f} h)
  string(APPEND digest "${f} ${h}\n")
endforeach()
string(SHA256 hash "${digest}")
string(SUBSTRING ${hash} 0 16 hash)
set(text "constexpr const char kCodeHash[] = \"${hash}\";\n")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
