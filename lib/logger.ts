import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout, one object a line. */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime });
}
