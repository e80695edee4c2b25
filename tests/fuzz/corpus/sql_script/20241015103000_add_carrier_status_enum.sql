-- CreateEnum
CREATE TYPE "CarrierStatus" AS ENUM ('ACTIVE', 'INACTIVE', 'SUSPENDED', 'REVOKED');

-- AlterTable
ALTER TABLE "carriers" ADD COLUMN "status" "CarrierStatus" NOT NULL DEFAULT 'ACTIVE';
