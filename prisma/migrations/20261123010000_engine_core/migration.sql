-- AlterTable
ALTER TABLE "process_record" ADD COLUMN "group_key" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "app_user" (
    "id" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "email" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "role_grant" (
    "id" SERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "council" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "group_key" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "role_grant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_token" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "task" (
    "id" TEXT NOT NULL,
    "process_id" TEXT NOT NULL,
    "task_key" TEXT NOT NULL,
    "council" TEXT NOT NULL,
    "process_kind" TEXT NOT NULL,
    "group_key" TEXT NOT NULL DEFAULT '',
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "assignee" TEXT,
    "status" TEXT NOT NULL,
    "outcomes" TEXT[],
    "required_form_fields" TEXT[],
    "data" JSONB NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "due_at" TIMESTAMPTZ(3),
    "reminded_at" TIMESTAMPTZ(3),
    "escalated_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "outcome" TEXT,
    "closed_by" TEXT,

    CONSTRAINT "task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "timeline_entry" (
    "id" TEXT NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "process_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "actor_user_id" TEXT,
    "actor_role" TEXT,
    "task_id" TEXT,
    "outcome" TEXT,
    "reasons" TEXT,
    "document_ids" TEXT[],
    "data" JSONB,

    CONSTRAINT "timeline_entry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notification" (
    "id" TEXT NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "process_id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "recipients" TEXT[],
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "document" (
    "id" TEXT NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "process_id" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "media_type" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "content" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "document_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "council_policy" (
    "council" TEXT NOT NULL,
    "policy" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_by" TEXT NOT NULL,

    CONSTRAINT "council_policy_pkey" PRIMARY KEY ("council")
);

-- CreateIndex
CREATE INDEX "role_grant_council_role_idx" ON "role_grant"("council", "role");

-- CreateIndex
CREATE UNIQUE INDEX "role_grant_user_id_council_role_group_key_key" ON "role_grant"("user_id", "council", "role", "group_key");

-- CreateIndex
CREATE UNIQUE INDEX "api_token_token_hash_key" ON "api_token"("token_hash");

-- CreateIndex
CREATE INDEX "task_council_role_status_idx" ON "task"("council", "role", "status");

-- CreateIndex
CREATE INDEX "task_assignee_status_idx" ON "task"("assignee", "status");

-- CreateIndex
CREATE INDEX "task_process_id_idx" ON "task"("process_id");

-- CreateIndex
CREATE INDEX "timeline_entry_process_id_at_idx" ON "timeline_entry"("process_id", "at");

-- CreateIndex
CREATE UNIQUE INDEX "notification_dedupe_key_key" ON "notification"("dedupe_key");

-- CreateIndex
CREATE INDEX "notification_status_created_at_idx" ON "notification"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "document_dedupe_key_key" ON "document"("dedupe_key");

-- CreateIndex
CREATE INDEX "document_process_id_idx" ON "document"("process_id");

-- CreateIndex
CREATE UNIQUE INDEX "document_process_id_kind_version_key" ON "document"("process_id", "kind", "version");

-- AddForeignKey
ALTER TABLE "role_grant" ADD CONSTRAINT "role_grant_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_token" ADD CONSTRAINT "api_token_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;
