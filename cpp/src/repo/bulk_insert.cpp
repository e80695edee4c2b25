// bulk_insert: create_many (batched multi-row INSERTs, or COPY where the backend has it) and
// create_many_streamed (rows validated and sent chunk by chunk), all or nothing.
#include <map>
#include <optional>

#include "carrierdb/interrupt.hpp"
#include "carrierdb/repo/repository.hpp"
#include "repository_internals.hpp"

namespace carrierdb {

using namespace internal;

// Opens create_many's transaction (a savepoint inside the caller's). A stop asked for before it
// changes nothing; one after it rolls back to here.
void repository::begin_bulk(std::optional<database_transaction> &tx) {
  try {
    tx.emplace(*m_db);
  } catch (const interrupted_error &e) {
    throw e.retold("create_many was interrupted before it started: nothing was written", false);
  }
}

std::int64_t repository::copy_rows(connection &c, const std::vector<std::string> &names, const std::vector<const record *> &rows) const {
  std::vector<std::string> columns;
  std::vector<const field_def *> fields;
  for (const auto &name : names) {
    fields.push_back(m_model->field(name));
    columns.push_back(fields.back()->column);
  }
  auto sink = c.begin_copy(m_table, columns);
  std::vector<value> row;
  for (const record *r : rows) {
    row.clear();
    for (std::size_t j = 0; j < fields.size(); ++j) row.push_back(to_param(c, *fields[j], *find_value(*r, names[j])));
    sink->write(row);
  }
  return sink->finish();
}

result repository::create_many(const std::vector<record> &rows, bool skip_duplicates, bool returning) {
  // Validate everything first: one bad row means nothing is written, and every issue is reported.
  std::vector<record> prepared;
  prepared.reserve(rows.size());
  std::vector<validation_issue> issues;
  const std::int64_t now = now_ms();
  for (std::size_t k = 0; k < rows.size(); ++k) {
    std::vector<validation_issue> row_issues;
    record r = check_record(*m_schema, *m_model, rows[k], validation_mode::create, row_issues);
    for (auto &i : row_issues) {
      i.path.insert(i.path.begin(), std::to_string(k));
      issues.push_back(std::move(i));
    }
    if (row_issues.empty()) prepared.push_back(with_generated_values(r, true, now));
  }
  if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));

  // Rows with the same fields share a multi-row INSERT (or one COPY); the field order follows
  // the model. Which fields a row has is a bitmask over the model's fields.
  std::map<std::vector<bool>, std::vector<const record *>> masks;
  std::vector<std::vector<bool>> mask_order;
  for (const auto &r : prepared) {
    std::vector<bool> mask(m_model->fields.size(), false);
    for (const auto &[name, v] : r)
      for (std::size_t k = 0; k < m_model->fields.size(); ++k)
        if (m_model->fields[k].name == name) mask[k] = true;
    auto [it, inserted] = masks.try_emplace(mask);
    if (inserted) mask_order.push_back(mask);
    it->second.push_back(&r);
  }
  std::map<std::vector<std::string>, std::vector<const record *>> groups;
  std::vector<std::vector<std::string>> group_order;
  for (const auto &mask : mask_order) {
    std::vector<std::string> signature;
    for (std::size_t k = 0; k < mask.size(); ++k)
      if (mask[k]) signature.push_back(m_model->fields[k].name);
    groups.emplace(signature, std::move(masks[mask]));
    group_order.push_back(std::move(signature));
  }

  result out;
  std::optional<database_transaction> tx;
  begin_bulk(tx);
  try {
    for (const auto &signature : group_order) {
      const auto &members = groups[signature];
      // COPY when nothing needs ON CONFLICT or RETURNING: the server parses no statement per batch.
      const bool copy = !skip_duplicates && !returning && !signature.empty() &&
                        m_db->with_connection([](connection &c) { return c.caps().copy; });
      if (copy) {
        out.affected_rows += run(*members.front(), [&](connection &c) { return copy_rows(c, signature, members); });
        continue;
      }
      const std::size_t per_row = std::max<std::size_t>(1, signature.size());
      // Under both backends' parameter limits (PostgreSQL 65535, SQLite 32766).
      const std::size_t batch = std::max<std::size_t>(1, std::min<std::size_t>(1000, 30000 / per_row));
      for (std::size_t start = 0; start < members.size(); start += batch) {
        const std::size_t end = std::min(members.size(), start + batch);
        record context;  // the first row of the batch, for error messages
        result part = run(*members[start], [&](connection &c) {
          std::string columns;
          std::vector<const field_def *> fields;
          for (const auto &name : signature) {
            fields.push_back(m_model->field(name));
            columns += (columns.empty() ? "" : ", ") + c.quote_identifier(fields.back()->column);
          }
          params args;
          args.reserve((end - start) * signature.size());
          std::string sql = "INSERT INTO " + c.quote_identifier(m_table);
          if (signature.empty()) {
            // No explicit values at all: one DEFAULT VALUES insert per row.
            result r;
            for (std::size_t k = start; k < end; ++k) {
              result one = c.query(sql + " DEFAULT VALUES RETURNING " + select_list(), {});
              r.columns = one.columns;
              for (auto &row : one.rows) r.rows.push_back(std::move(row));
              r.affected_rows += one.affected_rows;
            }
            return r;
          }
          sql += " (" + columns + ") VALUES ";
          for (std::size_t k = start; k < end; ++k) {
            sql += k == start ? "(" : ", (";
            for (std::size_t j = 0; j < fields.size(); ++j) {
              args.push_back(to_param(c, *fields[j], *find_value(*members[k], signature[j])));
              sql += (j ? ", " : "") + c.placeholder(args.size());
            }
            sql += ")";
          }
          if (skip_duplicates) sql += " ON CONFLICT DO NOTHING";
          if (returning) return c.query(sql + " RETURNING " + select_list(), args);
          result r;
          r.affected_rows = c.execute(sql, args);
          return r;
        });
        if (out.columns.empty()) out.columns = part.columns;
        for (auto &row : part.rows) out.rows.push_back(std::move(row));
        out.affected_rows += part.affected_rows;
      }
    }
    tx->commit();
  } catch (const interrupted_error &e) {
    tx.reset();
    throw e.retold("create_many was interrupted: every row it had sent was rolled back; nothing was written", false);
  }
  return typed(std::move(out));
}

std::int64_t repository::create_many_streamed(const std::function<bool(std::vector<record> &chunk)> &next_chunk) {
  const bool copy = m_db->with_connection([](connection &c) { return c.caps().copy; });
  if (!copy) {
    // No COPY (SQLite): gather everything and use the batched INSERTs.
    std::vector<record> all, chunk;
    while (next_chunk(chunk)) {
      for (auto &r : chunk) all.push_back(std::move(r));
      chunk.clear();
    }
    return create_many(all, false, false).affected_rows;
  }
  const std::int64_t now = now_ms();
  std::vector<validation_issue> issues;
  std::vector<record> odd_rows;  // fields other than the first row's: inserted after the COPY
  std::vector<std::string> signature;
  std::vector<const field_def *> fields;
  std::optional<database_transaction> tx;  // before the sink: an open COPY ends before the rollback
  std::unique_ptr<copy_sink> sink;
  std::int64_t written = 0, index = 0;
  begin_bulk(tx);
  try {
    run({}, [&](connection &c) {
      std::vector<record> chunk;
      std::vector<value> row;
      while (next_chunk(chunk)) {
        for (const record &input : chunk) {
          std::vector<validation_issue> row_issues;
          record r = check_record(*m_schema, *m_model, input, validation_mode::create, row_issues);
          for (auto &i : row_issues) {
            i.path.insert(i.path.begin(), std::to_string(index));
            issues.push_back(std::move(i));
          }
          ++index;
          if (!issues.empty()) continue;  // keep validating; nothing more is sent
          r = with_generated_values(r, true, now);
          std::vector<std::string> mine;
          for (const auto &f : m_model->fields)
            if (find_value(r, f.name)) mine.push_back(f.name);
          if (!sink) {
            signature = mine;
            std::vector<std::string> columns;
            for (const auto &name : signature) {
              fields.push_back(m_model->field(name));
              columns.push_back(fields.back()->column);
            }
            sink = c.begin_copy(m_table, columns);
          }
          if (mine != signature) {
            odd_rows.push_back(std::move(r));
            continue;
          }
          row.clear();
          for (std::size_t j = 0; j < fields.size(); ++j) row.push_back(to_param(c, *fields[j], *find_value(r, signature[j])));
          sink->write(row);
        }
        chunk.clear();
        check_interrupt();  // between chunks (4,096 rows from Python): a stop rolls everything back
      }
      if (sink) written = sink->finish();
      sink.reset();
      return 0;
    });
    if (!issues.empty()) throw validation_error(m_model->name, std::move(issues));
    if (!odd_rows.empty()) {
      // Already validated and completed: insert them as they are, grouped by their fields.
      std::map<std::vector<std::string>, std::vector<const record *>> groups;
      for (const auto &r : odd_rows) {
        std::vector<std::string> mine;
        for (const auto &f : m_model->fields)
          if (find_value(r, f.name)) mine.push_back(f.name);
        groups[mine].push_back(&r);
      }
      for (const auto &[names, members] : groups) {
        written += run(*members.front(), [&](connection &c) { return copy_rows(c, names, members); });
      }
    }
    tx->commit();
  } catch (const interrupted_error &e) {
    sink.reset();
    tx.reset();
    throw e.retold("create_many was interrupted: every row it had sent was rolled back; nothing was written", false);
  }
  return written;
}

}  // namespace carrierdb
