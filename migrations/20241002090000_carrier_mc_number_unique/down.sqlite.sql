-- DropIndex
DROP INDEX "carriers_mc_number_key";
