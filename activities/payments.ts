import type { PrismaClient } from '../lib/db';

export interface PaymentInstructionInput {
  processId: string;
  council: string;
  term: number;
  instalment: number;
  of: number;
  amountPence: number;
  dueOn: string;
  payee: string;
}

export function createPaymentActivities(prisma: PrismaClient) {
  return {
    /** Records an instruction to pay on an agreed date, once per process, term and instalment. */
    async recordPaymentInstruction(input: PaymentInstructionInput): Promise<void> {
      await prisma.paymentInstruction.createMany({
        data: [{ id: `${input.processId}:t${input.term}:p${input.instalment}`, ...input, dueOn: new Date(input.dueOn) }],
        skipDuplicates: true,
      });
    },
  };
}
