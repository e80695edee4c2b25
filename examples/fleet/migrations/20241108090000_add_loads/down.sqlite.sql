-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "loads";
PRAGMA foreign_keys=on;
