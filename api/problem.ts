import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorRequestHandler, Response } from 'express';
import type { z } from 'zod';
import { isDatabaseUnavailable } from '../lib/db';

// RFC 9457 problem details. `type` values are stable: clients may branch on them.
const PROBLEM_TYPE_PREFIX = 'urn:housing-governance:problem:';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extras: Record<string, unknown> = {},
    /** For a 503 or 429: when to try again, in seconds (the `Retry-After` header). */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ?? title);
  }
}

/** A dependency is down or too slow: 503 with `Retry-After`, so a caller knows to come back. */
export const unavailable = (slug: string, title: string, detail?: string, retryAfterSeconds = 5): HttpProblem =>
  new HttpProblem(503, slug, title, detail, {}, retryAfterSeconds);

export function sendProblem(res: Response, problem: HttpProblem): void {
  if (problem.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(problem.retryAfterSeconds));
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({
      type: `${PROBLEM_TYPE_PREFIX}${problem.slug}`,
      title: problem.title,
      status: problem.status,
      ...(problem.detail === undefined ? {} : { detail: problem.detail }),
      instance: res.req.originalUrl,
      requestId: res.locals.requestId,
      ...problem.extras,
    });
}

/** A 400 with every issue zod found; `title` says what failed where the request's part alone does not (a task's form). */
export function validationProblem(
  where: 'body' | 'query' | 'path',
  error: z.ZodError,
  title = `The request ${where} is not valid`,
): HttpProblem {
  return new HttpProblem(400, 'validation-error', title, undefined, {
    issues: error.issues.map((issue) => ({ path: issue.path.join('.'), code: issue.code, message: issue.message })),
  });
}

/** A 400 naming one field, in the shape of the other validation errors. */
export function fieldProblem(where: 'body' | 'query' | 'path', path: (string | number)[], code: string, message: string): HttpProblem {
  return new HttpProblem(400, 'validation-error', `The request ${where} is not valid`, undefined, {
    issues: [{ path: path.join('.'), code, message }],
  });
}

/**
 * Requests Node refuses before Express sees them (headers or URL too large, malformed request lines or
 * headers) answered as problem+json too, instead of Node's bare status line.
 */
export function answerClientErrorsAsProblems(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const [status, reason, slug, title] = tooLarge
      ? [431, 'Request Header Fields Too Large', 'headers-too-large', 'The request line or headers are too large']
      : [400, 'Bad Request', 'malformed-request', 'The request is not valid HTTP'];
    const body = JSON.stringify({ type: `${PROBLEM_TYPE_PREFIX}${slug}`, title, status });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

/** Last middleware: every error leaves as problem+json; unexpected ones are logged, never shown. */
export const problemHandler: ErrorRequestHandler = (err: unknown, req, res, next) => {
  void next;
  if (err instanceof HttpProblem) return sendProblem(res, err);
  const bodyParserError = err as { type?: string; status?: number };
  if (bodyParserError.type === 'entity.parse.failed') {
    return sendProblem(res, new HttpProblem(400, 'malformed-json', 'The request body is not valid JSON'));
  }
  if (bodyParserError.type === 'entity.not.utf8') {
    return sendProblem(res, new HttpProblem(400, 'malformed-json', 'The request body is not valid UTF-8', (err as Error).message));
  }
  if (bodyParserError.type === 'entity.too.deep') {
    return sendProblem(res, new HttpProblem(400, 'body-too-deep', 'The request body nests too deeply', (err as Error).message));
  }
  if (bodyParserError.type === 'entity.too.large') {
    return sendProblem(res, new HttpProblem(413, 'body-too-large', 'The request body is too large'));
  }
  // A path that does not decode (percent-encoded bytes that are not UTF-8): Express marks it 400.
  if (
    err instanceof URIError ||
    (typeof bodyParserError.status === 'number' && bodyParserError.status >= 400 && bodyParserError.status < 500)
  ) {
    return sendProblem(
      res,
      new HttpProblem(
        400,
        'malformed-request',
        'The request is not valid',
        err instanceof URIError ? 'the URL does not decode as UTF-8' : undefined,
      ),
    );
  }
  if (isDatabaseUnavailable(err)) {
    req.log.warn({ err }, 'database unavailable');
    return sendProblem(res, unavailable('database-unavailable', 'The database is not reachable; try again shortly'));
  }
  req.log.error({ err }, 'unhandled error');
  sendProblem(res, new HttpProblem(500, 'internal-error', 'Something went wrong on our side'));
};
