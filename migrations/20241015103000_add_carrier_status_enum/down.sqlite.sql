-- AlterTable
ALTER TABLE "carriers" DROP COLUMN "status";
