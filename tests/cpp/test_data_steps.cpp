// Data steps (migration.py) seen from the engine: the runner hook, the lent connection, checksums.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "carrierdb/error.hpp"
#include "carrierdb/migrate/migrator.hpp"
#include "test_support.hpp"

using namespace carrierdb;
namespace fs = std::filesystem;

namespace {

fs::path fresh_folder() {
  static int counter = 0;
  fs::path path = fs::temp_directory_path() / ("carrierdb_steps_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(path);
  fs::create_directories(path);
  return path;
}

void write(const fs::path &file, const std::string &text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

}  // namespace

TEST(migration_set, a_data_step_joins_the_checksum_and_a_plain_folder_keeps_prisma_s) {
  const fs::path dir = fresh_folder();
  write(dir / "20240101000000_a/migration.sql", "SELECT 1;\n");
  write(dir / "20240102000000_b/migration.sql", "SELECT 2;\n");
  write(dir / "20240102000000_b/migration.py", "def up(db):\n    pass\n");
  const auto set = migration_set::load(dir.string(), backend_kind::sqlite);
  ASSERT_EQ(set.migrations().size(), 2u);
  EXPECT_FALSE(set.migrations()[0].data_step_path.has_value());
  EXPECT_EQ(set.migrations()[0].checksum, sha256_hex("SELECT 1;\n"));
  const migration_file &b = set.migrations()[1];
  ASSERT_TRUE(b.data_step_path.has_value());
  EXPECT_EQ(b.checksum, sha256_hex(std::string("SELECT 2;\n") + '\0' + "def up(db):\n    pass\n"));
  EXPECT_TRUE(b.checksum_matches(sha256_hex(std::string("SELECT 2;\r\n") + '\0' + "def up(db):\r\n    pass\r\n")));
  EXPECT_FALSE(b.checksum_matches(sha256_hex("SELECT 2;\n")));  // Prisma's checksum of the SQL alone
  fs::remove_all(dir);
}

class data_step_test : public carrierdb::testing::backend_test {};
CARRIERDB_BOTH_BACKENDS(data_step_test);

TEST_P(data_step_test, without_a_runner_a_data_step_is_refused_and_nothing_changes) {
  const fs::path dir = fresh_folder();
  write(dir / "20240101000000_a/migration.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);");
  write(dir / "20240101000000_a/migration.py", "def up(db):\n    pass\n");
  migrator_options options;
  options.directory = dir.string();
  migrator engine(db, options);
  EXPECT_THROW(engine.deploy(), migration_file_error);
  EXPECT_TRUE(db->with_connection([](connection &c) { return c.table_names(); }) ==
              std::vector<std::string>{"_prisma_migrations"});
  EXPECT_EQ(engine.status().entries.at(0).state, migration_state::pending);
  fs::remove_all(dir);
}

TEST_P(data_step_test, the_runner_runs_after_the_sql_on_the_lent_connection_and_its_failure_is_recorded) {
  const fs::path dir = fresh_folder();
  write(dir / "20240101000000_a/migration.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);");
  write(dir / "20240101000000_a/migration.py", "");
  write(dir / "20240102000000_b/migration.sql", "CREATE TABLE b (id INTEGER PRIMARY KEY);");
  write(dir / "20240102000000_b/migration.py", "");
  migrator_options options;
  options.directory = dir.string();
  std::vector<std::string> ran;
  options.data_steps = [&](const migration_file &m, data_step_direction, connection &conn) {
    lent_transaction loan(*db, conn);
    ran.push_back(m.name);
    EXPECT_GE(db->transaction_depth(), 1);
    db->execute("INSERT INTO a (id) VALUES ($1)", {static_cast<std::int64_t>(ran.size())});  // the table the SQL just made
    EXPECT_THROW(db->commit(), programming_error);  // the migration's transaction is the migrator's
    if (m.name == "20240102000000_b") throw data_step_error("ValueError: no", *m.data_step_path, 7, "Traceback ...");
  };
  migrator engine(db, options);
  try {
    engine.deploy();
    FAIL() << "the failing data step did not fail the deploy";
  } catch (const migration_failed_error &e) {
    EXPECT_EQ(e.context().migration, "20240102000000_b");
    EXPECT_EQ(e.context().file, (dir / "20240102000000_b/migration.py").string());
    EXPECT_EQ(e.context().line, 7);
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"20240101000000_a", "20240102000000_b"}));
  EXPECT_EQ(db->transaction_depth(), 0);  // the loan ended with the step
  // a's row committed with a; b's row and table rolled back with b, whose failure is on record.
  EXPECT_EQ(db->query("SELECT id FROM a").rows.size(), 1u);
  const migration_status status = engine.status();
  ASSERT_EQ(status.entries.size(), 2u);
  EXPECT_EQ(status.entries[1].state, migration_state::failed);
  EXPECT_NE(status.entries[1].logs.find("Data step error (line 7 of "), std::string::npos) << status.entries[1].logs;
  EXPECT_NE(status.entries[1].logs.find("Traceback ..."), std::string::npos);
  const auto tables = db->with_connection([](connection &c) { return c.table_names(); });
  EXPECT_EQ(std::count(tables.begin(), tables.end(), "b"), 0);
  fs::remove_all(dir);
}
