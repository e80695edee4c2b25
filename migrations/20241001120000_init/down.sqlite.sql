-- DropTable
DROP TABLE "carriers";
