import { z } from 'zod';
import type { PrismaClient } from '../lib/db';
import type { PolicyModel } from '../lib/policy';
import { actingAs, forbid, holdsRoleIn } from './access';
import { auditCommand } from './audit';
import { validationProblem } from './problem';
import { route, type AnyRoute } from './route-spec';
import { councilParams } from './schemas';

export function policyRoutes({ prisma, policies }: { prisma: PrismaClient; policies: PolicyModel }): AnyRoute[] {
  const { policySchema, overrideSchema } = policies;
  return [
    route({
      method: 'get',
      path: '/councils/:council/policy',
      tag: 'policy',
      summary: "A council's periods and escalation paths: the domain defaults with its own changes",
      params: councilParams,
      responses: { 200: { description: 'the policy new processes start with', schema: policySchema } },
      async handler({ req, res, params, principal }) {
        if (!holdsRoleIn(principal, params.council)) throw forbid(req, `read the policy of ${params.council}`, 'you hold no role there');
        res.json((await policies.policyFor(prisma, params.council)).policy);
      },
    }),
    route({
      method: 'put',
      path: '/councils/:council/policy',
      tag: 'policy',
      summary: "Change a council's policy; processes already running keep the one they started with",
      params: councilParams,
      body: overrideSchema,
      responses: {
        200: { description: 'the resulting policy', schema: policySchema },
        400: { description: 'invalid policy' },
        403: { description: 'needs programme_manager' },
      },
      async handler({ req, res, params, body, principal }) {
        const actor = actingAs(principal, { council: params.council, groupKey: '' }, 'programme_manager');
        if (!actor) throw forbid(req, `change the policy of ${params.council}`, 'needs programme_manager there');
        const audited = auditCommand(prisma, principal, actor, 'policy.change', undefined, { council: params.council, override: body });
        const policy = await policies.setPolicy(prisma, params.council, body, actor.userId, [audited]).catch((err: unknown) => {
          // Each part was valid on its own; together with the defaults they are not (e.g. review after term end).
          throw err instanceof z.ZodError ? validationProblem('body', err) : err;
        });
        req.log.info({ council: params.council, override: body, actor }, 'policy changed');
        res.json(policy);
      },
    }),
  ];
}
