// The one translation unit that provides the CAF test runner's main().
#include <caf/test/unit_test_impl.hpp>
