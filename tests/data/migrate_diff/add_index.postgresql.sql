-- CreateIndex
CREATE INDEX "carriers_status_name_idx" ON "carriers"("status", "name");

-- CreateIndex
CREATE INDEX "trucks_carrier_id_idx" ON "trucks"("carrier_id");

