// Migration files (names, variants, checksums, lock file) and the engine on both backends.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "carrierdb/error.hpp"
#include "carrierdb/migrate/migrator.hpp"
#include "test_support.hpp"

using namespace carrierdb;
namespace fs = std::filesystem;

namespace {

class temp_folder {
public:
  temp_folder() {
    static int counter = 0;
    m_path = fs::temp_directory_path() / ("carrierdb_mig_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(m_path);
  }
  ~temp_folder() { fs::remove_all(m_path); }
  const fs::path &path() const { return m_path; }
  void write(const std::string &relative, const std::string &text) const {
    fs::create_directories((m_path / relative).parent_path());
    std::ofstream(m_path / relative, std::ios::binary) << text;
  }

private:
  fs::path m_path;
};

}  // namespace

TEST(sha256_hex, matches_the_known_digest) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(migration_set, orders_folders_and_picks_the_backend_variant) {
  temp_folder dir;
  dir.write("migration_lock.toml", "# comment\nprovider = \"postgresql\"  # trailing\n");
  dir.write("20240102000000_b/migration.sql", "SELECT 2;");
  dir.write("20240101000000_a/migration.sql", "SELECT 1;");
  dir.write("20240101000000_a/migration.sqlite.sql", "SELECT 'sqlite';");
  dir.write("20240101000000_a/down.sql", "SELECT -1;");
  dir.write("20240102000000_b/migration.sqlite.sql", "-- carrierdb:no-transaction\nSELECT 2;");
  const auto pg = migration_set::load(dir.path().string(), backend_kind::postgresql);
  EXPECT_EQ(pg.provider(), "postgresql");
  ASSERT_EQ(pg.migrations().size(), 2u);
  EXPECT_EQ(pg.migrations()[0].name, "20240101000000_a");
  EXPECT_EQ(pg.migrations()[0].up_sql, "SELECT 1;");
  EXPECT_TRUE(pg.migrations()[0].down_sql.has_value());
  EXPECT_TRUE(pg.migrations()[1].transactional);
  const auto lite = migration_set::load(dir.path().string(), backend_kind::sqlite);
  EXPECT_EQ(lite.migrations()[0].up_sql, "SELECT 'sqlite';");
  EXPECT_FALSE(lite.migrations()[0].down_sql.has_value());  // down.sql is PostgreSQL's dialect
  EXPECT_FALSE(lite.migrations()[1].transactional);
  EXPECT_EQ(lite.migrations()[0].checksum, sha256_hex("SELECT 'sqlite';"));
}

TEST(migration_set, missing_directory_is_an_empty_set) {
  EXPECT_TRUE(migration_set::load("/nonexistent/carrierdb/migrations", backend_kind::sqlite).migrations().empty());
}

TEST(migration_set, refuses_bad_names_and_missing_sql) {
  temp_folder bad_name;
  bad_name.write("2024_init/migration.sql", "SELECT 1;");
  EXPECT_THROW(migration_set::load(bad_name.path().string(), backend_kind::sqlite), migration_file_error);
  temp_folder empty;
  fs::create_directories(empty.path() / "20240101000000_a");
  EXPECT_THROW(migration_set::load(empty.path().string(), backend_kind::sqlite), migration_file_error);
  temp_folder mismatch;
  mismatch.write("migration_lock.toml", "provider = \"postgresql\"\n");
  mismatch.write("20240101000000_a/migration.sql", "SELECT 1;");
  EXPECT_THROW(migration_set::load(mismatch.path().string(), backend_kind::sqlite), provider_mismatch_error);
}

TEST(migration_file, checksum_accepts_the_other_line_ending) {
  migration_file m;
  m.up_sql = "A\r\nB\r\n";
  m.checksum = sha256_hex(m.up_sql);
  EXPECT_TRUE(m.checksum_matches(sha256_hex("A\r\nB\r\n")));
  EXPECT_TRUE(m.checksum_matches(sha256_hex("A\nB\n")));
  EXPECT_FALSE(m.checksum_matches(sha256_hex("A\nB\nC\n")));
}

TEST(uuid_v4, has_the_version_and_variant_bits) {
  const std::string id = uuid_v4();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
  EXPECT_NE(uuid_v4(), id);
}

class migrator_test : public carrierdb::testing::backend_test {};
CARRIERDB_BOTH_BACKENDS(migrator_test);

TEST_P(migrator_test, deploy_then_status_then_rollback) {
  temp_folder dir;
  dir.write("20240101000000_a/migration.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\nINSERT INTO a VALUES (1);");
  dir.write("20240101000000_a/down.sql", "DROP TABLE a;");
  migrator_options options;
  options.directory = dir.path().string();
  migrator engine(db, options);
  std::vector<std::string> seen;
  deploy_options deploy;
  deploy.progress = [&](const migration_progress &p) { seen.push_back((p.finished ? "done " : "start ") + p.name); };
  const deploy_report report = engine.deploy(deploy);
  ASSERT_EQ(report.migrations.size(), 1u);
  EXPECT_EQ(report.migrations[0].steps, 2);
  EXPECT_EQ(seen, (std::vector<std::string>{"start 20240101000000_a", "done 20240101000000_a"}));
  EXPECT_FALSE(engine.status().needs_action());
  // down.sql drops a table that holds a row: refused until the loss is accepted.
  EXPECT_THROW(engine.rollback(rollback_options{}), data_loss_error);
  EXPECT_FALSE(engine.status().needs_action());
  rollback_options accept;
  accept.accept_data_loss = true;
  engine.rollback(accept);
  const migration_status status = engine.status();
  ASSERT_EQ(status.entries.size(), 1u);
  EXPECT_EQ(status.entries[0].state, migration_state::rolled_back);
  EXPECT_TRUE(status.needs_action());
}
