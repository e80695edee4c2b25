// migration_set: reading a Prisma-style migrations folder for one backend; checksums; new folders.
#include "carrierdb/migrate/migration_files.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "backend/sql_script.hpp"
#include "carrierdb/error.hpp"

namespace fs = std::filesystem;

namespace carrierdb {

namespace {

constexpr std::size_t k_max_name_bytes = 200;
constexpr const char *k_lock_file = "migration_lock.toml";

std::string read_file(const fs::path &path, const std::string &migration) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    migration_context ctx;
    ctx.migration = migration;
    ctx.file = path.string();
    throw migration_file_error("cannot read " + path.string(), ctx, "check the file's permissions");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// migration_lock.toml as Prisma writes it: comments and `provider = "postgresql"`.
std::string read_provider(const fs::path &lock_path) {
  std::ifstream in(lock_path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    key.erase(std::remove_if(key.begin(), key.end(), [](unsigned char c) { return std::isspace(c); }), key.end());
    if (key != "provider") continue;
    const auto open = line.find('"', eq);
    const auto close = open == std::string::npos ? std::string::npos : line.find('"', open + 1);
    if (close == std::string::npos) {
      migration_context ctx;
      ctx.file = lock_path.string();
      ctx.line = number;
      throw migration_file_error(lock_path.string() + ":" + std::to_string(number) + ": expected provider = \"...\"", ctx,
                                 "write it as Prisma does: provider = \"postgresql\"");
    }
    return line.substr(open + 1, close - open - 1);
  }
  return "";
}

bool first_line_is_directive(const std::string &sql) {
  std::size_t start = 0;
  if (sql.compare(0, 3, "\xEF\xBB\xBF") == 0) start = 3;  // UTF-8 byte order mark
  const std::string directive = k_no_transaction_directive;
  const auto end = sql.find('\n', start);
  std::string first = sql.substr(start, end == std::string::npos ? std::string::npos : end - start);
  while (!first.empty() && std::isspace(static_cast<unsigned char>(first.back()))) first.pop_back();
  return first == directive;
}

// Why a script cannot run inside a transaction of ours ("" when it can).
std::string non_transactional_reason(const std::string &sql) {
  if (first_line_is_directive(sql)) return std::string("first line is ") + k_no_transaction_directive;
  for (const auto &span : internal::split_postgres_script(sql))
    if (internal::is_transaction_control(std::string_view(sql).substr(span.offset, span.length)))
      return "it controls its own transaction (BEGIN/COMMIT at line " + std::to_string(span.line) + ")";
  return "";
}

std::string replace_all(std::string s, const std::string &from, const std::string &to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

// A folder without migration.py keeps Prisma's checksum, so both tools agree on it.
std::string folder_checksum(const std::string &up_sql, const std::optional<std::string> &data_step) {
  if (!data_step) return sha256_hex(up_sql);
  return sha256_hex(up_sql + std::string(1, '\0') + *data_step);
}

}  // namespace

bool migration_file::checksum_matches(const std::string &stored) const {
  if (stored == checksum) return true;
  // The other line-ending normalisation of the same text: CRLF -> LF, and LF -> CRLF.
  const auto converted = [](const std::string &text, bool to_crlf) {
    const std::string lf = replace_all(text, "\r\n", "\n");
    return to_crlf ? replace_all(lf, "\n", "\r\n") : lf;
  };
  const auto data_step = [&](bool to_crlf) -> std::optional<std::string> {
    if (!data_step_path) return std::nullopt;
    return converted(data_step_source, to_crlf);
  };
  if (folder_checksum(converted(up_sql, false), data_step(false)) == stored) return true;
  return folder_checksum(converted(up_sql, true), data_step(true)) == stored;
}

void validate_migration_name(const std::string &name) {
  const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
  if (!ok)
    throw migration_file_error("invalid migration name '" + name + "'", migration_context{},
                               "use letters, digits and underscores only, e.g. add_carrier_status");
  if (name.size() + 15 > k_max_name_bytes)
    throw migration_file_error("migration name '" + name + "' is too long", migration_context{},
                               "keep the folder name (timestamp, '_' and name) within 200 bytes");
}

const migration_file *migration_set::find(const std::string &name) const {
  auto it = std::lower_bound(m_migrations.begin(), m_migrations.end(), name,
                             [](const migration_file &m, const std::string &n) { return m.name < n; });
  return it != m_migrations.end() && it->name == name ? &*it : nullptr;
}

migration_set migration_set::load(const std::string &directory, backend_kind backend) {
  migration_set set;
  set.m_directory = directory;
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) return set;
  if (fs::exists(fs::path(directory) / k_lock_file)) set.m_provider = read_provider(fs::path(directory) / k_lock_file);
  const std::string backend_name = to_string(backend);
  if (!set.m_provider.empty() && set.m_provider != "postgresql" && set.m_provider != "sqlite") {
    migration_context ctx;
    ctx.file = (fs::path(directory) / k_lock_file).string();
    throw provider_mismatch_error("migrations in " + directory + " are for provider '" + set.m_provider +
                                      "' (migration_lock.toml); carrierdb supports postgresql and sqlite",
                                  ctx, "point --dir at a postgresql or sqlite migrations folder");
  }
  const bool native = set.m_provider.empty() || set.m_provider == backend_name;
  const std::string up_variant = "migration." + backend_name + ".sql";
  const std::string down_variant = "down." + backend_name + ".sql";

  for (const auto &entry : fs::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.empty() || name[0] == '.') continue;
    migration_context ctx;
    ctx.migration = name;
    // <14 digits>_<letters, digits, _>, at most 200 bytes.
    const bool well_formed = name.size() > 15 && name.size() <= k_max_name_bytes && name[14] == '_' &&
                             std::all_of(name.begin(), name.begin() + 14, [](unsigned char c) { return std::isdigit(c); }) &&
                             std::all_of(name.begin() + 15, name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
    if (!well_formed)
      throw migration_file_error("migration folder '" + name + "' in " + directory + " is not <YYYYMMDDHHMMSS>_<name>", ctx,
                                 "rename it (letters, digits and '_' after the UTC timestamp, at most 200 bytes), or move it out");

    // One listing per folder instead of a stat per candidate file: status over a thousand
    // migrations stays fast.
    bool has_up = false, has_up_variant = false, has_down = false, has_down_variant = false, has_data_step = false;
    for (const auto &file : fs::directory_iterator(entry.path())) {
      const std::string f = file.path().filename().string();
      if (f == "migration.sql") has_up = true;
      else if (f == up_variant) has_up_variant = true;
      else if (f == "down.sql") has_down = true;
      else if (f == down_variant) has_down_variant = true;
      else if (f == k_data_step_file) has_data_step = true;
    }
    migration_file m;
    m.name = name;
    m.directory = entry.path().string();
    if (has_up_variant) {
      m.up_path = (entry.path() / up_variant).string();
    } else if (has_up && native) {
      m.up_path = (entry.path() / "migration.sql").string();
    } else if (has_up) {
      ctx.file = (entry.path() / "migration.sql").string();
      throw provider_mismatch_error("migration " + name + " is written for " + set.m_provider +
                                        " (migration_lock.toml) and has no " + up_variant + " for this " + backend_name +
                                        " database; Prisma refuses the same mismatch (P3019)",
                                    ctx, "add " + up_variant + " to the folder, or use a " + set.m_provider + " database");
    } else {
      throw migration_file_error("migration folder " + m.directory + " has no migration.sql", ctx,
                                 "add migration.sql, or remove the folder");
    }
    m.up_sql = read_file(m.up_path, name);
    if (has_data_step) {
      m.data_step_path = (entry.path() / k_data_step_file).string();
      m.data_step_source = read_file(*m.data_step_path, name);
    }
    m.checksum = m.data_step_path ? folder_checksum(m.up_sql, m.data_step_source) : sha256_hex(m.up_sql);
    m.non_transactional_reason = non_transactional_reason(m.up_sql);
    m.transactional = m.non_transactional_reason.empty();
    if (has_down_variant) m.down_path = (entry.path() / down_variant).string();
    else if (has_down && native) m.down_path = (entry.path() / "down.sql").string();
    if (m.down_path) {
      m.down_sql = read_file(*m.down_path, name);
      m.down_transactional = non_transactional_reason(*m.down_sql).empty();
    }
    if (m.data_step_path && (!m.transactional || !m.down_transactional)) {
      ctx.file = *m.data_step_path;
      throw migration_file_error("migration " + name + " has " + k_data_step_file + ", which runs inside the migration's transaction, but " +
                                     (m.transactional ? *m.down_path : m.up_path) + " runs outside one",
                                 ctx, std::string("put the data step in a migration of its own, or drop the no-transaction directive"));
    }
    set.m_migrations.push_back(std::move(m));
  }
  std::sort(set.m_migrations.begin(), set.m_migrations.end(),
            [](const migration_file &a, const migration_file &b) { return a.name < b.name; });
  return set;
}

std::string create_migration(const std::string &directory, const std::string &name, backend_kind provider, backend_kind backend,
                             std::chrono::system_clock::time_point now) {
  validate_migration_name(name);
  fs::create_directories(directory);
  const fs::path lock = fs::path(directory) / k_lock_file;
  if (!fs::exists(lock)) {
    std::ofstream out(lock);
    out << "# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\n"
        << "provider = \"" << to_string(provider) << "\"\n";
  }
  const std::string locked = read_provider(lock);
  const bool variant = !locked.empty() && locked != to_string(backend);
  // Two migrations created within one second get consecutive timestamps, never the same.
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  for (;; ++t) {
    std::tm utc{};
    gmtime_r(&t, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &utc);
    bool taken = false;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(directory, ec))
      if (entry.path().filename().string().rfind(std::string(stamp) + "_", 0) == 0) taken = true;
    if (taken) continue;
    const fs::path folder = fs::path(directory) / (std::string(stamp) + "_" + name);
    fs::create_directory(folder);
    std::ofstream(folder / "migration.sql");
    std::ofstream(folder / "down.sql");
    if (variant) {
      std::ofstream(folder / ("migration." + std::string(to_string(backend)) + ".sql"));
      std::ofstream(folder / ("down." + std::string(to_string(backend)) + ".sql"));
    }
    return folder.string();
  }
}

}  // namespace carrierdb
