-- DropForeignKey
ALTER TABLE "carriers" DROP CONSTRAINT "carriers_parent_id_fkey";

-- DropForeignKey
ALTER TABLE "carriers" DROP CONSTRAINT "carriers_current_policy_id_fkey";

-- DropForeignKey
ALTER TABLE "insurance_policies" DROP CONSTRAINT "insurance_policies_carrier_id_fkey";

-- DropForeignKey
ALTER TABLE "trucks" DROP CONSTRAINT "trucks_carrier_id_fkey";

-- DropForeignKey
ALTER TABLE "drivers" DROP CONSTRAINT "drivers_carrier_id_fkey";

-- DropForeignKey
ALTER TABLE "truck_drivers" DROP CONSTRAINT "truck_drivers_truck_id_fkey";

-- DropForeignKey
ALTER TABLE "truck_drivers" DROP CONSTRAINT "truck_drivers_driver_id_fkey";

-- DropForeignKey
ALTER TABLE "inspections" DROP CONSTRAINT "inspections_truck_id_fkey";

-- DropTable
DROP TABLE "carriers";

-- DropTable
DROP TABLE "insurance_policies";

-- DropTable
DROP TABLE "trucks";

-- DropTable
DROP TABLE "drivers";

-- DropTable
DROP TABLE "truck_drivers";

-- DropTable
DROP TABLE "inspections";

-- DropEnum
DROP TYPE "CarrierStatus";

-- DropEnum
DROP TYPE "TruckStatus";

-- DropEnum
DROP TYPE "coverage_type";

-- DropEnum
DROP TYPE "InspectionResult";
