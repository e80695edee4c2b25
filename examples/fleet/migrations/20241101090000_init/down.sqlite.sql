-- Prisma's script, its tables reordered children first: carrierdb runs a rollback in a transaction,
-- where SQLite ignores PRAGMA foreign_keys, so each DROP TABLE deletes its rows with the foreign
-- keys on, and a cascade must not reach a table whose parent is already gone.
-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "inspections";
PRAGMA foreign_keys=on;

-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "truck_drivers";
PRAGMA foreign_keys=on;

-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "drivers";
PRAGMA foreign_keys=on;

-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "trucks";
PRAGMA foreign_keys=on;

-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "carriers";
PRAGMA foreign_keys=on;

-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "insurance_policies";
PRAGMA foreign_keys=on;
