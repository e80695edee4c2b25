-- CreateTable
CREATE TABLE "tags" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "_CarrierToTag" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,
    CONSTRAINT "_CarrierToTag_A_fkey" FOREIGN KEY ("A") REFERENCES "carriers" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "_CarrierToTag_B_fkey" FOREIGN KEY ("B") REFERENCES "tags" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "tags_name_key" ON "tags"("name");

-- CreateIndex
CREATE UNIQUE INDEX "_CarrierToTag_AB_unique" ON "_CarrierToTag"("A", "B");

-- CreateIndex
CREATE INDEX "_CarrierToTag_B_index" ON "_CarrierToTag"("B");
