-- The public pages list a council's published documents: the few a step marked public, found without
-- reading every document row.
CREATE INDEX "document_public_idx" ON "document"("process_id", "created_at") WHERE "public";
