// Regular expressions for untrusted patterns and subjects, on PCRE2.
//
// zod rules carry JavaScript regex literals written by users, and validation runs them on data
// from files and notebooks. std::regex is not fit for either: libstdc++ overflows a signed integer
// on a huge `{n}` bound, expands bounded repeats into one state each, and recurses once per subject
// character, so a long value overflows the stack. PCRE2 bounds all three (quantifiers up to 65535,
// a compile-time pattern budget, match and depth limits) and is JIT-compiled where available.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace carrierdb {

// A pattern that does not compile: what is wrong and where (0-based byte offset into the pattern).
class pattern_syntax_error : public std::runtime_error {
 public:
  pattern_syntax_error(const std::string &what, std::size_t offset) : std::runtime_error(what), m_offset(offset) {}
  std::size_t offset() const noexcept { return m_offset; }

 private:
  std::size_t m_offset;
};

// A match that gave up: the pattern backtracks catastrophically on this subject.
class pattern_limit_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class pattern {
 public:
  // Compiles `source` with JavaScript semantics as far as they matter for validation: `$` matches
  // only at the end, `\uXXXX` escapes, unset back-references match the empty string. `flags` are
  // JavaScript's: i (case-insensitive), m (multiline), s (dotAll), u (Unicode: accepted, patterns
  // always see code points), g (ignored for a test), y (sticky: anchored at the start).
  // Throws pattern_syntax_error.
  //
  // `utf8` patterns see code points and do not match a subject that is not valid UTF-8; `bytes`
  // patterns see bytes and match anything (for server messages and other text of unknown encoding).
  enum class unit { utf8, bytes };
  static std::shared_ptr<const pattern> compile(std::string_view source, std::string_view flags = "", unit mode = unit::utf8);

  ~pattern();
  pattern(const pattern &) = delete;
  pattern &operator=(const pattern &) = delete;

  // True when the pattern matches somewhere in `subject` (RegExp.prototype.test). A subject that
  // is not valid UTF-8 does not match. Throws pattern_limit_error when the match limit is hit.
  bool search(std::string_view subject) const;

  // Like search, and fills `groups` when it matches: index 0 is the whole match, unset groups are
  // empty optionals. The views point into `subject`.
  bool search(std::string_view subject, std::vector<std::optional<std::string_view>> &groups) const;

  // Every match replaced by `replacement`, in which $1, $2, ... are the groups (String.replace
  // with a global regex). Throws pattern_limit_error like search.
  std::string replace_all(std::string_view subject, std::string_view replacement) const;

  const std::string &source() const noexcept { return m_source; }
  const std::string &flags() const noexcept { return m_flags; }

 private:
  pattern() = default;
  int run(std::string_view subject, std::uint32_t options, void *match_data) const;

  std::string m_source, m_flags;
  void *m_code = nullptr;  // pcre2_code_8
  std::uint32_t m_groups = 0;
};

}  // namespace carrierdb
