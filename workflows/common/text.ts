// Characters PostgreSQL or an email cannot carry, or that disguise text: what the API refuses at its
// edge (lib/text.ts) and what the process masks in the error text it stores. Safe in workflows.

/** NUL and the other C0 controls but tab, line feed and carriage return; DEL and the C1 controls. */
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
/** Bidirectional embeddings, overrides and isolates: they reorder what a title or email subject shows. */
export const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;
/** A surrogate not in a pair: UTF-8 (PostgreSQL, email) has no encoding for it. */
export const LONE_SURROGATE = /\p{Cs}/u;

const UNSTORABLE = new RegExp([CONTROL_CHARACTER, BIDI_CONTROL, LONE_SURROGATE, /[\t\n\r]/u].map((re) => re.source).join('|'), 'gu');

/** Text as the read models can store it on one line: every such character masked, bounded in length. */
export const storableLine = (text: string, maxLength: number): string => text.replace(UNSTORABLE, '?').slice(0, maxLength);
