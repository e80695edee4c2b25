// diff_data_loss: what a schema change (`migrate dev`, `db push`) would destroy or fail on in the
// database it is about to run on, counted there: dropped tables and columns that hold data, types
// narrowed below the values stored, columns made required or unique against the rows, enum values
// removed while rows hold them, required columns added to tables with rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "carrierdb/migrate/schema_diff.hpp"
#include "carrierdb/schema/target_model.hpp"

namespace carrierdb {

class connection;

struct data_loss_finding {
  /// drop_table, drop_column, narrow_type, make_required, make_unique, remove_enum_value, add_required_column
  std::string kind;
  std::string table, column;  // column "" for a table-level finding
  std::string detail;         // the removed enum value, the new type, the unique columns ("a, b")
  std::int64_t rows = 0;      // rows affected in the target database
  /// Prisma's warning for the change, with the count ("You are about to drop the column `dotNumber`
  /// on the `carriers` table, which still contains 12 non-null values. ...").
  std::string message() const;
};

/// The changes from `from` (what `target` holds) to `to` that would lose data or fail on the rows
/// `target` holds now, each with its row count. Changes that touch no row are not listed.
/// Values renamed (`renames`, as diff_models takes them) are not lost.
std::vector<data_loss_finding> find_data_loss(const target_model &from, const target_model &to, connection &target,
                                              const std::vector<enum_value_rename> &renames = {});

/// Throws data_loss_error listing every finding with its count, and how to go on anyway, unless
/// `findings` is empty. `what` names the operation and the database ("db push to postgresql://...").
void refuse_schema_data_loss(const std::vector<data_loss_finding> &findings, const std::string &what);

}  // namespace carrierdb
