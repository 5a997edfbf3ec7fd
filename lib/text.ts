// Text that PostgreSQL or an email cannot carry, refused where it comes in (the API's edge) so that it
// never reaches a workflow whose writes would then fail for ever.

import { BIDI_CONTROL, CONTROL_CHARACTER, LONE_SURROGATE } from '../workflows/common/text';

const LINE_BREAK_OR_TAB = /[\t\n\r\u2028\u2029]/;

/**
 * The same rule as patterns a JSON Schema can carry (the API description states it): the characters
 * CONTROL_CHARACTER and BIDI_CONTROL match, written out as ranges; one line also refuses line breaks and
 * tabs. Lone surrogates are left out: JSON Schema's regex engines cannot name them, and JSON text
 * holding one is not a Unicode string in the first place (RFC 8259 §8.2); the edge refuses them all the same.
 */
const REFUSED_RANGES = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069';
export const STORABLE_TEXT_PATTERN = { multiLine: `^[^${REFUSED_RANGES}]*$`, oneLine: `^[^\\t\\n\\r\\u2028\\u2029${REFUSED_RANGES}]*$` };

/** Why `value` cannot be accepted as text, or undefined if it can. Line breaks and tabs only where `multiLine`. */
export function unstorableText(value: string, { multiLine }: { multiLine: boolean }): string | undefined {
  if (LONE_SURROGATE.test(value)) return 'contains a lone surrogate (not valid Unicode)';
  if (CONTROL_CHARACTER.test(value)) return 'contains a control character (e.g. NUL)';
  if (BIDI_CONTROL.test(value)) return 'contains a bidirectional control character';
  if (!multiLine && LINE_BREAK_OR_TAB.test(value)) return 'must be one line, without tabs';
  return undefined;
}

/** The first string (or object key) in a parsed request part that cannot be accepted, with its path. */
export function findUnstorableText(
  value: unknown,
  { multiLine }: { multiLine: boolean },
  path: (string | number)[] = [],
): { path: (string | number)[]; message: string } | undefined {
  if (typeof value === 'string') {
    const message = unstorableText(value, { multiLine });
    return message ? { path, message } : undefined;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableText(item, { multiLine }, [...path, index]);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const badKey = unstorableText(key, { multiLine: false });
      if (badKey) return { path: [...path, key], message: `its name ${badKey}` };
      const found = findUnstorableText(item, { multiLine }, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
