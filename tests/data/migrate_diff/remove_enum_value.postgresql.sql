-- AlterEnum
BEGIN;
CREATE TYPE "Status_new" AS ENUM ('ACTIVE', 'INACTIVE');
ALTER TABLE "carriers" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "carriers" ALTER COLUMN "status" TYPE "Status_new" USING ("status"::text::"Status_new");
ALTER TYPE "Status" RENAME TO "Status_old";
ALTER TYPE "Status_new" RENAME TO "Status";
DROP TYPE "Status_old";
ALTER TABLE "carriers" ALTER COLUMN "status" SET DEFAULT 'ACTIVE';
COMMIT;

