-- An ended process's last view, so reading it does not replay its history.
ALTER TABLE "process_record" ADD COLUMN "final_view" JSONB;

-- Workers say they are running every few seconds; readiness needs one seen lately.
CREATE TABLE "worker_heartbeat" (
    "task_queue" TEXT NOT NULL,
    "identity" TEXT NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "worker_heartbeat_pkey" PRIMARY KEY ("task_queue", "identity")
);
