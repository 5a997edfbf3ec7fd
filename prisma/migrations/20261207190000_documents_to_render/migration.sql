-- Documents asked for by a write (a decision's decision record) and rendered after it, off the
-- decision's path, by the worker's document renderer (worker/document-renderer.ts).
CREATE TABLE "document_job" (
    "dedupe_key" TEXT NOT NULL,
    "process_id" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "timeline_entry_id" TEXT NOT NULL,
    "actor" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',  -- pending, rendered, failed
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "document_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rendered_at" TIMESTAMPTZ(3),

    CONSTRAINT "document_job_pkey" PRIMARY KEY ("dedupe_key")
);

-- The jobs still to render and those given up on; rendered ones (one a decision) stay as the record of when.
CREATE INDEX "document_job_open_idx" ON "document_job" ("status", "created_at", "dedupe_key") WHERE "status" IN ('pending', 'failed');
