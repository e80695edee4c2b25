// Stop requests on both backends: a long statement is cancelled at once, a transaction stopped
// midway leaves nothing behind, COMMIT and ROLLBACK are never cut short, and no stop leaks into
// the next operation.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "carrierdb/error.hpp"
#include "carrierdb/interrupt.hpp"
#include "carrierdb/migrate/migrator.hpp"
#include "test_support.hpp"

using namespace carrierdb;
using carrierdb::testing::backend_test;
using steady = std::chrono::steady_clock;

class interrupt_test : public backend_test {
protected:
  // A statement that runs for many seconds without returning to the client.
  std::string long_statement() const {
    if (GetParam() == "postgresql") return "SELECT pg_sleep(30)";
    return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c";
  }
};
CARRIERDB_BOTH_BACKENDS(interrupt_test);

namespace {

// Requests a stop from another thread after `delay`, as the signal watcher does.
std::thread request_after(interrupt_token &token, std::chrono::milliseconds delay, int signal = 2) {
  return std::thread([&token, delay, signal] {
    std::this_thread::sleep_for(delay);
    token.request(signal);
  });
}

}  // namespace

TEST_P(interrupt_test, a_long_statement_is_cancelled_within_a_second) {
  interrupt_token token;
  interrupt_scope scope(token);
  std::thread stopper = request_after(token, std::chrono::milliseconds(200));
  const auto started = steady::now();
  try {
    db->query(long_statement());
    FAIL() << "expected interrupted_error";
  } catch (const interrupted_error &e) {
    EXPECT_EQ(e.signal(), 2);
  }
  stopper.join();
  EXPECT_LT(steady::now() - started, std::chrono::milliseconds(1200));
}

TEST_P(interrupt_test, a_stopped_transaction_rolls_back_and_the_connection_stays_usable) {
  db->execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  {
    interrupt_token token;
    interrupt_scope scope(token);
    std::thread stopper = request_after(token, std::chrono::milliseconds(200));
    db->begin();
    db->execute("INSERT INTO t VALUES (1)");
    EXPECT_THROW(db->query(long_statement()), interrupted_error);
    db->rollback();  // runs although the stop is still requested
    stopper.join();
    EXPECT_EQ(db->transaction_depth(), 0);
    // No new statement starts once a stop was asked for.
    EXPECT_THROW(db->execute("INSERT INTO t VALUES (2)"), interrupted_error);
  }
  // The next operation (no stop requested) finds the connection clean and the insert undone.
  EXPECT_TRUE(db->query("SELECT id FROM t").rows.empty());
  db->execute("INSERT INTO t VALUES (3)");
  EXPECT_EQ(db->query("SELECT id FROM t").rows.size(), 1u);
}

TEST_P(interrupt_test, commit_refuses_a_pending_stop_and_the_caller_rolls_back) {
  db->execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  {
    interrupt_token token;
    interrupt_scope scope(token);
    db->begin();
    db->execute("INSERT INTO t VALUES (1)");
    token.request(15);
    try {
      db->commit();
      FAIL() << "expected interrupted_error";
    } catch (const interrupted_error &e) {
      EXPECT_EQ(e.signal(), 15);
    }
    EXPECT_EQ(db->transaction_depth(), 0);  // commit() rolled back on the way out
  }
  EXPECT_TRUE(db->query("SELECT id FROM t").rows.empty());
}

TEST_P(interrupt_test, a_shield_lets_cleanup_statements_run_after_a_stop) {
  interrupt_token token;
  interrupt_scope scope(token);
  token.request();
  EXPECT_TRUE(interrupt_pending());
  EXPECT_THROW(db->query("SELECT 1"), interrupted_error);
  interrupt_shield shield;
  EXPECT_FALSE(interrupt_pending());
  EXPECT_EQ(db->query("SELECT 1 AS one").rows.size(), 1u);
}

TEST_P(interrupt_test, a_wait_for_the_migration_lock_stops_at_once) {
  auto holder_lease = db->pool().acquire();
  auto held = holder_lease->acquire_lock(4242, std::chrono::milliseconds(1000));
  std::thread other([&] {
    auto db2 = database::open(url(), connection_options{});
    auto lease = db2->pool().acquire();
    interrupt_token token;
    interrupt_scope scope(token);
    std::thread stopper = request_after(token, std::chrono::milliseconds(150));
    const auto started = steady::now();
    EXPECT_THROW(lease->acquire_lock(4242, std::chrono::milliseconds(20000)), interrupted_error);
    EXPECT_LT(steady::now() - started, std::chrono::milliseconds(1000));
    stopper.join();
  });
  other.join();
}

TEST(interrupt_token_test, scopes_nest_and_other_threads_are_unaffected) {
  interrupt_token outer, inner;
  interrupt_scope a(outer);
  {
    interrupt_scope b(inner);
    inner.request();
    EXPECT_TRUE(interrupt_pending());
    bool other_thread_saw_it = true;
    std::thread([&] { other_thread_saw_it = interrupt_pending(); }).join();
    EXPECT_FALSE(other_thread_saw_it);
  }
  EXPECT_FALSE(interrupt_pending());  // back to the outer operation, which was not stopped
  EXPECT_NO_THROW(check_interrupt());
}

TEST_P(interrupt_test, a_stop_between_migrations_keeps_the_applied_ones_and_says_so) {
  // Two migrations; the stop is asked for once the first is committed. The engine honours it
  // before the second starts, whether or not anything reports progress.
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("carrierdb_stop_" + std::to_string(::getpid()) + GetParam());
  std::filesystem::create_directories(dir / "20300101000000_first");
  std::filesystem::create_directories(dir / "20300101000001_second");
  std::ofstream(dir / "20300101000000_first" / "migration.sql") << "CREATE TABLE first_one (id INTEGER);\n";
  std::ofstream(dir / "20300101000001_second" / "migration.sql") << "CREATE TABLE second_one (id INTEGER);\n";
  std::ofstream(dir / "migration_lock.toml") << "provider = \"" << GetParam() << "\"\n";
  migrator_options options;
  options.directory = dir.string();
  migrator m(db, options);
  interrupt_token token;
  deploy_options deploy;
  // Asked for from the report of the first one's end: the check that honours it is the one
  // before the second migration, which runs with or without a progress callback.
  deploy.progress = [&](const migration_progress &p) {
    if (p.finished && p.index == 0) token.request(2);
  };
  {
    interrupt_scope scope(token);
    try {
      m.deploy(deploy);
      FAIL() << "expected interrupted_error";
    } catch (const interrupted_error &e) {
      EXPECT_TRUE(e.committed());
      EXPECT_NE(std::string(e.what()).find("1 migration(s) (20300101000000_first) had been applied"), std::string::npos) << e.what();
    }
  }
  const migration_status status = m.status();
  ASSERT_EQ(status.entries.size(), 2u);
  EXPECT_EQ(status.entries[0].state, migration_state::applied);
  EXPECT_EQ(status.entries[1].state, migration_state::pending);
  std::filesystem::remove_all(dir);
}
