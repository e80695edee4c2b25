-- CreateIndex
CREATE UNIQUE INDEX "carriers_mc_number_key" ON "carriers"("mc_number");
