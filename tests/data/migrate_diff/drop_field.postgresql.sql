-- AlterTable
ALTER TABLE "carriers" DROP COLUMN "notes";

