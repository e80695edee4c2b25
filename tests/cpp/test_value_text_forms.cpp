// Text forms of the values that are not plain text: base64 (Bytes in seed files and Prisma's JSON
// protocol) and PostgreSQL's array literals and bytea hex, both ways.
#include <gtest/gtest.h>

#include <string>

#include "backend/postgres_arrays.hpp"
#include "carrierdb/base/base64.hpp"
#include "carrierdb/error.hpp"

using namespace carrierdb;
using carrierdb::internal::append_array_literal;
using carrierdb::internal::bytea_from_hex;
using carrierdb::internal::bytea_hex;
using carrierdb::internal::parse_array_literal;

namespace {

std::string literal(const value_list &list) {
  std::string out;
  append_array_literal(out, list);
  return out;
}

value_list texts(std::initializer_list<value> items) { return value_list{std::vector<value>(items)}; }

}  // namespace

TEST(base64, encodes_rfc4648_vectors_and_decodes_them_back) {
  const std::pair<const char *, const char *> vectors[] = {{"", ""},         {"f", "Zg=="},     {"fo", "Zm8="},        {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto &[plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded).value_or("?"), plain);
  }
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
  EXPECT_EQ(base64_decode("Zm8"), "fo");  // padding may be left out
}

TEST(base64, refuses_text_that_is_not_base64) {
  for (const char *bad : {"Zm9v!", "Z", "Zm9vY", "Zh==", "Zm=8", "Zm 9v", "====", "Zg==="})
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
}

TEST(postgres_arrays, quotes_and_escapes_every_text_element) {
  EXPECT_EQ(literal(texts({})), "{}");
  EXPECT_EQ(literal(texts({std::string("a,b"), std::string("q\"d"), std::string("b\\s"), std::string("NULL"), std::string(""),
                           std::monostate{}})),
            R"({"a,b","q\"d","b\\s","NULL","",NULL})");
  EXPECT_EQ(literal(texts({std::int64_t{-3}, 1.5, true})), "{-3,1.5,t}");
  EXPECT_EQ(literal(texts({byte_string{std::string("\0\xff", 2)}})), R"({"\\x00ff"})");
  EXPECT_THROW(literal(texts({std::string("a\0b", 3)})), data_error);
}

TEST(postgres_arrays, reads_what_the_server_prints) {
  EXPECT_EQ(parse_array_literal(R"({a,"b c",NULL,"NULL","q\"d","b\\s",""})", column_kind::text),
            value(texts({std::string("a"), std::string("b c"), std::monostate{}, std::string("NULL"), std::string("q\"d"),
                         std::string("b\\s"), std::string("")})));
  EXPECT_EQ(parse_array_literal("{1,-2,NULL}", column_kind::integer), value(texts({std::int64_t{1}, std::int64_t{-2}, std::monostate{}})));
  EXPECT_EQ(parse_array_literal("{t,f}", column_kind::boolean), value(texts({true, false})));
  EXPECT_EQ(parse_array_literal("[0:1]={7,8}", column_kind::integer), value(texts({std::int64_t{7}, std::int64_t{8}})));
  EXPECT_EQ(parse_array_literal(R"({"\\x00ff"})", column_kind::bytes), value(texts({byte_string{std::string("\0\xff", 2)}})));
  EXPECT_EQ(parse_array_literal("{}", column_kind::text), value(value_list{}));
  // What is not a one-dimensional array comes back as the text it was.
  for (const char *other : {"{{1,2},{3,4}}", "{a", R"({"a})", "{a}x", "plain", ""})
    EXPECT_EQ(parse_array_literal(other, column_kind::text), value(std::string(other))) << other;
}

TEST(postgres_arrays, round_trips_text_lists_through_the_literal) {
  const value_list awkward = texts({std::string("{brace}"), std::string(" spaced "), std::string("tab\there"), std::string("ünï"),
                                    std::string("\\\""), std::monostate{}});
  EXPECT_EQ(parse_array_literal(literal(awkward), column_kind::text), value(awkward));
}

TEST(postgres_arrays, bytea_hex_both_ways) {
  const byte_string b{std::string("\0\x01\xab", 3)};
  EXPECT_EQ(bytea_hex(b), "\\x0001ab");
  EXPECT_EQ(bytea_from_hex("\\x0001AB"), value(b));
  EXPECT_EQ(bytea_from_hex("\\001"), value(std::string("\\001")));  // the escape form is left as text
}
