-- CreateIndex
CREATE INDEX "trucks_carrier_id_idx" ON "trucks"("carrier_id");

-- RenameIndex
ALTER INDEX "trucks_vin_key" RENAME TO "trucks_vin_uq";

