# find_package(eckid CONFIG): the imported target eckid::eckid (libeckid.so and the folder of
# <eckid/eckid.h>). Installed by packaging/CMakeLists.txt.
include("${CMAKE_CURRENT_LIST_DIR}/eckid-targets.cmake")
