-- The write a process waits on after it failed in a way retrying cannot fix, shown to its programme managers.
ALTER TABLE "process_record" ADD COLUMN "incident" JSONB;
