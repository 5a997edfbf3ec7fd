import type { Request, Response } from 'express';
import { ANY_COUNCIL, authenticate, type Principal } from '../lib/identity';
import type { PrismaClient } from '../lib/db';
import { isScoped, type Actor, type Role } from '../workflows/common/roles';
import { HttpProblem } from './problem';
import type { PrincipalCache } from './principal-cache';
import { notFound } from './route-spec';

/** Where a process belongs, which is what access is decided on. */
export interface Scope {
  council: string;
  /** The residents' group of the process, if it has one. */
  groupKey: string;
}

const BEARER = /^Bearer\s+([\x21-\x7E]+)$/i;

/**
 * Resolves the bearer token of a request to its user and grants, or refuses with 401 (logged): from
 * `principals` (a cache that every change to access empties), else read afresh on every request.
 */
export function bearerAuthenticator(prisma: PrismaClient, principals?: PrincipalCache) {
  const principalFor = (token: string): Promise<Principal | undefined> =>
    principals ? principals.get(token) : authenticate(prisma, token);
  return async (req: Request, res: Response): Promise<Principal> => {
    const match = BEARER.exec(req.header('authorization') ?? '');
    const principal = match?.[1] ? await principalFor(match[1]) : undefined;
    if (!principal) {
      req.log.warn({ reason: match ? 'unknown or revoked token' : 'no bearer token' }, 'refused: not authenticated');
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new HttpProblem(401, 'unauthenticated', 'Authentication required', 'send a valid API token as "Authorization: Bearer <token>"');
    }
    req.log = req.log.child({ userId: principal.userId });
    return principal;
  };
}

const grantsIn = (principal: Principal, scope: Scope) =>
  principal.grants.filter(
    (grant) =>
      (grant.council === scope.council || grant.council === ANY_COUNCIL) &&
      // A resident_rep acts only on its own group's processes, a partner on its own organisation's tasks.
      (!isScoped(grant.role) || grant.groupKey === scope.groupKey),
  );

/** The actor `principal` is when acting in `role` on something in `scope`, if it holds that role there. */
export function actingAs(principal: Principal, scope: Scope, role: Role): Actor | undefined {
  return grantsIn(principal, scope).some((grant) => grant.role === role)
    ? { userId: principal.userId, role, tokenId: principal.tokenId, name: principal.displayName }
    : undefined;
}

/** Whether the principal holds any role in the council (a resident_rep for any of its groups). */
export const holdsRoleIn = (principal: Principal, council: string): boolean =>
  principal.grants.some((grant) => grant.council === council || grant.council === ANY_COUNCIL);

export function mayRead(principal: Principal, scope: Scope): boolean {
  return grantsIn(principal, scope).length > 0;
}

/**
 * A database filter, for any table with `council` and `groupKey` columns, that keeps the rows the
 * principal may see: its councils, and for a scoped role (a resident_rep, a partner) what its grant names only.
 */
export function visibleTo(principal: Principal): { OR?: ({ council: { in: string[] } } | { council: string; groupKey: string })[] } {
  const broad = principal.grants.filter((grant) => !isScoped(grant.role));
  if (broad.some((grant) => grant.council === ANY_COUNCIL)) return {};
  const groups = principal.grants.filter((grant) => isScoped(grant.role)).map(({ council, groupKey }) => ({ council, groupKey }));
  return { OR: [{ council: { in: [...new Set(broad.map((grant) => grant.council))] } }, ...groups] };
}

/** Refuses with 403, logging who was refused what and why. */
/**
 * Refuses (logged as a refusal) someone who holds no role for a thing as if it did not exist, so ids
 * cannot be probed: the same 404 as for an unknown id.
 */
export function hidden(req: Request, what: 'process' | 'task' | 'document' | 'replay', id: string, action: string): HttpProblem {
  req.log.warn({ action, reason: `holds no role for this ${what}` }, 'refused: not allowed');
  return notFound(what, id);
}

export function forbid(req: Request, action: string, reason: string): HttpProblem {
  req.log.warn({ action, reason }, 'refused: not allowed');
  return new HttpProblem(403, 'forbidden', 'Not allowed', `${action}: ${reason}`);
}
