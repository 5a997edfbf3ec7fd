import type { PrismaClient } from '../lib/db';
import { dateInWords, inPounds } from '../workflows/common/format';
import { appendTimeline } from './engine';
import { notificationRow } from './notifications';

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
    /**
     * Records an instruction to pay on an agreed date, once per process, term and instalment, with its
     * timeline entry and an email to finance and the group, in one transaction.
     */
    async recordPaymentInstruction(input: PaymentInstructionInput): Promise<void> {
      const id = `${input.processId}:t${input.term}:p${input.instalment}`;
      const record = await prisma.processRecord.findUniqueOrThrow({ where: { id: input.processId }, select: { kind: true, council: true, groupKey: true, title: true } });
      const process = { processId: input.processId, kind: record.kind, council: record.council, groupKey: record.groupKey, title: record.title };
      const payment = { amountPence: input.amountPence, payee: input.payee, dueOn: input.dueOn, instalment: input.instalment, of: input.of, term: input.term };
      const email = await notificationRow(prisma, { process, event: 'payment_instructed', dedupeKey: `${id}:instructed`, toRoles: ['finance', 'resident_rep'], facts: { payment } });
      await prisma.$transaction([
        prisma.paymentInstruction.createMany({ data: [{ id, ...input, dueOn: new Date(input.dueOn) }], skipDuplicates: true }),
        appendTimeline(prisma, {
          process,
          key: `payment:t${input.term}:p${input.instalment}`,
          at: input.dueOn,
          kind: 'payment_instructed',
          summary: `Payment instruction: ${inPounds(input.amountPence)} to ${input.payee} on ${dateInWords(input.dueOn)} (instalment ${input.instalment} of ${input.of}, term ${input.term})`,
          data: payment,
        }),
        prisma.notification.createMany(email),
      ]);
    },
  };
}
