-- CreateTable
CREATE TABLE "payment_instruction" (
    "id" TEXT NOT NULL,
    "process_id" TEXT NOT NULL,
    "council" TEXT NOT NULL,
    "term" INTEGER NOT NULL,
    "instalment" INTEGER NOT NULL,
    "of" INTEGER NOT NULL,
    "amount_pence" INTEGER NOT NULL,
    "due_on" TIMESTAMPTZ(3) NOT NULL,
    "payee" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_instruction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "payment_instruction_process_id_idx" ON "payment_instruction"("process_id");
