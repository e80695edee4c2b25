// The database handle on both backends: statements, scripts, transactions, error mapping.
#include <gtest/gtest.h>

#include <thread>

#include "carrierdb/error.hpp"
#include "test_support.hpp"

using namespace carrierdb;
using carrierdb::testing::backend_test;

class database_test : public backend_test {};
CARRIERDB_BOTH_BACKENDS(database_test);

TEST_P(database_test, query_returns_typed_values) {
  const result r = db->query("SELECT 42 AS i, CAST($1 AS TEXT) AS t, $2 = 1.5 AS eq", {std::string("x"), 1.5});
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.columns[0].name, "i");
  EXPECT_EQ(std::get<std::int64_t>(r.rows[0][0]), 42);
  EXPECT_EQ(std::get<std::string>(r.rows[0][1]), "x");
}

TEST_P(database_test, script_failure_names_statement_and_line) {
  db->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  try {
    db->execute_script("INSERT INTO t VALUES (1, 'a');\n\nINSERT INTO t VALUES (2, NULL);\nINSERT INTO t VALUES (3, 'c');");
    FAIL() << "expected not_null_violation";
  } catch (const not_null_violation &e) {
    EXPECT_EQ(e.diag().statement_line, 3);
    EXPECT_EQ(e.diag().statement, "INSERT INTO t VALUES (2, NULL)");
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos);
  }
  // Without a transaction the first insert stays; the third never ran.
  EXPECT_EQ(db->query("SELECT id FROM t").rows.size(), 1u);
}

TEST_P(database_test, rollback_undoes_and_savepoints_nest) {
  db->execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  db->begin();
  db->execute("INSERT INTO t VALUES (1)");
  db->begin();
  db->execute("INSERT INTO t VALUES (2)");
  EXPECT_EQ(db->transaction_depth(), 2);
  db->rollback();
  db->commit();
  EXPECT_EQ(db->transaction_depth(), 0);
  const result r = db->query("SELECT id FROM t");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(std::get<std::int64_t>(r.rows[0][0]), 1);
}

TEST_P(database_test, unique_violation_names_the_column) {
  db->execute("CREATE TABLE c (id INTEGER PRIMARY KEY, mc_number TEXT UNIQUE)");
  db->execute("INSERT INTO c VALUES (1, $1)", {std::string("MC123")});
  try {
    db->execute("INSERT INTO c VALUES (2, $1)", {std::string("MC123")});
    FAIL() << "expected unique_violation";
  } catch (const unique_violation &e) {
    ASSERT_EQ(e.diag().columns.size(), 1u);
    EXPECT_EQ(e.diag().columns[0], "mc_number");
  }
}

TEST_P(database_test, wrong_parameter_count_is_a_programming_error) {
  EXPECT_THROW(db->query("SELECT CAST($1 AS TEXT), CAST($2 AS TEXT)", {std::int64_t{1}}), programming_error);
  EXPECT_EQ(std::get<std::int64_t>(db->query("SELECT 1").rows.at(0).at(0)), 1);
}

TEST_P(database_test, lock_excludes_a_second_holder_until_released) {
  auto first = db->pool().acquire();
  auto second = db->pool().acquire();
  {
    auto held = first->acquire_lock(72707369, std::chrono::milliseconds(1000));
    // SQLite's flock is per open file: a second descriptor of the same process is excluded too.
    EXPECT_THROW(second->acquire_lock(72707369, std::chrono::milliseconds(50)), timeout_error);
  }
  EXPECT_NO_THROW(second->acquire_lock(72707369, std::chrono::milliseconds(1000)));
}

TEST_P(database_test, pool_hands_each_thread_its_own_connection) {
  db->execute("CREATE TABLE n (id INTEGER PRIMARY KEY)");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < 25; ++k) db->execute("INSERT INTO n VALUES ($1)", {std::int64_t{t * 100 + k}});
    });
  for (auto &t : threads) t.join();
  EXPECT_EQ(std::get<std::int64_t>(db->query("SELECT count(*) FROM n").rows.at(0).at(0)), 100);
  EXPECT_LE(db->pool().open_count(), db->pool().max_size());
}
