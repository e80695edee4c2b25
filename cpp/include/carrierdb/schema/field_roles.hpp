// field_roles: what a field's attributes say about who fills its column, for every engine part
// that writes or reads rows in bulk (seeding, export) to decide the same way.
#pragma once

#include "carrierdb/schema/schema.hpp"

namespace carrierdb {

/// @default(autoincrement()): the database numbers the rows.
inline bool numbered_by_database(const field_def &f) { return f.default_ && f.default_->what == default_value::kind::autoincrement; }

/// @default(now()): the time a row was created. A merge over a stored row keeps it.
inline bool stamped_at_creation(const field_def &f) { return f.default_ && f.default_->what == default_value::kind::now; }

/// The run's clock fills the column when the data leaves it out (@updatedAt or @default(now())),
/// so it never decides whether a row changed: every run would change it.
inline bool filled_by_run_clock(const field_def &f) { return f.updated_at || stamped_at_creation(f); }

}  // namespace carrierdb
