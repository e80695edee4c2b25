// Test support: a fresh database per test on each backend (SQLite file, PostgreSQL database).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "carrierdb/database.hpp"

namespace carrierdb::testing {

inline std::string admin_url() {
  const char *url = std::getenv("CARRIERDB_TEST_DATABASE_URL");
  return url ? url : "";
}

/// Replaces the path of a postgresql:// URL with `/dbname`, keeping any query.
inline std::string with_database(const std::string &url, const std::string &dbname) {
  const auto scheme_end = url.find("://") + 3;
  const auto slash = url.find('/', scheme_end);
  const auto query = url.find('?', scheme_end);
  std::string base = url.substr(0, slash == std::string::npos ? query : slash);
  return base + "/" + dbname + (query == std::string::npos ? "" : url.substr(query));
}

/// Creates an empty database of `backend` for one test and removes it afterwards.
class scratch_database {
public:
  explicit scratch_database(const std::string &backend) : m_backend(backend) {
    static std::atomic<int> counter{0};
    const std::string tag = std::to_string(getpid()) + "_" + std::to_string(counter++);
    if (backend == "sqlite") {
      m_dir = std::filesystem::temp_directory_path() / ("carrierdb_gtest_" + tag);
      std::filesystem::create_directories(m_dir);
      m_url = "sqlite:" + (m_dir / "test.db").string();
    } else {
      m_name = "carrierdb_gtest_" + tag;
      m_admin = database::open(admin_url(), connection_options{});
      m_admin->execute("CREATE DATABASE \"" + m_name + "\"");
      m_url = with_database(admin_url(), m_name);
    }
  }
  ~scratch_database() {
    if (m_admin) m_admin->execute("DROP DATABASE IF EXISTS \"" + m_name + "\" WITH (FORCE)");
    if (!m_dir.empty()) std::filesystem::remove_all(m_dir);
  }
  const std::string &url() const { return m_url; }

private:
  std::string m_backend, m_url, m_name;
  std::filesystem::path m_dir;
  std::shared_ptr<database> m_admin;
};

/// Parameterised over "sqlite" and "postgresql". Without CARRIERDB_TEST_DATABASE_URL the
/// PostgreSQL cases are skipped, except under CI=true, where that is a failure.
class backend_test : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    if (GetParam() == "postgresql" && admin_url().empty()) {
      const char *ci = std::getenv("CI");
      if (ci && std::string(ci) == "true") FAIL() << "CI=true but CARRIERDB_TEST_DATABASE_URL is not set";
      GTEST_SKIP() << "CARRIERDB_TEST_DATABASE_URL is not set (scripts/test starts a server and sets it)";
    }
    m_scratch = std::make_unique<scratch_database>(GetParam());
    db = database::open(m_scratch->url(), connection_options{});
  }
  void TearDown() override {
    db.reset();
    m_scratch.reset();
  }
  std::string url() const { return m_scratch->url(); }

  std::shared_ptr<database> db;

private:
  std::unique_ptr<scratch_database> m_scratch;
};

#define CARRIERDB_BOTH_BACKENDS(suite) \
  INSTANTIATE_TEST_SUITE_P(backends, suite, ::testing::Values("sqlite", "postgresql"), \
                           [](const auto &info) { return info.param; })

}  // namespace carrierdb::testing
