// Bulk loads (connection::begin_copy): PostgreSQL's binary COPY must store exactly what the same
// values bound as parameters store, refuse what the server would refuse, and fall back to text
// COPY for column types it has no binary form for.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "backend/pg_binary.hpp"
#include "carrierdb/backend/connection.hpp"
#include "carrierdb/error.hpp"
#include "test_support.hpp"

using namespace carrierdb;
using carrierdb::internal::append_pg_binary_field;
using carrierdb::internal::pg_binary_type;
using carrierdb::testing::backend_test;

namespace {

std::string encoded(const value &v, pg_binary_type type) {
  std::string out;
  append_pg_binary_field(out, v, type);
  return out;
}

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out += static_cast<char>(b);
  return out;
}

std::string sqlstate_of(const value &v, pg_binary_type type) {
  try {
    encoded(v, type);
  } catch (const data_error &e) {
    return e.diag().sqlstate;
  }
  return "accepted";
}

}  // namespace

TEST(pg_binary, encodes_network_order_and_the_2000_epoch) {
  EXPECT_EQ(encoded(std::int64_t{42}, pg_binary_type::int4), bytes({0, 0, 0, 4, 0, 0, 0, 42}));
  EXPECT_EQ(encoded(std::int64_t{-2}, pg_binary_type::int2), bytes({0, 0, 0, 2, 0xFF, 0xFE}));
  EXPECT_EQ(encoded(std::string(" +7 "), pg_binary_type::int8), bytes({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7}));
  EXPECT_EQ(encoded(std::monostate{}, pg_binary_type::text), bytes({0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(encoded(true, pg_binary_type::boolean), bytes({0, 0, 0, 1, 1}));
  EXPECT_EQ(encoded(std::string("off"), pg_binary_type::boolean), bytes({0, 0, 0, 1, 0}));
  EXPECT_EQ(encoded(std::string("ab"), pg_binary_type::jsonb), bytes({0, 0, 0, 3, 1, 'a', 'b'}));
  // 2000-01-01 is zero; a day is 86,400,000,000 microseconds (0x141DD76000).
  EXPECT_EQ(encoded(std::string("2000-01-01 00:00:00+00"), pg_binary_type::timestamptz), bytes({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(encoded(std::string("2000-01-02T00:00:00Z"), pg_binary_type::timestamp), bytes({0, 0, 0, 8, 0, 0, 0, 0x14, 0x1D, 0xD7, 0x60, 0}));
  // A timestamp without time zone keeps the wall time as written; with a time zone, the instant.
  EXPECT_EQ(encoded(std::string("2000-01-02 01:00:00+01"), pg_binary_type::timestamptz), bytes({0, 0, 0, 8, 0, 0, 0, 0x14, 0x1D, 0xD7, 0x60, 0}));
  EXPECT_NE(encoded(std::string("2000-01-02 01:00:00+01"), pg_binary_type::timestamp), bytes({0, 0, 0, 8, 0, 0, 0, 0x14, 0x1D, 0xD7, 0x60, 0}));
  EXPECT_EQ(encoded(std::string("1999-12-31"), pg_binary_type::date), bytes({0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(encoded(std::string("infinity"), pg_binary_type::date), bytes({0, 0, 0, 4, 0x7F, 0xFF, 0xFF, 0xFF}));
  // The fraction rounds as the server's: a double times 10^6, half to even (.0000045 -> 4 us).
  EXPECT_EQ(encoded(std::string("2000-01-01 00:00:00.0000045"), pg_binary_type::timestamp), bytes({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 4}));
  EXPECT_EQ(encoded(std::string("{00112233-4455-6677-8899-AABBCCDDEEFF}"), pg_binary_type::uuid),
            bytes({0, 0, 0, 16, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF}));
}

TEST(pg_binary, refuses_what_the_server_would_refuse_with_its_sqlstate) {
  EXPECT_EQ(sqlstate_of(std::int64_t{2147483648}, pg_binary_type::int4), "22003");
  EXPECT_EQ(sqlstate_of(std::string("99999999999999999999"), pg_binary_type::int8), "22003");
  EXPECT_EQ(sqlstate_of(std::string("12x"), pg_binary_type::int4), "22P02");
  EXPECT_EQ(sqlstate_of(2.5, pg_binary_type::int4), "22P02");  // the text path would send "2.5"
  EXPECT_EQ(sqlstate_of(12.0, pg_binary_type::int4), "accepted");
  EXPECT_EQ(sqlstate_of(std::string("1e400"), pg_binary_type::float8), "22003");
  EXPECT_EQ(sqlstate_of(1e300, pg_binary_type::float4), "22003");  // fits a double, not a real
  EXPECT_EQ(sqlstate_of(std::string("1e300"), pg_binary_type::float4), "22003");
  EXPECT_EQ(sqlstate_of(std::string("maybe"), pg_binary_type::boolean), "22P02");
  EXPECT_EQ(sqlstate_of(std::string("2024-02-30"), pg_binary_type::date), "22008");
  EXPECT_EQ(sqlstate_of(std::string("31/01/2024"), pg_binary_type::timestamp), "22007");
  EXPECT_EQ(sqlstate_of(std::string("0011-2233"), pg_binary_type::uuid), "22P02");
  EXPECT_EQ(sqlstate_of(std::string("a\0b", 3), pg_binary_type::text), "22021");
  EXPECT_EQ(sqlstate_of(std::string("0000-01-01"), pg_binary_type::date), "22008");  // no year 0; BC is not taken
  EXPECT_EQ(sqlstate_of(std::string("2024-01-01 00:61:00"), pg_binary_type::timestamp), "22008");
}

class bulk_load_test : public backend_test {};
INSTANTIATE_TEST_SUITE_P(postgresql, bulk_load_test, ::testing::Values("postgresql"), [](const auto &info) { return info.param; });

namespace {

const char *k_typed_table =
    " (k int PRIMARY KEY, a text, b varchar(10), c char(4), d mood, e smallint, f integer, g bigint, h real, i double precision,"
    " j boolean, l timestamp(3), m timestamptz, n date, o uuid, p json, q jsonb)";

const std::vector<std::string> k_typed_columns = {"k", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "l", "m", "n", "o", "p", "q"};

std::vector<std::vector<value>> typed_rows() {
  using s = std::string;
  const value null = std::monostate{};
  return {
      {std::int64_t{1}, s("tab\there\nnew\\line \xC3\xBC \"q\""), s("short"), s("ab"), s("ok"), std::int64_t{7},
       std::int64_t{std::numeric_limits<std::int32_t>::min()}, std::int64_t{std::numeric_limits<std::int64_t>::max()}, 1.5, 0.1, true,
       s("2024-02-29 23:59:59.999+00"), s("2024-02-29 23:59:59.999+05:30"), s("2024-02-29 10:00:00+00"), s("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
       s("{\"a\": [1, 2]}"), s("{\"b\": null, \"a\": 1}")},
      {std::int64_t{2}, s(""), s("0123456789"), s("abcd"), s("sad"), s(" 42 "), s("-17"), s("+9000000000"), s("3.25"), s("-Infinity"), s("yes"),
       s("2024-01-31T12:00:00Z"), s("infinity"), s("2000-01-01"), s("{a0eebc999c0b4ef8bb6d6bb9bd380a11}"), s("[]"), std::int64_t{42}},
      {std::int64_t{3}, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null},
      {std::int64_t{4}, std::int64_t{5}, 2.5, s("xy"), s("ok"), 12.0, std::int64_t{-1}, s("-9223372036854775808"), std::int64_t{3}, std::int64_t{-7},
       s("off"), s("2024-01-01 00:00:00.1234565"), s("2023-12-31 16:00:00-08"), s("2024-03-01 23:59:59+00"), s("a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11"),
       s("3"), s("\"text\"")},
      {std::int64_t{5}, s("\xE2\x9C\x93"), s("x"), s("x"), s("sad"), std::int64_t{-32768}, std::int64_t{0}, std::int64_t{0}, s("NaN"), s("1e-300"),
       s("t"), s("2024-06-30 24:00:00"), s("2024-06-30 12:34:56.789012+00:00"), s("2024-06-30"), s("00000000-0000-0000-0000-000000000000"),
       s("{}"), s("{\"nested\": {\"x\": [true, false]}}")},
      // Edges of the server's date/time reading: a leap second, 24:00 with a fraction that rounds
      // away, half-even rounding of a 7th digit, infinite dates.
      {std::int64_t{6}, null, null, null, null, null, null, null, null, null, null, s("2016-12-31 23:59:60"), s("2024-06-30 24:00:00.0000005"),
       s("infinity"), null, null, null},
      {std::int64_t{7}, null, null, null, null, null, null, null, null, null, null, s("2024-01-01 00:00:00.0000045"),
       s("2024-01-01 00:00:00.0000055+00"), s("-infinity"), null, null, null},
  };
}

std::vector<std::string> as_text(connection &c, const std::string &table) {
  std::vector<std::string> out;
  for (const auto &row : c.query("SELECT t::text FROM " + table + " t ORDER BY k").rows) out.push_back(std::get<std::string>(row[0]));
  return out;
}

}  // namespace

TEST_P(bulk_load_test, binary_copy_stores_what_parameters_store) {
  db->execute("CREATE TYPE mood AS ENUM ('ok', 'sad')");
  db->execute(std::string("CREATE TABLE loaded") + k_typed_table);
  db->execute(std::string("CREATE TABLE inserted") + k_typed_table);
  db->with_connection([&](connection &c) {
    c.begin();
    auto sink = c.begin_copy("loaded", k_typed_columns);
    for (const auto &row : typed_rows()) sink->write(row);
    EXPECT_EQ(sink->finish(), 7);
    sink.reset();
    for (const auto &row : typed_rows())
      c.execute("INSERT INTO inserted VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)", row);
    c.commit();
    const auto loaded = as_text(c, "loaded");
    ASSERT_EQ(loaded.size(), 7u);
    EXPECT_EQ(loaded, as_text(c, "inserted"));
  });
}

TEST_P(bulk_load_test, refused_values_and_server_errors_leave_the_connection_usable) {
  db->execute("CREATE TYPE mood AS ENUM ('ok', 'sad')");
  db->execute(std::string("CREATE TABLE t") + k_typed_table);
  db->with_connection([&](connection &c) {
    const auto row_with = [&](std::size_t column, value v) {
      std::vector<value> row(k_typed_columns.size(), std::monostate{});
      row[0] = std::int64_t{1};
      row[column] = std::move(v);
      return row;
    };
    // Refused before it is sent: an integer that does not fit.
    c.begin();
    {
      auto sink = c.begin_copy("t", k_typed_columns);
      try {
        sink->write(row_with(6, std::int64_t{1} << 40));
        FAIL() << "expected data_error";
      } catch (const data_error &e) {
        EXPECT_EQ(e.diag().sqlstate, "22003");
        EXPECT_NE(std::string(e.what()).find("out of range for type integer"), std::string::npos);
      }
    }  // abandoned: the COPY is ended so that the transaction can roll back
    c.rollback();
    EXPECT_EQ(std::get<std::int64_t>(c.query("SELECT count(*) FROM t").rows[0][0]), 0);

    // Refused by the server: a label the enum lacks, a string longer than varchar(10), a key twice.
    struct server_case {
      std::vector<std::vector<value>> rows;
      std::string sqlstate;
      std::string words;
    };
    const std::vector<server_case> cases = {
        {{row_with(4, std::string("happy"))}, "22P02", "invalid input value for enum mood"},
        {{row_with(2, std::string("01234567890"))}, "22001", "value too long for type character varying(10)"},
        {{row_with(1, std::string("a")), row_with(1, std::string("b"))}, "23505", "duplicate key value"},
    };
    for (const auto &sc : cases) {
      c.begin();
      try {
        auto sink = c.begin_copy("t", k_typed_columns);
        for (const auto &r : sc.rows) sink->write(r);
        sink->finish();
        FAIL() << "expected " << sc.sqlstate;
      } catch (const database_error &e) {
        EXPECT_EQ(e.diag().sqlstate, sc.sqlstate);
        EXPECT_NE(std::string(e.what()).find(sc.words), std::string::npos) << e.what();
        if (sc.sqlstate == "23505") {
          EXPECT_NE(dynamic_cast<const unique_violation *>(&e), nullptr);
          ASSERT_EQ(e.diag().columns.size(), 1u);
          EXPECT_EQ(e.diag().columns[0], "k");
        }
      }
      c.rollback();
      EXPECT_EQ(std::get<std::int64_t>(c.query("SELECT count(*) FROM t").rows[0][0]), 0);
    }
  });
}

TEST_P(bulk_load_test, types_without_a_binary_form_load_as_text) {
  db->execute("CREATE DOMAIN positive AS integer CHECK (VALUE > 0)");
  db->execute("CREATE TABLE t (k int PRIMARY KEY, amount numeric(10, 2), span interval, p positive, tags text[])");
  db->with_connection([&](connection &c) {
    c.begin();
    auto sink = c.begin_copy("t", {"k", "amount", "span", "p", "tags"});
    sink->write({std::int64_t{1}, std::string("12.345"), std::string("1 day 2 hours"), std::int64_t{3}, std::string("{a,\"b c\"}")});
    sink->write({std::int64_t{2}, 0.5, std::monostate{}, std::string("4"), std::monostate{}});
    EXPECT_EQ(sink->finish(), 2);
    sink.reset();
    c.commit();
    const auto rows = as_text(c, "t");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0], "(1,12.35,\"1 day 02:00:00\",3,\"{a,\"\"b c\"\"}\")");
    EXPECT_EQ(rows[1], "(2,0.50,,4,)");
  });
}

TEST_P(bulk_load_test, a_statement_on_the_connection_of_an_open_binary_copy_is_refused) {
  db->execute("CREATE TABLE t (k int PRIMARY KEY, name text)");
  db->with_connection([&](connection &c) {
    c.begin();
    auto sink = c.begin_copy("t", {"k", "name"});
    sink->write({std::int64_t{1}, std::string("a")});
    try {
      c.query("SELECT 1");
      FAIL() << "expected programming_error";
    } catch (const programming_error &e) {
      EXPECT_NE(std::string(e.what()).find("bulk load (COPY) is in progress"), std::string::npos) << e.what();
    }
    // The load was not disturbed.
    sink->write({std::int64_t{2}, std::string("b")});
    EXPECT_EQ(sink->finish(), 2);
    sink.reset();
    c.commit();
    EXPECT_EQ(std::get<std::int64_t>(c.query("SELECT count(*) FROM t").rows[0][0]), 2);
  });
}
