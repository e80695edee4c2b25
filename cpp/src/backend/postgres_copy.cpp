// The PostgreSQL adapter's COPY: bulk loads in (binary where every column has a binary form, text
// otherwise) and query results out, in COPY's text format. Errors are translated like every
// statement's, through the connection's translate_current.
#include <pqxx/stream_from>
#include <pqxx/tablewriter>

#include "pg_binary.hpp"
#include "postgres_adapter.hpp"
#include "postgres_values.hpp"

namespace carrierdb::internal {

namespace {

// COPY ... FROM STDIN through libpqxx. tablewriter is deprecated in 6.4 but is the one COPY
// writer there that takes raw lines (stream_to's is private); 7.x would use stream_to::write_row.
class postgres_copy_sink final : public copy_sink {
public:
  postgres_copy_sink(pqxx::connection &conn, const std::string &table, const std::vector<std::string> &quoted_columns,
                     std::function<void(const std::exception_ptr &)> on_error, const std::function<void()> &cancel)
      : m_tx(conn), m_writer(m_tx, table, quoted_columns.begin(), quoted_columns.end()), m_on_error(std::move(on_error)),
        m_cancel(cancel) {}

  void write(const std::vector<value> &row) override {
    m_line.clear();
    for (std::size_t k = 0; k < row.size(); ++k) {
      if (k) m_line += '\t';
      append_copy_field(m_line, row[k]);
    }
    try {
      m_writer.write_raw_line(m_line);
    } catch (...) {
      m_on_error(std::current_exception());
    }
    ++m_count;
  }

  std::int64_t finish() override {
    try {
      statement_in_flight in_flight(m_cancel);  // the server may take long to finish the load
      m_writer.complete();
    } catch (...) {
      m_on_error(std::current_exception());
    }
    return m_count;
  }

private:
  pqxx::nontransaction m_tx;
  pqxx::tablewriter m_writer;
  std::function<void(const std::exception_ptr &)> m_on_error;
  const std::function<void()> &m_cancel;
  std::string m_line;
  std::int64_t m_count = 0;
};

// COPY ... FROM STDIN (FORMAT binary) through libpq: the server parses no text (timestamps,
// integers) per row. Rows are buffered and sent 64 KB at a time.
class postgres_binary_copy_sink final : public copy_sink {
public:
  postgres_binary_copy_sink(PGconn *pg, bool &open_flag, const std::string &copy_sql, std::vector<pg_binary_type> types,
                            std::function<void(const std::exception_ptr &)> on_error, const std::function<void()> &cancel)
      : m_pg(pg), m_open(open_flag), m_sql(copy_sql), m_types(std::move(types)), m_on_error(std::move(on_error)), m_cancel(cancel) {
    PGresult *r = PQexec(m_pg, m_sql.c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) {
      m_done = true;
      fail(r);
    }
    PQclear(r);
    m_open = true;
    m_buffer.reserve(k_flush_bytes + 4096);
    append_pg_binary_header(m_buffer);
  }

  ~postgres_binary_copy_sink() override {
    if (!m_done) {
      // Abandoned (an exception in the caller): end the COPY so that the connection can roll back.
      PQputCopyEnd(m_pg, "carrierdb: bulk load abandoned");
      PQclear(drain());
    }
    m_open = false;
  }

  void write(const std::vector<value> &row) override {
    if (row.size() != m_types.size())
      throw programming_error("a bulk-load row has " + std::to_string(row.size()) + " values for " + std::to_string(m_types.size()) + " columns",
                              diagnostics{});
    const std::size_t mark = m_buffer.size();
    try {
      append_pg_binary_tuple_start(m_buffer, row.size());
      for (std::size_t k = 0; k < row.size(); ++k) append_pg_binary_field(m_buffer, row[k], m_types[k]);
    } catch (...) {
      m_buffer.resize(mark);  // the row is not sent; the caller decides what happens to the load
      throw;
    }
    ++m_count;
    if (m_buffer.size() >= k_flush_bytes) flush();
  }

  std::int64_t finish() override {
    check_interrupt();  // a stop now abandons the COPY (the destructor ends it with an error)
    append_pg_binary_trailer(m_buffer);
    flush();
    m_done = true;
    const bool ended = PQputCopyEnd(m_pg, nullptr) == 1;
    PGresult *failed;
    {
      // The server may take long to finish the load: a stop request cancels it. The result must be
      // read back whatever happens, so a stop requested meanwhile cancels rather than refuses.
      statement_in_flight in_flight(m_cancel, statement_in_flight::cancel_if_requested);
      failed = drain();
    }
    m_open = false;
    if (failed || !ended) fail(failed);
    return m_count;
  }

private:
  static constexpr std::size_t k_flush_bytes = 1 << 16;

  void flush() {
    if (m_buffer.empty()) return;
    if (PQputCopyData(m_pg, m_buffer.data(), static_cast<int>(m_buffer.size())) != 1) {
      // The server ended the COPY (an error) or the connection broke: its result says which.
      m_done = true;
      PQputCopyEnd(m_pg, "carrierdb: COPY failed");  // in case libpq still thinks the COPY open
      PGresult *failed = drain();
      m_open = false;
      fail(failed);
    }
    m_buffer.clear();
  }

  // Reads the COPY's results to the end; returns the first failed one (or null). Stops should
  // libpq still report the COPY open, instead of asking again forever.
  PGresult *drain() {
    PGresult *failed = nullptr;
    while (PGresult *r = PQgetResult(m_pg)) {
      const ExecStatusType status = PQresultStatus(r);
      if (status == PGRES_COPY_IN) {
        PQclear(r);
        break;
      }
      if (status != PGRES_COMMAND_OK && !failed) failed = r;
      else PQclear(r);
    }
    return failed;
  }

  // Raises the server's error (or libpq's) as libpqxx would, so the connection translates it
  // like every statement's error. Takes ownership of `r`.
  [[noreturn]] void fail(PGresult *r) {
    std::string message = r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) : PQerrorMessage(m_pg);
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = state ? state : "";
    if (r) PQclear(r);
    if (message.empty()) message = "COPY failed";
    if (PQstatus(m_pg) == CONNECTION_BAD) m_on_error(std::make_exception_ptr(pqxx::broken_connection(message)));
    m_on_error(std::make_exception_ptr(pqxx::sql_error(message, m_sql, sqlstate.empty() ? nullptr : sqlstate.c_str())));
    throw operational_error(message, diagnostics{});  // m_on_error throws; not reached
  }

  PGconn *m_pg;
  bool &m_open;  // the connection's "a binary COPY is open" flag
  std::string m_sql;
  std::vector<pg_binary_type> m_types;
  std::function<void(const std::exception_ptr &)> m_on_error;
  const std::function<void()> &m_cancel;
  std::string m_buffer;
  std::int64_t m_count = 0;
  bool m_done = false;
};

// Splits one line of COPY's text format into its fields: \N is NULL, backslash escapes decoded.
void split_copy_text_line(const std::string &line, std::vector<std::optional<std::string>> &fields) {
  fields.clear();
  std::string field;
  bool escaped = false, null_field = false;
  for (std::size_t k = 0; k <= line.size(); ++k) {
    const char c = k < line.size() ? line[k] : '\t';
    if (escaped) {
      escaped = false;
      switch (c) {
        case 'N': null_field = true; break;
        case 't': field += '\t'; break;
        case 'n': field += '\n'; break;
        case 'r': field += '\r'; break;
        case 'b': field += '\b'; break;
        case 'f': field += '\f'; break;
        case 'v': field += '\v'; break;
        default: field += c;  // \\ and any other escaped character stand for themselves
      }
    } else if (c == '\\') {
      escaped = true;
    } else if (c == '\t') {
      if (null_field) fields.emplace_back(std::nullopt);
      else fields.emplace_back(std::move(field));
      field.clear();
      null_field = false;
    } else {
      field += c;
    }
  }
}

}  // namespace

std::unique_ptr<copy_sink> postgres_connection::begin_copy(const std::string &table, const std::vector<std::string> &columns) {
  std::vector<std::string> quoted;
  for (const auto &c : columns) quoted.push_back(quote_identifier(c));
  const std::string what = "COPY " + quote_identifier(table);
  // Errors from the COPY are translated like every statement's.
  const auto rethrow = [this, what](const std::exception_ptr &error) {
    try {
      std::rethrow_exception(error);
    } catch (...) {
      translate_current(what);
    }
  };
  // Binary when every column has a binary form here; otherwise text (numeric, domains, ...).
  std::vector<pg_binary_type> types;
  {
    const result r = query("SELECT a.attname::text, t.typname::text, t.typtype::text, t.typnamespace = 'pg_catalog'::regnamespace "
                           "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                           "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
                           {quote_identifier(table)});
    for (const auto &column : columns) {
      std::optional<pg_binary_type> type;
      for (const auto &row : r.rows)
        if (std::get<std::string>(row[0]) == column) {
          const std::string &typtype = std::get<std::string>(row[2]);
          type = pg_binary_type_of(std::get<std::string>(row[1]), typtype.empty() ? '\0' : typtype[0], std::get<bool>(row[3]));
        }
      if (!type) {
        types.clear();
        break;
      }
      types.push_back(*type);
    }
  }
  try {
    if (!types.empty()) {
      std::string list;
      for (const auto &c : quoted) list += (list.empty() ? "" : ", ") + c;
      return std::make_unique<postgres_binary_copy_sink>(libpq_connection(*m_conn), m_binary_copy_open,
                                                         "COPY " + quote_identifier(table) + " (" + list + ") FROM STDIN (FORMAT binary)",
                                                         std::move(types), rethrow, m_cancel_statement);
    }
    return std::make_unique<postgres_copy_sink>(*m_conn, quote_identifier(table), quoted, rethrow, m_cancel_statement);
  } catch (...) {
    translate_current(what);
  }
}

void postgres_connection::copy_out(const std::string &select_sql,
                                   const std::function<void(const std::vector<std::optional<std::string>> &fields)> &row) {
  run(
      [&](pqxx::nontransaction &tx) {
        // libpqxx 6.4 writes "COPY <name> TO STDOUT" with the name as given: a parenthesised query works.
        pqxx::stream_from stream(tx, "(" + select_sql + ")");
        std::string line;
        std::vector<std::optional<std::string>> fields;
        while (stream.get_raw_line(line)) {
          if (!line.empty() && line.back() == '\n') line.pop_back();  // libpqxx 6.4 keeps COPY's line end
          split_copy_text_line(line, fields);
          row(fields);
        }
        stream.complete();
        return pqxx::result{};
      },
      "COPY (" + select_sql + ") TO STDOUT");
}

}  // namespace carrierdb::internal
