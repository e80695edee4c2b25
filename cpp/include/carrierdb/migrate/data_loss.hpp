// What a down migration would destroy: the tables and columns it drops, and the rows in them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "carrierdb/error.hpp"
#include "carrierdb/migrate/migration_files.hpp"

namespace carrierdb {

class connection;

/// A table, or one column of it, that a script drops.
struct dropped_object {
  std::string schema;  // "" when the name is not schema-qualified
  std::string table;
  std::string column;  // "" when the whole table is dropped
};

/// The targets of `DROP TABLE [IF EXISTS] a, b, ...` and `ALTER TABLE ... DROP [COLUMN]
/// [IF EXISTS] c` in `sql`, in script order. Unquoted names are folded to lower case, as the
/// server folds them. A table whose rows the script first copies out (`INSERT INTO ... SELECT
/// ... FROM t`, the way Prisma redefines a SQLite table) is not listed: its rows live on.
/// Parses only; needs no database.
std::vector<dropped_object> find_dropped_objects(std::string_view sql);

/// Counts, on `conn`, the rows the drops in `sql` would destroy: a table's rows, a column's
/// non-NULL values. Objects that do not exist, or hold nothing, are left out.
std::vector<data_loss_entry> count_data_loss(connection &conn, const std::string &migration, std::string_view sql);

/// Throws data_loss_error, listing every table and column with its rows, when running the down
/// scripts of `targets` (newest first) on `conn` would destroy rows. `where` names the database.
void refuse_data_loss(connection &conn, const std::vector<const migration_file *> &targets, const std::string &where);

/// One line per entry, e.g. "\n  - table carriers: 225 rows (down script of 20241001120000_init)".
std::string describe_data_loss(const std::vector<data_loss_entry> &losses);

}  // namespace carrierdb
