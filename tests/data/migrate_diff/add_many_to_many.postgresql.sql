-- CreateTable
CREATE TABLE "Label" (
    "code" VARCHAR(20) NOT NULL,

    CONSTRAINT "Label_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "_CarrierToLabel" (
    "A" INTEGER NOT NULL,
    "B" VARCHAR(20) NOT NULL,

    CONSTRAINT "_CarrierToLabel_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateIndex
CREATE INDEX "_CarrierToLabel_B_index" ON "_CarrierToLabel"("B");

-- AddForeignKey
ALTER TABLE "_CarrierToLabel" ADD CONSTRAINT "_CarrierToLabel_A_fkey" FOREIGN KEY ("A") REFERENCES "carriers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_CarrierToLabel" ADD CONSTRAINT "_CarrierToLabel_B_fkey" FOREIGN KEY ("B") REFERENCES "Label"("code") ON DELETE CASCADE ON UPDATE CASCADE;

