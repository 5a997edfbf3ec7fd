import { z } from 'zod';
import { appendAudit, verifyAuditLog } from '../lib/audit';
import type { PrismaClient } from '../lib/db';
import type { Principal } from '../lib/identity';
import type { Actor } from '../workflows/common/roles';
import { forbid } from './access';
import { route, type AnyRoute } from './route-spec';

/**
 * The audit entry of a command the API carries out itself (a policy change), as done by `actor` with
 * `principal`'s token: a statement to run in the command's own transaction. Commands a process
 * accepts are audited by the process (activities/engine.ts), with the change they make.
 */
export function auditCommand(
  prisma: PrismaClient,
  principal: Principal,
  actor: Actor | undefined,
  action: string,
  processId: string | undefined,
  details: Record<string, unknown>,
) {
  return appendAudit(prisma, {
    actorUserId: principal.userId,
    tokenId: principal.tokenId,
    action,
    details,
    ...(actor ? { actorRole: actor.role } : {}),
    ...(processId ? { processId } : {}),
  });
}

export const isAuditor = (principal: Principal): boolean => principal.grants.some((grant) => grant.role === 'auditor');

export function auditRoutes({ prisma }: { prisma: PrismaClient }): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/audit/verify',
      tag: 'audit',
      summary: 'Check the hash chain of the audit log and report the first broken link',
      responses: {
        200: {
          description: 'the result of the check',
          schema: z.object({
            intact: z.boolean(),
            entries: z.number(),
            firstBroken: z.object({ seq: z.string(), problem: z.string() }).optional(),
          }),
        },
        403: { description: 'auditors only' },
      },
      async handler({ req, res, principal }) {
        if (!isAuditor(principal)) throw forbid(req, 'verify the audit log', 'auditors only');
        res.json(await verifyAuditLog(prisma));
      },
    }),
  ];
}
