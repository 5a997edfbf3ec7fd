import { z } from 'zod';
import { isOneLine } from './text';

// The zod building blocks that process definitions and the API share, so a council slug, a name or an
// amount in pence is checked the same way in every process.

export const councilSlug = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters, digits and single hyphens, e.g. westminster');
/** A name that goes into process titles, task titles and email subjects: one line, with a letter or digit. */
export const oneLineName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/[A-Za-z0-9]/, 'must contain a letter or a digit')
  .refine(isOneLine, 'must be one line, without tabs or control characters');
/** A short label (a block, a measure): one line. */
export const oneLine = z.string().trim().min(1).max(200).refine(isOneLine, 'must be one line, without tabs or control characters');
export const longText = z.string().trim().min(1).max(5_000);
export const reasonsText = z.string().trim().min(1).max(10_000);
export const count = z.number().int().min(0).max(10_000_000);
export const pence = z.number().int().min(0).max(100_000_000);
/** A user id as the identity records hold it. */
export const userId = z.string().regex(/^[A-Za-z0-9._@-]{1,200}$/, 'letters, digits and . _ @ - only');
export const isoDateTime = z.iso.datetime({ offset: true });
