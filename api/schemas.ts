import { z } from 'zod';
import { LEGAL_FORMS, LMA_SERVICES } from '../workflows/lma/messages';

// The request shapes of the process routes: one zod schema each, the single source of truth.

const slug = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters, digits and single hyphens, e.g. westminster');
const name = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/[A-Za-z0-9]/, 'must contain a letter or a digit');
const area = z.string().trim().min(1).max(200);

export const startLmaBody = z
  .object({
    kind: z.literal('lma'),
    council: slug,
    estate: name,
    group: z.object({ name, legalForm: z.enum(LEGAL_FORMS) }).strict(),
    services: z
      .array(z.object({ service: z.enum(LMA_SERVICES), scope: z.array(area).min(1).max(100) }).strict())
      .min(1)
      .max(LMA_SERVICES.length)
      .refine((services) => new Set(services.map((s) => s.service)).size === services.length, {
        message: 'each service appears once; list all its areas in its scope',
      }),
  })
  .strict();

export const startProcessBody = z.discriminatedUnion('kind', [startLmaBody]);
export type StartProcessBody = z.infer<typeof startProcessBody>;

export const processIdParams = z.object({
  id: z.string().min(1).max(300).regex(/^[a-z]+:[a-z0-9:-]+$/, 'not a process id'),
});

export const taskParams = processIdParams.extend({
  taskId: z.string().min(1).max(100).regex(/^[a-z0-9-]+$/, 'not a task id'),
});

export const completeTaskBody = z
  .object({
    outcome: z.string().min(1).max(50),
    reasons: z.string().trim().min(1).max(10_000).optional(),
    attachments: z.array(z.string().min(1).max(100)).max(50).optional(),
    form: z.record(z.string().min(1).max(100), z.string().max(2_000)).optional(),
  })
  .strict();
export type CompleteTaskBody = z.infer<typeof completeTaskBody>;
