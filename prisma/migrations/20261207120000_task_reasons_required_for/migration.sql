-- The outcomes a task's decision must give reasons for, so a form can say so before it is sent.
ALTER TABLE "task" ADD COLUMN "reasons_required_for" TEXT[] DEFAULT ARRAY[]::TEXT[];
