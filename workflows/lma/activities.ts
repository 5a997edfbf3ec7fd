import type { ProcessActivityDependencies } from '../../lib/process-definition';
import type { PrismaClient } from '../../lib/db';
import { timelineEntry } from '../../activities/engine';
import { writeAtOnce } from '../../lib/statement';
import { Prisma } from '../../prisma/generated/client';
import { dateInWords, inPounds } from '../common/format';
import type { ProcessRef } from '../common/engine-types';

// The LMA's own I/O (PROCESSES.md §1.9-10): payment instructions, written by an activity its definition
// declares and read back for its `payments` read. Never bundled with the workflow.

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

/** A payment instruction as its email states it: how much, to whom, when, which instalment of which term. */
export interface PaymentFacts {
  amountPence: number;
  payee: string;
  dueOn: string;
  instalment: number;
  of: number;
  term: number;
}

/** The LMA's email of a payment instruction, to finance and the group. */
export const paymentEmail = (_process: ProcessRef, facts: Record<string, unknown>) => {
  const payment = facts.payment as PaymentFacts;
  return {
    subject: `Payment instruction: ${inPounds(payment.amountPence)} to ${payment.payee} on ${dateInWords(payment.dueOn)}`,
    body: [
      `Pay ${inPounds(payment.amountPence)} to ${payment.payee} on ${dateInWords(payment.dueOn)}.`,
      `This is instalment ${payment.instalment} of ${payment.of} for term ${payment.term} of the agreement.`,
    ],
  };
};

/** The payment instructions of an LMA, by term and instalment: its `payments` read. */
export async function paymentsOf(prisma: PrismaClient, processId: string) {
  const rows = await prisma.paymentInstruction.findMany({ where: { processId }, orderBy: [{ term: 'asc' }, { instalment: 'asc' }] });
  return {
    items: rows.map((p) => ({
      term: p.term,
      instalment: p.instalment,
      of: p.of,
      amountPence: p.amountPence,
      dueOn: p.dueOn.toISOString(),
      payee: p.payee,
    })),
  };
}

export function createLmaActivities({ prisma, emailRow }: ProcessActivityDependencies) {
  return {
    /**
     * Records an instruction to pay on an agreed date, once per process, term and instalment, with its
     * timeline entry and an email to finance and the group, in one statement.
     */
    async recordPaymentInstruction(input: PaymentInstructionInput): Promise<void> {
      const id = `${input.processId}:t${input.term}:p${input.instalment}`;
      const record = await prisma.processRecord.findUniqueOrThrow({
        where: { id: input.processId },
        select: { kind: true, council: true, groupKey: true, title: true },
      });
      const process = {
        processId: input.processId,
        kind: record.kind,
        council: record.council,
        groupKey: record.groupKey,
        title: record.title,
      };
      const payment: PaymentFacts = {
        amountPence: input.amountPence,
        payee: input.payee,
        dueOn: input.dueOn,
        instalment: input.instalment,
        of: input.of,
        term: input.term,
      };
      const email = emailRow({
        process,
        event: 'payment_instructed',
        dedupeKey: `${id}:instructed`,
        toRoles: ['finance', 'resident_rep'],
        facts: { payment },
      });
      await writeAtOnce(prisma, [
        Prisma.sql`
        INSERT INTO payment_instruction (id, process_id, council, term, instalment, "of", amount_pence, due_on, payee)
        VALUES (${id}, ${input.processId}, ${input.council}, ${input.term}, ${input.instalment}, ${input.of}, ${input.amountPence}, ${new Date(input.dueOn)}, ${input.payee})
        ON CONFLICT DO NOTHING`,
        timelineEntry({
          process,
          key: `payment:t${input.term}:p${input.instalment}`,
          at: input.dueOn,
          kind: 'payment_instructed',
          summary: `Payment instruction: ${inPounds(input.amountPence)} to ${input.payee} on ${dateInWords(input.dueOn)} (instalment ${input.instalment} of ${input.of}, term ${input.term})`,
          data: { ...payment },
        }),
        email,
      ]);
    },
  };
}

export type LmaActivities = ReturnType<typeof createLmaActivities>;
