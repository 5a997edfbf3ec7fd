import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { validationProblem } from './problem';

/** Parses `req.body` with a zod schema; the parsed value replaces it, bad input is a 400 problem. */
export function validateBody<S extends z.ZodType>(schema: S): RequestHandler {
  return (req, _res, next) => {
    const result = schema.safeParse(req.body ?? {});
    if (!result.success) return next(validationProblem('body', result.error));
    req.body = result.data;
    next();
  };
}

/** Parses path parameters the same way. */
export function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.infer<S> {
  const result = schema.safeParse(params);
  if (!result.success) throw validationProblem('path', result.error);
  return result.data;
}
