#define CAF_SUITE progress
#include "tests/fixture.hpp"

#include <sstream>

#include "actors/progress.hpp"

using namespace fetchsum;

CAF_TEST(the line before the list is read to its end) {
  admission_counts admitted{1500, 64, false};
  record_counts records{1200, 34, 5'000'000};
  // 1,234 done in 2 s.
  CAF_CHECK_EQUAL(progress_line(admitted, records, 2.0),
                  "1,234/? | 617 URL/s 2.5 MB/s | 64 in flight | 34 failed");
}

CAF_TEST(the line with a known total has a percentage and an ETA) {
  admission_counts admitted{20000, 8, true};
  record_counts records{9000, 1000, 0};
  // 10,000 of 20,000 in 5 s: 2,000 URL/s, 5 s to go.
  CAF_CHECK_EQUAL(progress_line(admitted, records, 5.0),
                  "10,000/20,000 50% | 2,000 URL/s 0.0 MB/s | 8 in flight | "
                  "1,000 failed | ETA 0:05");
}

CAF_TEST(the first line has no rate yet) {
  CAF_CHECK_EQUAL(progress_line({}, {}, 0.0),
                  "0/? | 0 URL/s 0.0 MB/s | 0 in flight | 0 failed");
}
