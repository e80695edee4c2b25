-- AlterTable
ALTER TABLE "carriers" DROP COLUMN "status";

-- DropEnum
DROP TYPE "CarrierStatus";
