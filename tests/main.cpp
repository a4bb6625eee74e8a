// Catch2 v2 entry point: the whole suite is one executable; CTest runs each
// test case in its own process (see tests/CMakeLists.txt).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

// CTest registers each test case by name (tests/CMakeLists.txt); Catch's
// discovery script escapes ',' '[' ']' but splits names at ';', so a test
// with a ';' in its name would silently run nothing under CTest.
TEST_CASE("test names are safe for CTest registration", "[meta]") {
  for (const auto& t : Catch::getRegistryHub().getTestCaseRegistry().getAllTests()) {
    INFO(t.name);
    CHECK(t.name.find(';') == std::string::npos);
  }
}
