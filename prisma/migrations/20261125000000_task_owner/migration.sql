-- A task's owner: the workflow its decision goes to (a child workflow's, for child tasks) and the
-- process kind whose task forms check it. Rows written before child workflows are their process's own.
ALTER TABLE "task" ADD COLUMN "workflow_id" TEXT;
ALTER TABLE "task" ADD COLUMN "workflow_kind" TEXT;
UPDATE "task" SET "workflow_id" = "process_id", "workflow_kind" = "process_kind";
ALTER TABLE "task" ALTER COLUMN "workflow_id" SET NOT NULL;
ALTER TABLE "task" ALTER COLUMN "workflow_kind" SET NOT NULL;

-- The inbox of one process (GET /tasks?process=).
CREATE INDEX "task_process_id_status_idx" ON "task"("process_id", "status");

-- The inbox in the order it is read (soonest due first, undated last), so a page is an index scan of
-- its rows, not a sort of a council's every open task. Prisma's schema cannot state NULLS LAST.
CREATE INDEX "task_inbox_order_idx" ON "task"("council", "status", "due_at" ASC NULLS LAST, "opened_at", "id");
CREATE INDEX "task_inbox_order_all_idx" ON "task"("status", "due_at" ASC NULLS LAST, "opened_at", "id");
