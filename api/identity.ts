import type { RequestHandler } from 'express';
import { z } from 'zod';
import { ROLES, type Actor } from '../workflows/common/roles';
import { HttpProblem } from './problem';

const actorHeaders = z.object({
  'x-actor-id': z.string().trim().min(1).max(200),
  'x-actor-role': z.enum(ROLES),
});

/**
 * Who is acting, so every decision is attributable. NOT authentication: the caller states its user id
 * and role in headers and is trusted. Bearer tokens and per-council roles replace this (engine-core issue).
 */
export const requireActor: RequestHandler = (req, res, next) => {
  const result = actorHeaders.safeParse(req.headers);
  if (!result.success) {
    return next(
      new HttpProblem(401, 'actor-required', 'State who is acting', 'send X-Actor-Id and X-Actor-Role headers', {
        issues: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      }),
    );
  }
  const actor: Actor = { userId: result.data['x-actor-id'], role: result.data['x-actor-role'] };
  res.locals.actor = actor;
  next();
};
