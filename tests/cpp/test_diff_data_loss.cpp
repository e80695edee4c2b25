// The data-loss findings of a schema change as users read them (Prisma's wording with the count,
// singular and plural), and the refusal that lists them. Counting needs a database: that is
// tests/py/test_diff_data_loss.py, on both backends.
#include <gtest/gtest.h>

#include "carrierdb/error.hpp"
#include "carrierdb/migrate/diff_data_loss.hpp"

using namespace carrierdb;

TEST(DiffDataLoss, MessagesCarryTheCountInPrismasWording) {
  const std::vector<std::pair<data_loss_finding, std::string>> cases{
      {{"drop_column", "carriers", "dotNumber", "", 12}, "You are about to drop the column `dotNumber` on the `carriers` table, which still contains 12 non-null values. All the data in the column will be lost."},
      {{"drop_table", "depots", "", "", 1}, "You are about to drop the `depots` table, which is not empty (1 row). All the data it contains will be lost."},
      {{"make_required", "carriers", "nickname", "", 1}, "Made the column `nickname` on table `carriers` required, but there is 1 existing NULL value."},
      {{"make_required", "carriers", "nickname", "", 3}, "Made the column `nickname` on table `carriers` required, but there are 3 existing NULL values."},
      {{"add_required_column", "carriers", "region", "", 5}, "Added the required column `region` to the `carriers` table without a default value. There are 5 rows in this table, it is not possible to execute this step."},
      {{"make_unique", "carriers", "", "code,nickname", 4}, "A unique constraint covering the columns `[code,nickname]` on the table `carriers` will be added, but 4 existing rows share their values with another row. This will fail."},
      {{"remove_enum_value", "carriers", "status", "SUSPENDED", 1}, "The enum value `SUSPENDED` will be removed, but 1 row of the column `status` on the `carriers` table still holds it. This will fail."},
      {{"narrow_type", "carriers", "name", "VARCHAR(5)", 2}, "The column `name` on the `carriers` table will be changed to `VARCHAR(5)`, but 2 existing values do not fit it. This will fail or lose data."},
  };
  for (const auto &[finding, expected] : cases) EXPECT_EQ(finding.message(), expected) << finding.kind;
}

TEST(DiffDataLoss, RefusalListsEveryFindingAndTheWayOn) {
  EXPECT_NO_THROW(refuse_schema_data_loss({}, "db push on sqlite:dev.db"));
  const std::vector<data_loss_finding> found{{"drop_table", "depots", "", "", 3}, {"drop_column", "carriers", "dotNumber", "", 2}};
  try {
    refuse_schema_data_loss(found, "db push on sqlite:dev.db");
    FAIL() << "no refusal";
  } catch (const data_loss_error &e) {
    const std::string text = e.what();
    EXPECT_EQ(text.rfind("db push on sqlite:dev.db would lose data or fail on existing rows:\n  - " + found[0].message() + "\n  - " +
                             found[1].message() + "\nNothing was changed.", 0),
              0u);
    EXPECT_NE(e.hint().find("--accept-data-loss"), std::string::npos);
    ASSERT_EQ(e.losses().size(), 2u);
    EXPECT_EQ(e.losses()[1].table, "carriers");
    EXPECT_EQ(e.losses()[1].column, "dotNumber");
    EXPECT_EQ(e.losses()[1].rows, 2);
  }
}
