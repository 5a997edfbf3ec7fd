import { z } from 'zod';
import { DEFAULT_POLICY, type ProcessPolicy } from '../workflows/common/policy';
import { ROLES } from '../workflows/common/roles';
import type { PrismaClient } from './db';

const workingDays = z.number().int().min(0).max(365);
const role = z.enum(ROLES);

const calendarSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('england-and-wales') }).strict(),
  // For tests and demonstrations: a working day of a few milliseconds, no days off.
  z.object({ kind: z.literal('compressed'), workingDayMs: z.number().int().min(1).max(86_400_000) }).strict(),
]);

const lmaPolicySchema = z
  .object({
    adviserAppointmentWorkingDays: workingDays.min(1),
    groupStepWorkingDays: workingDays.min(1),
    councilStepWorkingDays: workingDays.min(1),
    consultationDays: z.number().int().min(1).max(365),
    supportThreshold: z.number().min(0).max(0.99),
    termDays: z.number().int().min(1).max(3650),
    paymentsPerTerm: z.number().int().min(1).max(52),
    reportingPeriodsPerTerm: z.number().int().min(1).max(12),
    annualReviewDaysBeforeEnd: z.number().int().min(1).max(365),
  })
  .strict();

export const processPolicySchema = z
  .object({
    calendar: calendarSchema,
    reminderWorkingDaysBefore: workingDays,
    escalation: z.partialRecord(role, role),
    lma: lmaPolicySchema,
  })
  .strict()
  .refine((policy) => policy.lma.annualReviewDaysBeforeEnd < policy.lma.termDays, {
    message: 'the annual review must open before the term ends',
    path: ['lma', 'annualReviewDaysBeforeEnd'],
  }) satisfies z.ZodType<ProcessPolicy>;

/** A council's changes to the defaults: any subset of the policy, each part replacing the default's. */
export const policyOverrideSchema = z
  .object({
    calendar: calendarSchema,
    reminderWorkingDaysBefore: workingDays,
    escalation: z.partialRecord(role, role),
    lma: lmaPolicySchema.partial(),
  })
  .partial()
  .strict();
export type PolicyOverride = z.infer<typeof policyOverrideSchema>;

export function applyOverride(override: PolicyOverride): ProcessPolicy {
  return processPolicySchema.parse({
    ...DEFAULT_POLICY,
    ...override,
    escalation: { ...DEFAULT_POLICY.escalation, ...override.escalation },
    lma: { ...DEFAULT_POLICY.lma, ...override.lma },
  });
}

/** The policy a process starting now in `council` runs under: the defaults with the council's changes. */
export async function policyFor(prisma: PrismaClient, council: string): Promise<{ policy: ProcessPolicy; override: PolicyOverride }> {
  const stored = await prisma.councilPolicy.findUnique({ where: { council } });
  const override = stored ? policyOverrideSchema.parse(stored.policy) : {};
  return { policy: applyOverride(override), override };
}

export async function setPolicy(prisma: PrismaClient, council: string, override: PolicyOverride, updatedBy: string): Promise<ProcessPolicy> {
  const policy = applyOverride(override);
  await prisma.councilPolicy.upsert({
    where: { council },
    create: { council, policy: override, updatedAt: new Date(), updatedBy },
    update: { policy: override, updatedAt: new Date(), updatedBy },
  });
  return policy;
}
