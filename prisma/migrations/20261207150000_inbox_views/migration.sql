-- A person's saved inbox views (filters and order), kept by the service rather than the browser, as
-- officers share PCs.
CREATE TABLE "inbox_view" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inbox_view_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "inbox_view_user_id_name_key" ON "inbox_view"("user_id", "name");

ALTER TABLE "inbox_view" ADD CONSTRAINT "inbox_view_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;
