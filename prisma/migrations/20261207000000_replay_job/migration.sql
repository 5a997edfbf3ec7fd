-- A replay an auditor asked for. It runs in a thread of the API process that took it and writes how far
-- it has got, so any API process can say where it stands; a long one answers 202 and is read here.
CREATE TABLE "replay_job" (
    "id" UUID NOT NULL,
    "council" TEXT NOT NULL,
    "process_id" TEXT,
    "requested_by" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "runs_replayed" INTEGER NOT NULL DEFAULT 0,
    "runs_diverged" INTEGER NOT NULL DEFAULT 0,
    "report" JSONB,
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    CONSTRAINT "replay_job_pkey" PRIMARY KEY ("id")
);
