// run_issues: the issues of a seed run, for its report and its rejects file.
#include "run_issues.hpp"


#include "carrierdb/utf8.hpp"
#include "row_preparation.hpp"

namespace carrierdb::seeding {

namespace {
constexpr std::size_t k_max_reported_issues = 1000;
}  // namespace

run_issues::run_issues(const seed_options &options) : m_options(options) {
  if (!options.rejects_path.empty() && options.lenient) {
    m_rejects.open(options.rejects_path, std::ios::binary | std::ios::trunc);
    if (!m_rejects) throw configuration_error("cannot write rejects file " + options.rejects_path);
    m_rejects << "file,line,field,code,message,value\n";
  }
}

void run_issues::reject(const std::string &label, std::int64_t line, const record &input, std::vector<validation_issue> &issues,
                        seed_file_result &file, seed_result &result) {
  ++file.rejected;
  ++result.rejected;
  if (!m_options.lenient) m_failed = true;
  for (auto &i : issues) {
    i.row = label + ":" + std::to_string(line);
    if (!i.path.empty())
      if (const value *v = find_field(input, i.path.front())) i.value = printable_utf8(text_of(*v));
    if (m_rejects)
      m_rejects << csv_quote(label) << ',' << line << ',' << csv_quote(i.path.empty() ? "" : i.path.front()) << ',' << i.code << ','
                << csv_quote(i.message) << ',' << csv_quote(i.value) << '\n';
    if (result.issues.size() < k_max_reported_issues) result.issues.push_back(i);
  }
}

void run_issues::duplicate_key(const column_plan &plan, const std::vector<value> &row, std::int64_t first_line, std::int64_t line,
                               const std::string &label, seed_file_result &file, seed_result &result) {
  validation_issue i;
  i.code = "duplicate_key";
  for (std::size_t p : plan.key_positions) {
    i.path.push_back(plan.fields[p]->name);
    i.value += (i.value.empty() ? "" : ", ") + text_of(row[p]);
  }
  i.message = "key (" + i.value + ") appears more than once (lines " + std::to_string(first_line) + " and " + std::to_string(line) + ")";
  i.row = label + ":" + std::to_string(line);
  result.issues.push_back(i);
  ++result.rejected;
  ++file.rejected;
  m_failed = true;
}

void run_issues::duplicate_keys(std::vector<validation_issue> issues, const std::string &label, seed_file_result &file, seed_result &result) {
  for (auto &i : issues) {
    result.issues.push_back(std::move(i));
    ++result.rejected;
    ++file.rejected;
  }
  m_failed = true;
  throw validation_error("seed " + label, result.issues);
}

void run_issues::duplicate_in_direct_load(const std::string &where, const unique_violation &e, seed_result &result) {
  validation_issue i;
  i.path = e.diag().columns;
  i.code = "duplicate_key";
  std::string shown;
  for (const auto &v : e.diag().values) shown += (shown.empty() ? "" : ", ") + v;
  i.message = "key " + (e.diag().detail.empty() ? std::string("(") + e.what() + ")" : e.diag().detail) + " appears more than once";
  i.row = where;
  i.value = shown;
  result.issues.push_back(i);
  ++result.rejected;
  m_failed = true;
  throw validation_error("seed " + where, result.issues);
}

void run_issues::refused_in_load(const std::string &label, const internal::sent_lines &sent, std::int64_t current_line,
                                 const database_error &e, seed_result &result) {
  if (dynamic_cast<const operational_error *>(&e)) throw;  // the connection, not the row (called in a catch block)
  const std::int64_t line = e.diag().copy_row > 0 ? sent.line_of(e.diag().copy_row) : current_line;
  if (const auto *duplicate = dynamic_cast<const unique_violation *>(&e))
    duplicate_in_direct_load(label + (line > 0 ? ":" + std::to_string(line) : ""), *duplicate, result);
  m_failed = true;
  internal::rethrow_at_line(e, label, line);
}

}  // namespace carrierdb::seeding
