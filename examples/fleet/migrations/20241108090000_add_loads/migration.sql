-- CreateEnum
CREATE TYPE "LoadStatus" AS ENUM ('PLANNED', 'IN_TRANSIT', 'DELIVERED', 'CANCELLED');

-- CreateTable
CREATE TABLE "loads" (
    "id" SERIAL NOT NULL,
    "reference_number" VARCHAR(12) NOT NULL,
    "carrier_id" INTEGER NOT NULL,
    "truck_id" INTEGER,
    "driver_id" INTEGER,
    "co_driver_id" INTEGER,
    "status" "LoadStatus" NOT NULL DEFAULT 'PLANNED',
    "origin" VARCHAR(120) NOT NULL,
    "destination" VARCHAR(120) NOT NULL,
    "pickup_at" TIMESTAMP(3) NOT NULL,
    "delivered_at" TIMESTAMP(3),
    "weight_lbs" INTEGER NOT NULL,
    "rate" DECIMAL(10,2) NOT NULL,

    CONSTRAINT "loads_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "loads_reference_number_key" ON "loads"("reference_number");

-- CreateIndex
CREATE INDEX "loads_carrier_id_status_idx" ON "loads"("carrier_id", "status");

-- CreateIndex
CREATE INDEX "loads_truck_id_idx" ON "loads"("truck_id");

-- CreateIndex
CREATE INDEX "loads_driver_id_idx" ON "loads"("driver_id");

-- CreateIndex
CREATE INDEX "loads_co_driver_id_idx" ON "loads"("co_driver_id");

-- AddForeignKey
ALTER TABLE "loads" ADD CONSTRAINT "loads_carrier_id_fkey" FOREIGN KEY ("carrier_id") REFERENCES "carriers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "loads" ADD CONSTRAINT "loads_truck_id_fkey" FOREIGN KEY ("truck_id") REFERENCES "trucks"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "loads" ADD CONSTRAINT "loads_driver_id_fkey" FOREIGN KEY ("driver_id") REFERENCES "drivers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "loads" ADD CONSTRAINT "loads_co_driver_id_fkey" FOREIGN KEY ("co_driver_id") REFERENCES "drivers"("id") ON DELETE SET NULL ON UPDATE CASCADE;
