// migrate lint's rule engine without files or a database: each rule fires on its hazard and stays
// quiet on the safe form; silences need a reason.
#include <gtest/gtest.h>

#include <algorithm>

#include "carrierdb/migrate/lint.hpp"

using namespace carrierdb;

namespace {

// The schema earlier migrations made: tables "Truck" and "Carrier" with typed columns.
const lint_source k_init{"20240101000000_init", "init.sql",
                         "CREATE TABLE \"Carrier\" (\"id\" SERIAL NOT NULL, \"name\" VARCHAR(100) NOT NULL, \"score\" NUMERIC(10,2),\n"
                         "  CONSTRAINT \"Carrier_pkey\" PRIMARY KEY (\"id\"));\n"
                         "CREATE TABLE \"Truck\" (\"id\" SERIAL NOT NULL, \"plate\" TEXT NOT NULL, \"carrierId\" INTEGER,\n"
                         "  \"note\" VARCHAR(50), \"weight\" INTEGER, CONSTRAINT \"Truck_pkey\" PRIMARY KEY (\"id\"));\n"};

lint_result lint(const std::string &sql) {
  return lint_scripts({k_init, lint_source{"20240202000000_change", "migration.sql", sql}}, {"20240202000000_change"});
}

std::vector<std::string> rules(const lint_result &r) {
  std::vector<std::string> out;
  for (const auto &f : r.findings) out.push_back(f.rule);
  return out;
}

bool fired(const std::string &sql, const std::string &rule) {
  const auto got = rules(lint("SET lock_timeout = '5s';\n" + sql));
  return std::find(got.begin(), got.end(), rule) != got.end();
}

}  // namespace

TEST(migrate_lint, index_without_concurrently_on_an_existing_table) {
  const lint_result r = lint("SET lock_timeout = '5s';\nCREATE INDEX \"Truck_plate_idx\" ON \"Truck\"(\"plate\");");
  ASSERT_EQ(rules(r), std::vector<std::string>{"index-not-concurrent"});
  const lint_finding &f = r.findings[0];
  EXPECT_EQ(f.severity, "error");
  EXPECT_EQ(f.line, 2);
  EXPECT_EQ(f.file, "migration.sql");
  EXPECT_EQ(f.lock, "ShareLock on \"Truck\"");
  EXPECT_NE(f.blocks.find("writes"), std::string::npos);
  EXPECT_NE(f.rewrite.find("CREATE INDEX CONCURRENTLY \"Truck_plate_idx\""), std::string::npos);
  EXPECT_FALSE(fired("CREATE INDEX CONCURRENTLY \"Truck_plate_idx\" ON \"Truck\"(\"plate\");", "index-not-concurrent"));
  EXPECT_FALSE(fired("CREATE TABLE \"Depot\" (\"id\" INTEGER);\nCREATE INDEX \"Depot_id_idx\" ON \"Depot\"(\"id\");", "index-not-concurrent"));
}

TEST(migrate_lint, foreign_key_or_check_without_not_valid) {
  EXPECT_TRUE(fired("ALTER TABLE \"Truck\" ADD CONSTRAINT \"Truck_carrierId_fkey\" FOREIGN KEY (\"carrierId\") REFERENCES \"Carrier\"(\"id\");",
                    "constraint-not-valid"));
  EXPECT_TRUE(fired("ALTER TABLE \"Truck\" ADD CONSTRAINT \"w\" CHECK (\"weight\" > 0);", "constraint-not-valid"));
  EXPECT_FALSE(fired("ALTER TABLE \"Truck\" ADD CONSTRAINT \"Truck_carrierId_fkey\" FOREIGN KEY (\"carrierId\") REFERENCES \"Carrier\"(\"id\") NOT VALID;\n"
                     "ALTER TABLE \"Truck\" VALIDATE CONSTRAINT \"Truck_carrierId_fkey\";",
                     "constraint-not-valid"));
  const lint_result r = lint("ALTER TABLE \"Truck\" ADD FOREIGN KEY (\"carrierId\") REFERENCES \"Carrier\"(\"id\");");
  EXPECT_EQ(r.findings[0].lock, "ShareRowExclusiveLock on \"Truck\" and on \"Carrier\"");
}

TEST(migrate_lint, set_not_null_needs_a_validated_check_first) {
  EXPECT_TRUE(fired("ALTER TABLE \"Truck\" ALTER COLUMN \"weight\" SET NOT NULL;", "set-not-null"));
  EXPECT_FALSE(fired("ALTER TABLE \"Truck\" ADD CONSTRAINT \"wnn\" CHECK (\"weight\" IS NOT NULL) NOT VALID;\n"
                     "ALTER TABLE \"Truck\" VALIDATE CONSTRAINT \"wnn\";\n"
                     "ALTER TABLE \"Truck\" ALTER COLUMN \"weight\" SET NOT NULL;",
                     "set-not-null"));
  // NOT VALID alone proves nothing about the existing rows.
  EXPECT_TRUE(fired("ALTER TABLE \"Truck\" ADD CONSTRAINT \"wnn\" CHECK (\"weight\" IS NOT NULL) NOT VALID;\n"
                    "ALTER TABLE \"Truck\" ALTER COLUMN \"weight\" SET NOT NULL;",
                    "set-not-null"));
}

TEST(migrate_lint, column_type_change_that_rewrites_the_table) {
  EXPECT_TRUE(fired("ALTER TABLE \"Truck\" ALTER COLUMN \"weight\" SET DATA TYPE BIGINT;", "column-type-rewrite"));
  EXPECT_TRUE(fired("ALTER TABLE \"Truck\" ALTER COLUMN \"note\" SET DATA TYPE VARCHAR(20);", "column-type-rewrite"));
  EXPECT_TRUE(fired("ALTER TABLE \"Truck\" ALTER COLUMN \"note\" TYPE TEXT USING upper(\"note\");", "column-type-rewrite"));
  EXPECT_FALSE(fired("ALTER TABLE \"Truck\" ALTER COLUMN \"note\" SET DATA TYPE VARCHAR(200);", "column-type-rewrite"));
  EXPECT_FALSE(fired("ALTER TABLE \"Truck\" ALTER COLUMN \"note\" TYPE text;", "column-type-rewrite"));
  EXPECT_FALSE(fired("ALTER TABLE \"Carrier\" ALTER COLUMN \"score\" TYPE NUMERIC(12,2);", "column-type-rewrite"));
}

TEST(migrate_lint, added_column_with_a_volatile_default) {
  EXPECT_TRUE(fired("ALTER TABLE \"Truck\" ADD COLUMN \"uid\" UUID NOT NULL DEFAULT gen_random_uuid();", "volatile-default"));
  EXPECT_TRUE(fired("ALTER TABLE \"Truck\" ADD COLUMN \"seen\" TIMESTAMP(3) DEFAULT clock_timestamp();", "volatile-default"));
  EXPECT_FALSE(fired("ALTER TABLE \"Truck\" ADD COLUMN \"axles\" INTEGER NOT NULL DEFAULT 2;", "volatile-default"));
  // now() is STABLE: PostgreSQL 11+ evaluates it once and stores it without a rewrite.
  EXPECT_FALSE(fired("ALTER TABLE \"Truck\" ADD COLUMN \"createdAt\" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;", "volatile-default"));
}

TEST(migrate_lint, unique_constraint_added_directly) {
  EXPECT_TRUE(fired("ALTER TABLE \"Truck\" ADD CONSTRAINT \"Truck_plate_key\" UNIQUE (\"plate\");", "unique-constraint-direct"));
  EXPECT_TRUE(fired("ALTER TABLE \"Truck\" ADD PRIMARY KEY (\"plate\");", "unique-constraint-direct"));
  EXPECT_FALSE(fired("ALTER TABLE \"Truck\" ADD CONSTRAINT \"Truck_plate_key\" UNIQUE USING INDEX \"Truck_plate_key\";",
                     "unique-constraint-direct"));
}

TEST(migrate_lint, rename_or_drop_of_what_the_previous_schema_has) {
  const lint_result r = lint("SET lock_timeout = '5s';\nALTER TABLE \"Truck\" RENAME COLUMN \"plate\" TO \"licence\";");
  ASSERT_EQ(rules(r), std::vector<std::string>{"rename-in-use"});
  EXPECT_EQ(r.findings[0].severity, "error");
  EXPECT_TRUE(fired("ALTER TABLE \"Truck\" RENAME TO \"Lorry\";", "rename-in-use"));
  const lint_result d = lint("SET lock_timeout = '5s';\nALTER TABLE \"Truck\" DROP COLUMN \"note\";\nDROP TABLE \"Carrier\";");
  ASSERT_EQ(rules(d), (std::vector<std::string>{"drop-in-use", "drop-in-use"}));
  EXPECT_EQ(d.findings[0].severity, "warning");
  EXPECT_FALSE(d.has_errors());
  // What this migration created, nobody uses yet.
  EXPECT_FALSE(fired("CREATE TABLE \"Depot\" (\"id\" INTEGER, \"x\" TEXT);\nALTER TABLE \"Depot\" RENAME COLUMN \"x\" TO \"y\";\nDROP TABLE \"Depot\";",
                     "rename-in-use"));
  EXPECT_FALSE(fired("ALTER TABLE \"Truck\" ADD COLUMN \"tmp\" TEXT;\nALTER TABLE \"Truck\" DROP COLUMN \"tmp\";", "drop-in-use"));
}

TEST(migrate_lint, access_exclusive_statement_without_lock_timeout) {
  const lint_result r = lint("ALTER TABLE \"Truck\" ADD COLUMN \"axles\" INTEGER;");
  ASSERT_EQ(rules(r), std::vector<std::string>{"lock-timeout-missing"});
  EXPECT_EQ(r.findings[0].lock, "AccessExclusiveLock on \"Truck\"");
  EXPECT_NE(r.findings[0].blocks.find("all reads and writes"), std::string::npos);
  EXPECT_TRUE(rules(lint("SET lock_timeout = 0;\nALTER TABLE \"Truck\" ADD COLUMN \"axles\" INTEGER;")).size() == 1);
  EXPECT_TRUE(rules(lint("SET lock_timeout TO '2s';\nALTER TABLE \"Truck\" ADD COLUMN \"axles\" INTEGER;")).empty());
  EXPECT_TRUE(rules(lint("CREATE TABLE \"Depot\" (\"id\" INTEGER);\nALTER TABLE \"Depot\" ADD COLUMN \"x\" TEXT;")).empty());
}

TEST(migrate_lint, a_silence_with_a_reason_hides_its_rule_on_the_next_statement_only) {
  const std::string sql =
      "SET lock_timeout = '5s';\n"
      "-- carrierdb-lint: ignore index-not-concurrent because Truck holds 40 rows\n"
      "CREATE INDEX \"a\" ON \"Truck\"(\"plate\");\n"
      "CREATE INDEX \"b\" ON \"Truck\"(\"note\");\n";
  const lint_result r = lint(sql);
  ASSERT_EQ(rules(r), std::vector<std::string>{"index-not-concurrent"});
  EXPECT_EQ(r.findings[0].line, 4);
}

TEST(migrate_lint, a_silence_without_a_reason_is_itself_a_finding) {
  const std::string sql =
      "SET lock_timeout = '5s';\n"
      "-- carrierdb-lint: ignore index-not-concurrent\n"
      "CREATE INDEX \"a\" ON \"Truck\"(\"plate\");\n"
      "-- carrierdb-lint: ignore no-such-rule because reasons\n"
      "SELECT 1;\n";
  const lint_result r = lint(sql);
  ASSERT_EQ(rules(r), (std::vector<std::string>{"silence-without-reason", "index-not-concurrent", "silence-unknown-rule"}));
  EXPECT_EQ(r.findings[0].line, 2);
  EXPECT_EQ(r.findings[2].line, 4);
  EXPECT_TRUE(r.has_errors());
}

TEST(migrate_lint, only_selected_migrations_are_linted_but_all_make_the_previous_schema) {
  const lint_source later{"20240303000000_later", "later.sql", "CREATE INDEX \"x\" ON \"Truck\"(\"plate\");"};
  const lint_result r = lint_scripts({k_init, later}, {});
  EXPECT_EQ(r.linted, (std::vector<std::string>{"20240101000000_init", "20240303000000_later"}));
  EXPECT_EQ(rules(r), std::vector<std::string>{"index-not-concurrent"});  // CREATE TABLE of init: a new table
  const lint_result only_init = lint_scripts({k_init, later}, {"20240101000000_init"});
  EXPECT_TRUE(only_init.findings.empty());
}
