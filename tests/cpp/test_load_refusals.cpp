// A bulk load's row numbers map back to the seed file's lines, also when rows were not sent.
#include <gtest/gtest.h>

#include "seed/load_refusals.hpp"

using carrierdb::internal::sent_lines;

TEST(sent_lines, maps_the_nth_row_sent_to_its_line) {
  sent_lines sent;
  for (std::int64_t line = 2; line <= 10; ++line) sent.add(line);  // rows 1..9: lines 2..10
  sent.add(12);                                                    // line 11 rejected: row 10
  sent.add(13);
  sent.add(40);  // lines 14..39 unchanged, not sent: row 12
  EXPECT_EQ(sent.line_of(1), 2);
  EXPECT_EQ(sent.line_of(9), 10);
  EXPECT_EQ(sent.line_of(10), 12);
  EXPECT_EQ(sent.line_of(11), 13);
  EXPECT_EQ(sent.line_of(12), 40);
  EXPECT_EQ(sent.line_of(13), 0);  // beyond what was sent
  EXPECT_EQ(sent.line_of(0), 0);
}

TEST(sent_lines, a_long_run_of_consecutive_lines_maps_by_offset) {
  sent_lines sent;
  for (std::int64_t line = 2; line < 1'000'002; ++line) sent.add(line);
  EXPECT_EQ(sent.line_of(1), 2);
  EXPECT_EQ(sent.line_of(654'321), 654'322);
  EXPECT_EQ(sent.line_of(1'000'000), 1'000'001);
}
