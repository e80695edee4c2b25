// The seeder's pipeline on both backends, under the sanitizers too: rows read on one thread,
// validated on others, loaded on the caller's; every exit path (bad rows, a malformed line, a
// failing producer, a throwing progress callback) ends every thread and writes nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <thread>

#include "carrierdb/error.hpp"
#include "carrierdb/migrate/migrator.hpp"
#include "carrierdb/interrupt.hpp"
#include "carrierdb/export/exporter.hpp"
#include "carrierdb/seed/seeder.hpp"
#include "test_support.hpp"

using namespace carrierdb;
using carrierdb::testing::backend_test;
namespace fs = std::filesystem;

namespace {

class seeding_test : public backend_test {
protected:
  void SetUp() override {
    backend_test::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    migrator_options migrations;
    migrations.directory = std::string(CARRIERDB_SOURCE_DIR) + "/migrations";
    migrator(db, migrations).deploy();
    m_schema = std::make_shared<const schema>(schema::load(std::string(CARRIERDB_SOURCE_DIR) + "/schema.prisma"));
    m_dir = fs::temp_directory_path() / ("carrierdb_seed_gtest_" + std::to_string(::getpid()) + "_" + GetParam());
    fs::create_directories(m_dir);
    options.environment = "test";
  }
  void TearDown() override {
    if (!m_dir.empty()) fs::remove_all(m_dir);
    backend_test::TearDown();
  }

  // A seed set of one CSV file with `rows` carriers; lines in `bad` fail validation, the line
  // `malformed` lacks a field (the header is line 1).
  seed_manifest write_set(int rows, const std::set<int> &bad = {}, int malformed = 0, const std::string &version = "1") {
    std::ofstream csv(m_dir / "c.csv", std::ios::trunc);
    csv << "name,mcNumber,status\n";
    for (int k = 0; k < rows; ++k) {
      const int line = k + 2;
      if (bad.count(line)) csv << "Carrier " << k << "," << k << ",ACTIVE\n";
      else if (line == malformed) csv << "Carrier " << k << ",MC" << k + 1 << "\n";
      else csv << "Carrier " << k << " & Sons,MC" << k + 1 << ",ACTIVE\n";
    }
    csv.close();
    std::ofstream(m_dir / "manifest.json", std::ios::trunc)
        << R"({"name": "t", "version": ")" << version << R"(", "files": [{"path": "c.csv", "model": "Carrier", "key": ["mcNumber"]}]})";
    return seed_manifest::load((m_dir / "manifest.json").string());
  }

  std::int64_t carriers() { return std::get<std::int64_t>(db->query("SELECT count(*) FROM carriers").rows.at(0).at(0)); }

  std::shared_ptr<const schema> m_schema;
  fs::path m_dir;
  seed_options options;
};
CARRIERDB_BOTH_BACKENDS(seeding_test);

}  // namespace

TEST_P(seeding_test, loads_and_reloads_many_batches) {
  seeder s(db, m_schema);
  const auto manifest = write_set(20000);
  EXPECT_EQ(s.apply(manifest, options).inserted(), 20000);
  options.force = true;
  const seed_result again = s.apply(manifest, options);
  EXPECT_EQ(again.unchanged(), 20000);
  EXPECT_EQ(again.inserted() + again.updated(), 0);
  EXPECT_EQ(carriers(), 20000);
}

TEST_P(seeding_test, every_bad_row_is_reported_in_file_order_and_nothing_written) {
  seeder s(db, m_schema);
  try {
    s.apply(write_set(20000, {2, 9000, 20001}), options);
    FAIL() << "expected validation_error";
  } catch (const validation_error &e) {
    std::vector<std::string> rows;
    for (const auto &i : e.issues()) rows.push_back(i.row);
    EXPECT_EQ(rows, (std::vector<std::string>{"c.csv:2", "c.csv:9000", "c.csv:20001"}));
  }
  EXPECT_EQ(carriers(), 0);
}

TEST_P(seeding_test, a_malformed_line_late_in_the_file_stops_everything) {
  seeder s(db, m_schema);
  try {
    s.apply(write_set(20000, {}, 15000), options);
    FAIL() << "expected configuration_error";
  } catch (const configuration_error &e) {
    EXPECT_NE(std::string(e.what()).find("c.csv:15000"), std::string::npos) << e.what();
  }
  EXPECT_EQ(carriers(), 0);
  EXPECT_EQ(s.apply(write_set(10, {}, 0, "2"), options).inserted(), 10);
}

TEST_P(seeding_test, progress_runs_on_the_calling_thread_and_its_exception_stops_the_load) {
  seeder s(db, m_schema);
  const auto caller = std::this_thread::get_id();
  int calls = 0;
  options.progress = [&](const seed_progress &) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    ++calls;
  };
  const auto manifest = write_set(60000);
  EXPECT_EQ(s.apply(manifest, options).inserted(), 60000);
  EXPECT_GE(calls, 3);
  options.force = true;
  options.progress = [](const seed_progress &) { throw std::runtime_error("stop"); };
  EXPECT_THROW(s.apply(write_set(60000, {}, 0, "2"), options), std::runtime_error);
  EXPECT_EQ(carriers(), 60000);
}

TEST_P(seeding_test, a_failing_record_stream_stops_the_load_and_writes_nothing) {
  seeder s(db, m_schema);
  const auto fill = [](std::vector<record> &chunk, int first) {
    for (int n = first; n < first + 1000; ++n)
      chunk.push_back({{"name", std::string("Carrier ") + std::to_string(n)}, {"mcNumber", "MC" + std::to_string(n + 1)}});
  };
  int chunks = 0;
  const auto failing = [&](std::vector<record> &chunk) {
    if (++chunks == 20) throw std::runtime_error("the producer failed");
    fill(chunk, chunks * 1000);
    return true;
  };
  EXPECT_THROW(s.apply_stream("Carrier", failing, {"mcNumber"}, "records", options), std::runtime_error);
  EXPECT_EQ(carriers(), 0);
  chunks = 0;
  const auto five = [&](std::vector<record> &chunk) {
    if (++chunks > 5) return false;
    fill(chunk, chunks * 1000);
    return true;
  };
  EXPECT_EQ(s.apply_stream("Carrier", five, {"mcNumber"}, "records", options).inserted(), 5000);
}

TEST_P(seeding_test, a_stop_midway_rolls_the_whole_seed_back_and_records_nothing) {
  seeder s(db, m_schema);
  const auto manifest = write_set(60000);
  interrupt_token token;
  interrupt_scope scope(token);
  std::thread stopper;
  options.progress = [&](const seed_progress &p) {
    // From another thread, as the signal watcher does, once a third of the file was read.
    if (!stopper.joinable() && p.bytes * 3 > p.total_bytes) stopper = std::thread([&] { token.request(2); });
  };
  try {
    s.apply(manifest, options);
    FAIL() << "expected interrupted_error";
  } catch (const interrupted_error &e) {
    EXPECT_FALSE(e.committed());
    EXPECT_NE(std::string(e.what()).find("rolled back"), std::string::npos) << e.what();
  }
  stopper.join();
  interrupt_shield shield;  // the stop stays requested on this thread: look without it
  EXPECT_EQ(carriers(), 0);
  EXPECT_TRUE(s.history().empty());
}

TEST_P(seeding_test, a_stopped_export_leaves_the_target_file_as_it_was) {
  seeder(db, m_schema).apply(write_set(12000), options);
  const fs::path target = m_dir / "export.csv";
  std::ofstream(target) << "the previous export\n";
  interrupt_token token;
  interrupt_scope scope(token);
  token.request(15);
  EXPECT_THROW(export_csv(db, m_schema, "Carrier", target.string(), export_options{}), interrupted_error);
  std::ifstream in(target);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "the previous export\n");
  EXPECT_FALSE(fs::exists(target.string() + ".partial"));
}
