-- CreateEnum
CREATE TYPE "CarrierStatus" AS ENUM ('ACTIVE', 'INACTIVE', 'SUSPENDED', 'REVOKED');

-- CreateEnum
CREATE TYPE "TruckStatus" AS ENUM ('IN_SERVICE', 'IN_SHOP', 'OUT_OF_SERVICE', 'RETIRED');

-- CreateEnum
CREATE TYPE "coverage_type" AS ENUM ('LIABILITY', 'CARGO', 'PHYSICAL_DAMAGE');

-- CreateEnum
CREATE TYPE "InspectionResult" AS ENUM ('PASSED', 'VIOLATIONS', 'OUT_OF_SERVICE');

-- CreateTable
CREATE TABLE "carriers" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "mc_number" VARCHAR(10) NOT NULL,
    "dot_number" VARCHAR(8) NOT NULL,
    "status" "CarrierStatus" NOT NULL DEFAULT 'ACTIVE',
    "parent_id" INTEGER,
    "current_policy_id" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "carriers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "insurance_policies" (
    "id" SERIAL NOT NULL,
    "policy_number" VARCHAR(30) NOT NULL,
    "insurer" VARCHAR(120) NOT NULL,
    "coverage_type" "coverage_type" NOT NULL DEFAULT 'LIABILITY',
    "coverage_amount" DECIMAL(12,2) NOT NULL,
    "effective_on" DATE NOT NULL,
    "expires_on" DATE NOT NULL,
    "carrier_id" INTEGER NOT NULL,

    CONSTRAINT "insurance_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "trucks" (
    "id" SERIAL NOT NULL,
    "vin" VARCHAR(17) NOT NULL,
    "unit_number" VARCHAR(20) NOT NULL,
    "make" VARCHAR(40) NOT NULL,
    "model_year" SMALLINT NOT NULL,
    "status" "TruckStatus" NOT NULL DEFAULT 'IN_SERVICE',
    "carrier_id" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "trucks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "drivers" (
    "id" SERIAL NOT NULL,
    "first_name" VARCHAR(80) NOT NULL,
    "last_name" VARCHAR(80) NOT NULL,
    "license_number" VARCHAR(20) NOT NULL,
    "license_state" CHAR(2) NOT NULL,
    "license_expires_on" DATE NOT NULL,
    "carrier_id" INTEGER NOT NULL,

    CONSTRAINT "drivers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "truck_drivers" (
    "truck_id" INTEGER NOT NULL,
    "driver_id" INTEGER NOT NULL,
    "is_primary" BOOLEAN NOT NULL DEFAULT false,
    "assigned_on" DATE NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "truck_drivers_pkey" PRIMARY KEY ("truck_id","driver_id")
);

-- CreateTable
CREATE TABLE "inspections" (
    "id" SERIAL NOT NULL,
    "report_number" VARCHAR(20) NOT NULL,
    "truck_id" INTEGER NOT NULL,
    "inspected_on" DATE NOT NULL,
    "level" SMALLINT NOT NULL,
    "result" "InspectionResult" NOT NULL,
    "violations" INTEGER NOT NULL DEFAULT 0,
    "notes" TEXT,

    CONSTRAINT "inspections_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "carriers_mc_number_key" ON "carriers"("mc_number");

-- CreateIndex
CREATE UNIQUE INDEX "carriers_dot_number_key" ON "carriers"("dot_number");

-- CreateIndex
CREATE UNIQUE INDEX "carriers_current_policy_id_key" ON "carriers"("current_policy_id");

-- CreateIndex
CREATE INDEX "carriers_parent_id_idx" ON "carriers"("parent_id");

-- CreateIndex
CREATE INDEX "carriers_status_name_idx" ON "carriers"("status", "name");

-- CreateIndex
CREATE UNIQUE INDEX "insurance_policies_policy_number_key" ON "insurance_policies"("policy_number");

-- CreateIndex
CREATE INDEX "insurance_policies_carrier_id_expires_on_idx" ON "insurance_policies"("carrier_id", "expires_on" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "trucks_vin_key" ON "trucks"("vin");

-- CreateIndex
CREATE UNIQUE INDEX "trucks_carrier_id_unit_number_key" ON "trucks"("carrier_id", "unit_number");

-- CreateIndex
CREATE INDEX "drivers_carrier_id_last_name_idx" ON "drivers"("carrier_id", "last_name");

-- CreateIndex
CREATE UNIQUE INDEX "drivers_license_key" ON "drivers"("license_number", "license_state");

-- CreateIndex
CREATE INDEX "truck_drivers_driver_id_idx" ON "truck_drivers"("driver_id");

-- CreateIndex
CREATE UNIQUE INDEX "inspections_report_number_key" ON "inspections"("report_number");

-- CreateIndex
CREATE INDEX "inspections_truck_id_inspected_on_idx" ON "inspections"("truck_id", "inspected_on" DESC);

-- AddForeignKey
ALTER TABLE "carriers" ADD CONSTRAINT "carriers_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "carriers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "carriers" ADD CONSTRAINT "carriers_current_policy_id_fkey" FOREIGN KEY ("current_policy_id") REFERENCES "insurance_policies"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "insurance_policies" ADD CONSTRAINT "insurance_policies_carrier_id_fkey" FOREIGN KEY ("carrier_id") REFERENCES "carriers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trucks" ADD CONSTRAINT "trucks_carrier_id_fkey" FOREIGN KEY ("carrier_id") REFERENCES "carriers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "drivers" ADD CONSTRAINT "drivers_carrier_id_fkey" FOREIGN KEY ("carrier_id") REFERENCES "carriers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "truck_drivers" ADD CONSTRAINT "truck_drivers_truck_id_fkey" FOREIGN KEY ("truck_id") REFERENCES "trucks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "truck_drivers" ADD CONSTRAINT "truck_drivers_driver_id_fkey" FOREIGN KEY ("driver_id") REFERENCES "drivers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inspections" ADD CONSTRAINT "inspections_truck_id_fkey" FOREIGN KEY ("truck_id") REFERENCES "trucks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
