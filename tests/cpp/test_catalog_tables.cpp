// read_tables(): the whole-schema catalog read gives what the per-table reads give, on both
// backends (PostgreSQL overrides it with four whole-schema queries; the base class asks per table).
#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <vector>

#include "carrierdb/backend/connection.hpp"
#include "test_support.hpp"

using namespace carrierdb;
using carrierdb::testing::backend_test;

class catalog_tables_test : public backend_test {};
CARRIERDB_BOTH_BACKENDS(catalog_tables_test);

namespace {

// One line per fact the read gives, so that a difference reads as that fact.
std::vector<std::string> described(const table_catalog &t) {
  const auto list = [](const auto &items) {
    std::string out;
    for (const auto &i : items) out += std::string(out.empty() ? "" : ",") + (std::is_same_v<std::decay_t<decltype(i)>, bool> ? (i ? "desc" : "asc") : std::string(i));
    return out;
  };
  std::vector<std::string> out{"table " + t.name, "primary key " + t.primary_key_name + " (" + list(t.primary_key) + ")"};
  for (const auto &c : t.columns)
    out.push_back("column " + c.name + " " + c.type + (c.nullable ? " null" : " not null") + " default=" + c.default_sql +
                  (c.auto_increment ? " autoincrement" : ""));
  for (const auto &i : t.indexes)
    out.push_back("index " + i.name + " (" + list(i.columns) + ") " + list(i.descending) + (i.unique ? " unique " : " ") + i.method);
  for (const auto &k : t.foreign_keys)
    out.push_back("foreign key " + k.name + " (" + list(k.columns) + ") -> " + k.referenced_table + " (" + list(k.referenced_columns) +
                  ") on delete " + k.on_delete + " on update " + k.on_update);
  return out;
}

}  // namespace

TEST_P(catalog_tables_test, whole_schema_read_matches_the_per_table_reads) {
  db->execute_script(
      "CREATE TABLE carrier (id INTEGER NOT NULL, name VARCHAR(80) NOT NULL DEFAULT 'x', region TEXT, "
      "CONSTRAINT carrier_pkey PRIMARY KEY (id));\n"
      "CREATE TABLE truck (carrier_id INTEGER NOT NULL, vin TEXT NOT NULL, year INTEGER, "
      "CONSTRAINT truck_pkey PRIMARY KEY (vin, carrier_id), "
      "CONSTRAINT truck_carrier_fkey FOREIGN KEY (carrier_id) REFERENCES carrier (id) ON DELETE CASCADE ON UPDATE SET NULL);\n"
      "CREATE UNIQUE INDEX truck_year_vin_key ON truck (year DESC, vin);\n"
      "CREATE INDEX carrier_region_idx ON carrier (region);\n"
      "CREATE TABLE note (body TEXT);\n");
  db->with_connection([&](connection &conn) {
    const std::vector<std::string> names{"carrier", "note", "truck", "missing"};
    const auto whole = conn.read_tables(names);
    const auto per_table = conn.connection::read_tables(names);  // the base class: table by table
    ASSERT_EQ(whole.size(), names.size());
    ASSERT_EQ(per_table.size(), names.size());
    for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(described(whole[i]), described(per_table[i]));
    // What the read must contain, so that two empty reads cannot pass as equal.
    EXPECT_EQ(whole[2].primary_key, (std::vector<std::string>{"vin", "carrier_id"}));
    ASSERT_EQ(whole[2].foreign_keys.size(), 1u);
    EXPECT_EQ(whole[2].foreign_keys[0].on_delete, "CASCADE");
    ASSERT_EQ(whole[2].indexes.size(), 1u);
    EXPECT_EQ(whole[2].indexes[0].descending, (std::vector<bool>{true, false}));
    EXPECT_EQ(whole[0].columns.size(), 3u);
    EXPECT_TRUE(whole[1].primary_key.empty());
    EXPECT_TRUE(whole[3].columns.empty());
  });
}
