import { z } from 'zod';
import { STORABLE_TEXT_PATTERN } from './text';
import { londonDate } from './working-days';

// The zod building blocks that process definitions and the API share, so a council slug, a name or an
// amount in pence is checked the same way in every process.

export const councilSlug = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters, digits and single hyphens, e.g. westminster');
// Rules as patterns, not refinements, so the API description states them (a client's generated code
// then knows what is refused). Trimmed text must not be blank: what String.prototype.trim strips.
const ONE_LINE = new RegExp(STORABLE_TEXT_PATTERN.oneLine, 'u');
const NOT_BLANK = /[^\s\uFEFF]/;
/** Text of at most `max` characters, not blank, trimmed; line breaks allowed (a plan, reasons). */
export const text = (max: number) => z.string().trim().min(1).max(max).regex(NOT_BLANK, 'must not be blank');
/** A name that goes into process titles, task titles and email subjects: one line, with a letter or digit. */
export const oneLineName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/[A-Za-z0-9]/, 'must contain a letter or a digit')
  .regex(ONE_LINE, 'must be one line, without tabs or control characters');
/** A short label (a block, a measure): one line. */
export const oneLine = text(200).regex(ONE_LINE, 'must be one line, without tabs or control characters');
export const longText = text(5_000);
export const reasonsText = text(10_000);
export const count = z.number().int().min(0).max(10_000_000);
// `unit` tells the web pages to ask for pounds and show pounds, whatever the field's name.
export const pence = z.number().int().min(0).max(100_000_000).meta({ unit: 'pence' });
/** A user id as the identity records hold it. */
export const userId = z.string().regex(/^[A-Za-z0-9._@-]{1,200}$/, 'letters, digits and . _ @ - only');
export const isoDateTime = z.iso.datetime({ offset: true });

/**
 * A tally that can be true (a ballot, a consultation): no more taking part than were eligible, and no
 * more for and against than took part. A refusal names the field and the figures.
 */
export function tallyThatCanBeTrue<S extends z.ZodObject>(
  schema: S,
  names: { eligible: string; tookPart: string; for: string; against: string },
) {
  return schema.superRefine((tally, ctx) => {
    const n = tally as Record<string, number>;
    const [eligible, tookPart, forIt, against] = [n[names.eligible] ?? 0, n[names.tookPart] ?? 0, n[names.for] ?? 0, n[names.against] ?? 0];
    if (tookPart > eligible)
      ctx.addIssue({
        code: 'custom',
        path: [names.tookPart],
        message: `${names.tookPart} (${tookPart}) cannot be more than ${names.eligible} (${eligible})`,
      });
    if (forIt + against > tookPart)
      ctx.addIssue({
        code: 'custom',
        path: [names.for],
        message: `${names.for} and ${names.against} together (${forIt + against}) cannot be more than ${names.tookPart} (${tookPart})`,
      });
  });
}

/** A calendar date of something that has happened: not after today in London. */
export const pastDate = z.iso
  .date()
  .refine((date) => date <= londonDate(new Date()), 'cannot be in the future: it records something that has happened');
