-- Out-of-office delegation: while a person is away (starts_on to ends_on, London dates, both included)
-- their tasks show in the delegate's inbox, the delegate may decide them, and the delegate receives
-- their emails too. Not passed on: a delegate's own absence does not hand these on again.
CREATE TABLE "absence" (
    "id" UUID NOT NULL,
    "council" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "delegate_id" TEXT NOT NULL,
    "starts_on" DATE NOT NULL,
    "ends_on" DATE NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cancelled_at" TIMESTAMPTZ(3),

    CONSTRAINT "absence_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "absence_dates_check" CHECK ("ends_on" >= "starts_on"),
    CONSTRAINT "absence_not_self_check" CHECK ("delegate_id" <> "user_id")
);

CREATE INDEX "absence_delegate_id_idx" ON "absence"("delegate_id", "starts_on", "ends_on");
CREATE INDEX "absence_user_id_idx" ON "absence"("user_id", "starts_on", "ends_on");

ALTER TABLE "absence" ADD CONSTRAINT "absence_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "absence" ADD CONSTRAINT "absence_delegate_id_fkey" FOREIGN KEY ("delegate_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;
