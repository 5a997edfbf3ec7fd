// Text that PostgreSQL or an email cannot carry, refused where it comes in (the API's edge) so that it
// never reaches a workflow whose writes would then fail for ever.

// NUL and the other C0 controls but tab, line feed and carriage return; DEL and the C1 controls.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// Bidirectional embeddings, overrides and isolates: they reorder what a title or email subject shows.
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
// A surrogate not in a pair: UTF-8 (PostgreSQL, email) has no encoding for it.
const LONE_SURROGATE = /\p{Cs}/u;
const LINE_BREAK_OR_TAB = /[\t\n\r\u2028\u2029]/;

/** Why `value` cannot be accepted as text, or undefined if it can. Line breaks and tabs only where `multiLine`. */
export function unstorableText(value: string, { multiLine }: { multiLine: boolean }): string | undefined {
  if (LONE_SURROGATE.test(value)) return 'contains a lone surrogate (not valid Unicode)';
  if (CONTROL.test(value)) return 'contains a control character (e.g. NUL)';
  if (BIDI_CONTROL.test(value)) return 'contains a bidirectional control character';
  if (!multiLine && LINE_BREAK_OR_TAB.test(value)) return 'must be one line, without tabs';
  return undefined;
}

/** The first string (or object key) in a parsed request part that cannot be accepted, with its path. */
export function findUnstorableText(value: unknown, { multiLine }: { multiLine: boolean }, path: (string | number)[] = []): { path: (string | number)[]; message: string } | undefined {
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

/** For zod `.refine`: a single line of text (names that go into titles and email subjects). */
export const isOneLine = (value: string): boolean => unstorableText(value, { multiLine: false }) === undefined;
