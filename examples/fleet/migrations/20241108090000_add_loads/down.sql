-- DropForeignKey
ALTER TABLE "loads" DROP CONSTRAINT "loads_carrier_id_fkey";

-- DropForeignKey
ALTER TABLE "loads" DROP CONSTRAINT "loads_truck_id_fkey";

-- DropForeignKey
ALTER TABLE "loads" DROP CONSTRAINT "loads_driver_id_fkey";

-- DropForeignKey
ALTER TABLE "loads" DROP CONSTRAINT "loads_co_driver_id_fkey";

-- DropTable
DROP TABLE "loads";

-- DropEnum
DROP TYPE "LoadStatus";
