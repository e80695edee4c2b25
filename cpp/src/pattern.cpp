#include "pattern.hpp"

#include <algorithm>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace carrierdb {
namespace {

constexpr std::size_t max_pattern_bytes = 8192;
// Backtracking steps per match: linear patterns need a few per subject byte, catastrophic ones
// need exponentially many, so the budget grows with the subject and stops runaway patterns early.
constexpr std::uint32_t base_match_limit = 1'000'000;
constexpr std::uint32_t match_steps_per_byte = 16;
constexpr std::uint32_t max_match_limit = 200'000'000;
constexpr std::uint32_t depth_limit = 10'000;     // nested backtracking frames per match
constexpr std::uint32_t cached_pairs = 32;        // capture pairs in the per-thread match data

std::string error_text(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0) return "error " + std::to_string(code);
  return reinterpret_cast<const char *>(buffer);
}

// Per-thread match state: pcre2_code is shareable across threads, match data and JIT stacks are not.
struct thread_state {
  pcre2_match_context *context = nullptr;
  pcre2_jit_stack *jit_stack = nullptr;
  pcre2_match_data *data = nullptr;

  thread_state() {
    context = pcre2_match_context_create(nullptr);
    jit_stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr);
    data = pcre2_match_data_create(cached_pairs, nullptr);
    if (!context || !jit_stack || !data) throw std::bad_alloc();
    pcre2_set_depth_limit(context, depth_limit);
    pcre2_jit_stack_assign(context, nullptr, jit_stack);
  }
  ~thread_state() {
    pcre2_match_data_free(data);
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
  }
};

thread_state &state() {
  thread_local thread_state s;
  return s;
}

struct match_data_deleter {
  void operator()(pcre2_match_data *d) const { pcre2_match_data_free(d); }
};

}  // namespace

std::shared_ptr<const pattern> pattern::compile(std::string_view source, std::string_view flags, unit mode) {
  std::uint32_t options = (mode == unit::utf8 ? PCRE2_UTF : 0) | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX | PCRE2_MATCH_UNSET_BACKREF;
  std::string seen;
  for (const char f : flags) {
    if (seen.find(f) != std::string::npos) throw pattern_syntax_error(std::string("flag '") + f + "' given twice", source.size());
    seen += f;
    switch (f) {
      case 'i': options |= PCRE2_CASELESS; break;
      case 'm': options |= PCRE2_MULTILINE; break;
      case 's': options |= PCRE2_DOTALL; break;
      case 'y': options |= PCRE2_ANCHORED; break;
      case 'u': case 'g': case 'd': break;
      default: throw pattern_syntax_error(std::string("unknown flag '") + f + "' (JavaScript flags: d, g, i, m, s, u, y)", source.size());
    }
  }
  if (source.size() > max_pattern_bytes)
    throw pattern_syntax_error("pattern longer than " + std::to_string(max_pattern_bytes) + " bytes", max_pattern_bytes);

  pcre2_compile_context *context = pcre2_compile_context_create(nullptr);
  if (!context) throw std::bad_alloc();
  pcre2_set_compile_extra_options(context, PCRE2_EXTRA_ALT_BSUX);
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code *compiled = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(), options, &code, &offset, context);
  pcre2_compile_context_free(context);
  if (!compiled) throw pattern_syntax_error(error_text(code), offset);

  std::shared_ptr<pattern> p(new pattern());
  p->m_code = compiled;
  p->m_source.assign(source);
  p->m_flags.assign(flags);
  pcre2_pattern_info(compiled, PCRE2_INFO_CAPTURECOUNT, &p->m_groups);
  // The interpreter is the fallback where this platform has no JIT; results are the same.
  (void)pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE);
  return p;
}

pattern::~pattern() { pcre2_code_free(static_cast<pcre2_code *>(m_code)); }

static std::uint32_t match_limit_for(std::size_t subject_bytes) {
  const std::size_t budget = base_match_limit + match_steps_per_byte * subject_bytes;
  return static_cast<std::uint32_t>(std::min<std::size_t>(budget, max_match_limit));
}

int pattern::run(std::string_view subject, std::uint32_t options, void *match_data) const {
  pcre2_set_match_limit(state().context, match_limit_for(subject.size()));
  const int rc = pcre2_match(static_cast<pcre2_code *>(m_code), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                             options, static_cast<pcre2_match_data *>(match_data), state().context);
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
    throw pattern_limit_error("/" + m_source + "/" + m_flags + " gave up on a " + std::to_string(subject.size()) +
                              "-byte value: " + error_text(rc) + "; simplify the pattern (nested or adjacent repeats backtrack)");
  return rc;
}

bool pattern::search(std::string_view subject) const {
  // rc == 0 means "matched, but the match data had too few pairs": still a match.
  return run(subject, 0, state().data) >= 0;
}

bool pattern::search(std::string_view subject, std::vector<std::optional<std::string_view>> &groups) const {
  std::unique_ptr<pcre2_match_data, match_data_deleter> own;
  pcre2_match_data *data = state().data;
  if (m_groups + 1 > cached_pairs) {
    own.reset(pcre2_match_data_create(m_groups + 1, nullptr));
    if (!own) throw std::bad_alloc();
    data = own.get();
  }
  const int rc = run(subject, 0, data);
  if (rc < 0) return false;
  const PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(data);
  groups.assign(m_groups + 1, std::nullopt);
  for (std::uint32_t i = 0; i <= m_groups; ++i) {
    if (ovector[2 * i] == PCRE2_UNSET) continue;
    groups[i] = subject.substr(ovector[2 * i], ovector[2 * i + 1] - ovector[2 * i]);
  }
  return true;
}

std::string pattern::replace_all(std::string_view subject, std::string_view replacement) const {
  std::string out(subject.size() + 64, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    PCRE2_SIZE length = out.size();
    pcre2_set_match_limit(state().context, match_limit_for(subject.size()));
    const int rc = pcre2_substitute(static_cast<pcre2_code *>(m_code), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                                    PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH, state().data, state().context,
                                    reinterpret_cast<PCRE2_SPTR>(replacement.data()), replacement.size(),
                                    reinterpret_cast<PCRE2_UCHAR *>(&out[0]), &length);
    if (rc >= 0) {
      out.resize(length);
      return out;
    }
    if (rc == PCRE2_ERROR_NOMEMORY) {
      out.assign(length, '\0');  // `length` is now the size needed
      continue;
    }
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
      throw pattern_limit_error("/" + m_source + "/" + m_flags + " gave up: " + error_text(rc));
    if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21) break;  // not UTF-8: nothing to replace
    throw std::invalid_argument("replacement '" + std::string(replacement) + "' for /" + m_source + "/: " + error_text(rc));
  }
  return std::string(subject);
}

}  // namespace carrierdb
