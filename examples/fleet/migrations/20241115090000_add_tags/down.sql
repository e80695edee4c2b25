-- DropForeignKey
ALTER TABLE "_CarrierToTag" DROP CONSTRAINT "_CarrierToTag_A_fkey";

-- DropForeignKey
ALTER TABLE "_CarrierToTag" DROP CONSTRAINT "_CarrierToTag_B_fkey";

-- DropTable
DROP TABLE "tags";

-- DropTable
DROP TABLE "_CarrierToTag";
