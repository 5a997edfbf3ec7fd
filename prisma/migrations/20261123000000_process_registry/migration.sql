-- CreateTable
CREATE TABLE "process_record" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "council" TEXT NOT NULL,
    "business_key" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "started_by" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "process_record_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "process_record_council_kind_stage_idx" ON "process_record"("council", "kind", "stage");
