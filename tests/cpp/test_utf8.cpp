// The one UTF-8 check: PostgreSQL's notion of valid (RFC 3629), tested against every class of
// ill-formed input and checked exhaustively against an independent decoder for short strings.
#include <gtest/gtest.h>

#include <string>

#include "carrierdb/utf8.hpp"

using namespace carrierdb;

namespace {

constexpr auto npos = std::string_view::npos;

// An independent reference: decode by arithmetic, then refuse overlongs, surrogates and values
// above U+10FFFF.
bool reference_valid(const std::string &s) {
  std::size_t k = 0;
  while (k < s.size()) {
    const auto c = static_cast<unsigned char>(s[k]);
    std::size_t n;
    unsigned cp;
    if (c < 0x80) n = 1, cp = c;
    else if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
    else return false;
    if (k + n > s.size()) return false;
    for (std::size_t j = 1; j < n; ++j) {
      const auto d = static_cast<unsigned char>(s[k + j]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    k += n;
  }
  return true;
}

}  // namespace

TEST(utf8, valid_text_of_every_length) {
  EXPECT_EQ(invalid_utf8_at(""), npos);
  EXPECT_EQ(invalid_utf8_at("plain ASCII, longer than eight bytes"), npos);
  EXPECT_EQ(invalid_utf8_at("Zo\xC3\xAB \xE8\xB2\xA8 \xF0\x9F\x9A\x9A \xF4\x8F\xBF\xBF \xEF\xBF\xBF"), npos);  // up to U+10FFFF
  EXPECT_EQ(invalid_utf8_at("\xED\x9F\xBF\xEE\x80\x80"), npos);  // U+D7FF and U+E000, around the surrogates
}

TEST(utf8, ill_formed_text_is_found_at_its_byte) {
  EXPECT_EQ(invalid_utf8_at("M\xFCller"), 1u);                    // Latin-1
  EXPECT_EQ(invalid_utf8_at("abcdefghij\x80"), 10u);              // after the eight-byte fast path
  EXPECT_EQ(invalid_utf8_at("\xC0\xAF"), 0u);                     // overlong, two bytes
  EXPECT_EQ(invalid_utf8_at("\xE0\x80\xAF"), 0u);                 // overlong, three bytes
  EXPECT_EQ(invalid_utf8_at("\xF0\x80\x80\xAF"), 0u);             // overlong, four bytes
  EXPECT_EQ(invalid_utf8_at("ok\xED\xA0\x80"), 2u);               // U+D800 encoded (CESU-8)
  EXPECT_EQ(invalid_utf8_at("\xED\xBF\xBF"), 0u);                 // U+DFFF
  EXPECT_EQ(invalid_utf8_at("\xF4\x90\x80\x80"), 0u);             // U+110000
  EXPECT_EQ(invalid_utf8_at("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(invalid_utf8_at("\xF8\x88\x80\x80\x80"), 0u);         // five-byte forms
  EXPECT_EQ(invalid_utf8_at("ab\xE2\x82"), 2u);                   // cut short at the end
  EXPECT_EQ(invalid_utf8_at("\xE2\x82z"), 0u);                    // cut short in the middle
}

TEST(utf8, agrees_with_a_reference_decoder_on_every_short_sequence) {
  // Every 1- and 2-byte string, and every 3-byte string whose bytes are all non-ASCII.
  for (unsigned a = 0; a < 256; ++a) {
    std::string one(1, static_cast<char>(a));
    ASSERT_EQ(invalid_utf8_at(one) == npos, reference_valid(one)) << a;
    for (unsigned b = 0; b < 256; ++b) {
      std::string two = one + static_cast<char>(b);
      ASSERT_EQ(invalid_utf8_at(two) == npos, reference_valid(two)) << a << ' ' << b;
      if (a < 0x80 || b < 0x80) continue;
      for (unsigned c = 0x80; c < 256; ++c) {
        std::string three = two + static_cast<char>(c);
        ASSERT_EQ(invalid_utf8_at(three) == npos, reference_valid(three)) << a << ' ' << b << ' ' << c;
        const std::string four = three + "\x80";
        ASSERT_EQ(invalid_utf8_at(four) == npos, reference_valid(four)) << a << ' ' << b << ' ' << c;
      }
    }
  }
}

TEST(utf8, messages_show_the_position_and_hex_never_the_raw_bytes) {
  const std::string latin1 = "M\xFCller";
  const std::string what = describe_invalid_utf8(latin1, invalid_utf8_at(latin1));
  EXPECT_EQ(what.rfind("byte 2: 0xFC (", 0), 0u) << what;
  EXPECT_EQ(invalid_utf8_at(what), npos);
  EXPECT_NE(describe_invalid_utf8("\xED\xA0\x80", 0).find("0xED 0xA0 0x80 (a UTF-16 surrogate"), std::string::npos);
  EXPECT_NE(describe_invalid_utf8("\xC0\xAF", 0).find("overlong"), std::string::npos);
  EXPECT_NE(describe_invalid_utf8("\xF4\x90\x80\x80", 0).find("above U+10FFFF"), std::string::npos);
  EXPECT_EQ(printable_utf8(latin1), "M\\xFCller");
  EXPECT_EQ(printable_utf8("Zo\xC3\xAB"), "Zo\xC3\xAB");
  EXPECT_EQ(invalid_utf8_at(printable_utf8("\xE2\x82\xFF\xC3\xAB")), npos);
}
