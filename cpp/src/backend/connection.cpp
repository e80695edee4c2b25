// Shared adapter behaviour and open_connection(): backend dispatch with retry and backoff.
#include "carrierdb/backend/connection.hpp"

#include <random>
#include <thread>

#include "carrierdb/error.hpp"
#include "carrierdb/log.hpp"
#include "postgres_connection.hpp"
#include "sqlite_connection.hpp"

namespace carrierdb {

std::string connection::quote_identifier(std::string_view name) const { return quote_standard_identifier(name); }

std::string connection::quote_standard_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void connection::begin() { execute("BEGIN"); }

std::vector<table_catalog> connection::read_tables(const std::vector<std::string> &tables) {
  std::vector<table_catalog> out;
  for (const auto &name : tables)
    out.push_back(table_catalog{name, table_columns(name), primary_key(name), primary_key_name(name), indexes(name), foreign_keys(name)});
  return out;
}

void connection::rollback_or_discard() noexcept {
  try {
    rollback();
  } catch (...) {
    discard();
  }
}

std::vector<std::string> connection::drop_listed_indexes(const result &listing) {
  std::vector<std::string> recreate;
  for (const auto &row : listing.rows) {
    recreate.push_back(std::get<std::string>(row[1]));
    execute("DROP INDEX " + quote_identifier(std::get<std::string>(row[0])), {});
  }
  return recreate;
}

std::vector<foreign_key_info> connection::foreign_keys_from_rows(const result &rows) {
  std::vector<foreign_key_info> out;
  std::int64_t current = -1;
  for (const auto &row : rows.rows) {
    const auto id = std::get<std::int64_t>(row[0]);
    if (id != current) {
      out.emplace_back();
      out.back().name = std::get<std::string>(row[1]);
      out.back().referenced_table = std::get<std::string>(row[3]);
      out.back().on_delete = std::get<std::string>(row[5]);
      out.back().on_update = std::get<std::string>(row[6]);
    }
    current = id;
    out.back().columns.push_back(std::get<std::string>(row[2]));
    out.back().referenced_columns.push_back(is_null(row[4]) ? std::string() : std::get<std::string>(row[4]));
  }
  return out;
}

void connection::refuse_if_read_only(const std::string &operation) const {
  const read_only_state state = read_only_reason();
  if (!state) return;
  throw read_only_error("cannot " + operation + ": " + display_url() + " is read-only: " + state.what + "; nothing was changed",
                        diagnostics{}, state.hint);
}

void connection::throw_read_only(const read_only_state &state, const std::string &server_text, diagnostics diag) const {
  throw read_only_error(display_url() + " is read-only: " + state.what + "; the statement was refused and nothing was written (" +
                            server_text + ")",
                        std::move(diag), state.hint);
}

void connection::copy_out(const std::string &, const std::function<void(const std::vector<std::optional<std::string>> &)> &) {
  throw programming_error("this backend cannot stream COPY ... TO STDOUT; check caps().copy first", diagnostics{});
}

std::string connection::like_pattern(const std::string &needle, text_match how) {
  std::string pattern;
  for (char c : needle) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  if (how != text_match::starts_with) pattern = "%" + pattern;
  if (how != text_match::ends_with) pattern += "%";
  return pattern;
}

connection_options options_for_url(const database_url &url, connection_options options) {
  if (url.kind() != backend_kind::postgresql) return options;
  const auto seconds = [](const std::string &v) { return std::chrono::milliseconds(static_cast<long long>(std::stod(v) * 1000)); };
  if (const std::string limit = url.prisma_option("connection_limit"); !limit.empty()) options.pool_size = std::stoul(limit);
  if (const std::string wait = url.prisma_option("pool_timeout"); !wait.empty()) options.pool_timeout = seconds(wait);
  if (const std::string cache = url.prisma_option("statement_cache_size"); !cache.empty()) {
    options.prepared_statements_max = std::stoul(cache);
    if (options.prepared_statements_max == 0) options.prepare_threshold = -1;
  }
  // Prisma's switch for transaction-mode poolers: named prepared statements do not survive there.
  if (url.prisma_option("pgbouncer") == "true") options.prepare_threshold = -1;
  return options;
}

namespace {

// Equal jitter: half the exponential delay is fixed, half random, so retries from many
// clients spread out without ever collapsing to zero wait.
std::chrono::milliseconds backoff_delay(const connection_options &options, int attempt) {
  const auto base = options.retry_initial_delay.count() << std::min(attempt, 20);
  const auto capped = std::min<long long>(base, options.retry_max_delay.count());
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<long long> jitter(0, capped / 2);
  return std::chrono::milliseconds(capped - capped / 2 + jitter(rng));
}

}  // namespace

std::unique_ptr<connection> open_connection(const database_url &url, const connection_options &options) {
  if (url.kind() == backend_kind::sqlite) return internal::open_sqlite(url, options);

  for (int attempt = 0;; ++attempt) {
    try {
      return internal::open_postgres(url, options);
    } catch (const connection_error &e) {
      const bool transient = internal::postgres_connect_error_is_transient(e.diag().server_message);
      if (!transient || attempt >= options.connect_retries) {
        if (attempt == 0) throw;
        throw connection_error(std::string(e.what()) + " (after " + std::to_string(attempt + 1) + " attempts)",
                               e.diag(), e.hint());
      }
      const auto delay = backoff_delay(options, attempt);
      if (log_enabled(log_level::info))
        log(log_level::info, "cannot reach " + url.display() + " yet (attempt " + std::to_string(attempt + 1) +
                                 "), retrying in " + std::to_string(delay.count()) + " ms");
      interruptible_sleep(delay);
    }
  }
}

}  // namespace carrierdb
