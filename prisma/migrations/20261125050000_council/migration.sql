-- A council as documents name it: its slug (what grants and processes carry) and its display name.
CREATE TABLE "council" (
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "council_pkey" PRIMARY KEY ("slug")
);
