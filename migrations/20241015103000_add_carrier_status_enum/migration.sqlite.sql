-- SQLite has no enum types: the same values, enforced by a CHECK constraint.
-- AlterTable
ALTER TABLE "carriers" ADD COLUMN "status" TEXT NOT NULL DEFAULT 'ACTIVE'
    CHECK ("status" IN ('ACTIVE', 'INACTIVE', 'SUSPENDED', 'REVOKED'));
