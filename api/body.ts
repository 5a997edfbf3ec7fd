import type { IncomingMessage } from 'node:http';

/** Deeper JSON than any request of this API needs; deeper bodies are refused before they are parsed. */
export const MAX_JSON_DEPTH = 32;

/** A body refused before parsing: body-parser keeps its status and type, the problem handler names it. */
class BodyRefused extends Error {
  constructor(
    readonly type: 'entity.too.deep' | 'entity.not.utf8',
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** How deeply arrays and objects nest in JSON text, counted without parsing it (strings skipped). */
export function jsonNestingDepth(text: Buffer): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const byte = text[i];
    if (inString) {
      if (byte === 0x5c)
        i += 1; // a backslash escapes the next byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) deepest = Math.max(deepest, (depth += 1));
    else if (byte === 0x5d || byte === 0x7d) depth -= 1;
  }
  return deepest;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * express.json's `verify`: refuses a body that is not UTF-8 (it would be stored with U+FFFD in place of
 * what was sent) or that nests deeper than MAX_JSON_DEPTH (parsing and checking it would exhaust the stack).
 */
export function verifyJsonBody(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string): void {
  if (/^utf-?8$/i.test(encoding)) {
    try {
      utf8.decode(body);
    } catch {
      throw new BodyRefused('entity.not.utf8', 'the body is not valid UTF-8');
    }
  }
  if (jsonNestingDepth(body) > MAX_JSON_DEPTH)
    throw new BodyRefused('entity.too.deep', `the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
}
