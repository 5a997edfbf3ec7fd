import { z } from 'zod';
import { DEFAULT_COMMON_POLICY, type CommonPolicy } from '../workflows/common/policy';
import { ROLES } from '../workflows/common/roles';
import type { Prisma } from '../prisma/generated/client';
import type { PrismaClient } from './db';
import type { ProcessRegistry } from './process-registry';

const workingDays = z.number().int().min(0).max(365);
const role = z.enum(ROLES);

const calendarSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('england-and-wales') }).strict(),
  // For tests and demonstrations: a working day of a few milliseconds, no days off.
  z.object({ kind: z.literal('compressed'), workingDayMs: z.number().int().min(1).max(86_400_000) }).strict(),
]);

const commonShape = {
  calendar: calendarSchema,
  reminderWorkingDaysBefore: workingDays,
  escalation: z.partialRecord(role, role),
};

/** A council's policy: the common part and a section per process kind, keyed by kind. */
export type CouncilPolicy = CommonPolicy & Record<string, unknown>;
/** A council's changes to the defaults: any subset, each part replacing the default's. */
export type PolicyOverride = Partial<CommonPolicy> & Record<string, unknown>;

/**
 * The policy model of the processes in `registry`: the schema of a full policy and of a council's
 * changes to it, the defaults, and reading and writing a council's policy.
 */
export function policyModel(registry: ProcessRegistry) {
  const definitions = registry.definitions;
  const policySchema = z
    .object({ ...commonShape, ...Object.fromEntries(definitions.map((d) => [d.kind, d.policy.schema])) })
    .strict()
    .superRefine((policy, ctx) => {
      for (const definition of definitions) {
        const section = (policy as Record<string, unknown>)[definition.kind] as Record<string, unknown> | undefined;
        const problem = definition.policy.check?.(section ?? {});
        if (problem) ctx.addIssue({ code: 'custom', path: [definition.kind, problem.field], message: problem.message });
      }
    });
  const overrideSchema = z
    .object({ ...commonShape, ...Object.fromEntries(definitions.map((d) => [d.kind, d.policy.schema.partial()])) })
    .partial()
    .strict();
  const defaults: CouncilPolicy = { ...DEFAULT_COMMON_POLICY, ...Object.fromEntries(definitions.map((d) => [d.kind, d.policy.defaults])) };

  /** The defaults with a council's changes; throws a ZodError when together they break a rule. */
  const applyOverride = (override: PolicyOverride): CouncilPolicy =>
    policySchema.parse({
      ...defaults,
      ...override,
      escalation: { ...defaults.escalation, ...override.escalation },
      ...Object.fromEntries(definitions.map((d) => [d.kind, { ...d.policy.defaults, ...(override[d.kind] as object | undefined) }])),
    }) as CouncilPolicy;

  return {
    policySchema,
    overrideSchema,
    defaults,
    applyOverride,
    /** The policy a process starting now in `council` runs under: the defaults with the council's changes. */
    async policyFor(prisma: PrismaClient, council: string): Promise<{ policy: CouncilPolicy; override: PolicyOverride }> {
      const stored = await prisma.councilPolicy.findUnique({ where: { council } });
      const override = stored ? (overrideSchema.parse(stored.policy) as PolicyOverride) : {};
      return { policy: applyOverride(override), override };
    },
    /**
     * Checks a council's new override against the defaults (throws the ZodError) and writes it, in one
     * transaction with `alongside` (its audit entry).
     */
    async setPolicy(
      prisma: PrismaClient,
      council: string,
      override: PolicyOverride,
      updatedBy: string,
      alongside: Prisma.PrismaPromise<unknown>[] = [],
    ): Promise<CouncilPolicy> {
      const policy = applyOverride(override);
      await prisma.$transaction([
        prisma.councilPolicy.upsert({
          where: { council },
          create: { council, policy: override as object, updatedAt: new Date(), updatedBy },
          update: { policy: override as object, updatedAt: new Date(), updatedBy },
        }),
        ...alongside,
      ]);
      return policy;
    },
  };
}

export type PolicyModel = ReturnType<typeof policyModel>;
