// Catch2 v2 entry point: the whole suite is one executable; CTest runs each
// test case in its own process (see tests/CMakeLists.txt).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
