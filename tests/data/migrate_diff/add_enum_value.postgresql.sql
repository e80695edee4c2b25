-- AlterEnum
ALTER TYPE "Status" ADD VALUE 'RETIRED';

