-- Each accepted command is appended once: its key (the timeline entry, or the request, that it records)
-- is unique, so a retried write appends nothing.
ALTER TABLE "audit_log" ADD COLUMN "command_key" TEXT;
CREATE UNIQUE INDEX "audit_log_command_key_key" ON "audit_log"("command_key");

-- The head of the chain, one row: an append is one statement that updates it (waiting on its row lock,
-- so appends are serialised without a transaction held open by the application) and inserts the entry.
CREATE TABLE "audit_head" (
    "id" INTEGER NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "prev_hash" TEXT NOT NULL,
    CONSTRAINT "audit_head_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "audit_head_one_row" CHECK ("id" = 1)
);

INSERT INTO "audit_head" ("id", "seq", "hash", "prev_hash")
SELECT 1, COALESCE(last."seq", 0), COALESCE(last."hash", repeat('0', 64)), COALESCE(last."prev_hash", repeat('0', 64))
FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT "seq", "hash", "prev_hash" FROM "audit_log" ORDER BY "seq" DESC LIMIT 1) AS last ON TRUE;
