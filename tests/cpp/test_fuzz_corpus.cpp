// Replays the fuzzing corpora kept in tests/fuzz/corpus through the parsers on every build
// (and under the sanitizers): inputs that once found new paths must keep being handled.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "backend/sql_script.hpp"
#include "carrierdb/error.hpp"
#include "carrierdb/migrate/data_loss.hpp"
#include "carrierdb/schema/schema.hpp"

namespace fs = std::filesystem;

namespace {
std::vector<std::string> corpus(const std::string &name) {
  std::vector<std::string> out;
  for (const auto &entry : fs::directory_iterator(fs::path(CARRIERDB_SOURCE_DIR) / "tests/fuzz/corpus" / name)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back(text.str());
  }
  return out;
}
}  // namespace

TEST(fuzz_corpus, schema_parser_accepts_or_rejects_every_input) {
  const auto inputs = corpus("schema_parser");
  ASSERT_GT(inputs.size(), 5u);
  std::size_t accepted = 0;
  for (const auto &text : inputs) {
    try {
      carrierdb::schema::parse(text, "corpus.prisma");
      ++accepted;
    } catch (const carrierdb::schema_error &e) {
      EXPECT_GE(e.line(), 1) << e.what();  // every rejection says where
    }
  }
  EXPECT_GT(accepted, 0u);
}

TEST(fuzz_corpus, statement_spans_stay_inside_the_script) {
  const auto inputs = corpus("sql_script");
  ASSERT_GT(inputs.size(), 3u);
  for (const auto &text : inputs)
    for (const auto &span : carrierdb::internal::split_postgres_script(text)) {
      ASSERT_LE(span.offset + span.length, text.size());
      ASSERT_GE(span.line, 1);
    }
}

TEST(fuzz_corpus, dropped_objects_are_read_from_every_script) {
  for (const auto &text : corpus("sql_script"))
    for (const auto &dropped : carrierdb::find_dropped_objects(text)) ASSERT_LE(dropped.table.size(), text.size());
}
