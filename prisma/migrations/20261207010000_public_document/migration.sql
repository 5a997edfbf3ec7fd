-- A document a step marks public (an options review's terms of reference) is readable at its link
-- without signing in.
ALTER TABLE "document" ADD COLUMN "public" BOOLEAN NOT NULL DEFAULT false;
