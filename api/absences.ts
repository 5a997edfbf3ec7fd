import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../lib/db';
import { councilSlug, userId } from '../lib/field-schemas';
import type { Principal } from '../lib/identity';
import { londonDate } from '../lib/working-days';
import { actingAs, forbid } from './access';
import { auditCommand } from './audit';
import { HttpProblem } from './problem';
import { notFound, route, type AnyRoute } from './route-spec';

// Out-of-office delegation: a person away between two dates, and the colleague who covers for them in
// a council (lib/absences.ts says what covering means). Set by the person, or by a programme manager.

const isoDate = z.iso.date();
const absenceBody = z
  .object({ userId, delegateId: userId, startsOn: isoDate, endsOn: isoDate })
  .strict()
  .refine((a) => a.endsOn >= a.startsOn, { path: ['endsOn'], message: 'must be on or after startsOn' })
  .refine((a) => a.delegateId !== a.userId, { path: ['delegateId'], message: 'must be someone other than the person away' });
const absenceView = z.object({
  id: z.string(),
  userId: z.string(),
  delegateId: z.string(),
  startsOn: z.string(),
  endsOn: z.string(),
  createdBy: z.string(),
});
const dateOf = (d: Date) => d.toISOString().slice(0, 10);
const present = (a: { id: string; userId: string; delegateId: string; startsOn: Date; endsOn: Date; createdBy: string }) => ({
  id: a.id,
  userId: a.userId,
  delegateId: a.delegateId,
  startsOn: dateOf(a.startsOn),
  endsOn: dateOf(a.endsOn),
  createdBy: a.createdBy,
});

export function absenceRoutes({ prisma }: { prisma: PrismaClient }): AnyRoute[] {
  /** A programme manager of the council sets anyone's absence; anyone else, only their own. */
  const mayManage = (req: Request, principal: Principal, council: string, forUser: string, action: string) => {
    const manager = actingAs(principal, { council, groupKey: '' }, 'programme_manager');
    if (!manager && forUser !== principal.userId)
      throw forbid(req, action, `needs the programme_manager role in ${council}, or to be ${forUser}`);
    return manager;
  };
  const holdsRoleIn = async (id: string, council: string) =>
    (await prisma.roleGrant.count({ where: { userId: id, council: { in: [council, '*'] } } })) > 0;

  return [
    route({
      method: 'get',
      path: '/councils/:council/absences',
      tag: 'tasks',
      summary: 'Absences in a council that have not ended: who is away, when, and who covers (programme managers; others see their own)',
      params: z.object({ council: councilSlug }),
      responses: { 200: { description: 'absences, soonest first', schema: z.object({ items: z.array(absenceView) }) } },
      async handler({ res, params, principal }) {
        const manager = actingAs(principal, { council: params.council, groupKey: '' }, 'programme_manager');
        const rows = await prisma.absence.findMany({
          where: {
            council: params.council,
            cancelledAt: null,
            endsOn: { gte: new Date(`${londonDate(new Date())}T00:00:00Z`) },
            ...(manager ? {} : { OR: [{ userId: principal.userId }, { delegateId: principal.userId }] }),
          },
          orderBy: [{ startsOn: 'asc' }, { userId: 'asc' }],
        });
        res.json({ items: rows.map(present) });
      },
    }),
    route({
      method: 'post',
      path: '/councils/:council/absences',
      tag: 'tasks',
      summary: 'Record that someone is away between two dates and who covers: their tasks and emails go to the delegate too',
      params: z.object({ council: councilSlug }),
      body: absenceBody,
      responses: {
        201: { description: 'the absence', schema: absenceView },
        409: { description: 'they are already away then' },
        422: { description: 'the delegate, or the person away, holds no role in the council' },
      },
      async handler({ req, res, params, body, principal }) {
        const manager = mayManage(req, principal, params.council, body.userId, `record an absence of ${body.userId}`);
        if (!(await holdsRoleIn(body.delegateId, params.council)))
          throw new HttpProblem(422, 'delegate-lacks-role', 'Cannot cover', `${body.delegateId} holds no role in ${params.council}`);
        if (!(await holdsRoleIn(body.userId, params.council)))
          throw new HttpProblem(
            422,
            'absent-person-not-in-council',
            'Not in this council',
            `${body.userId} holds no role in ${params.council}`,
          );
        const startsOn = new Date(`${body.startsOn}T00:00:00Z`);
        const endsOn = new Date(`${body.endsOn}T00:00:00Z`);
        const overlapping = await prisma.absence.findFirst({
          where: { council: params.council, userId: body.userId, cancelledAt: null, startsOn: { lte: endsOn }, endsOn: { gte: startsOn } },
        });
        if (overlapping)
          throw new HttpProblem(
            409,
            'already-away',
            'Already away then',
            `${body.userId} is away ${dateOf(overlapping.startsOn)} to ${dateOf(overlapping.endsOn)} already`,
          );
        const id = randomUUID();
        const [saved] = await prisma.$transaction([
          prisma.absence.create({ data: { id, council: params.council, ...body, startsOn, endsOn, createdBy: principal.userId } }),
          auditCommand(prisma, principal, manager, 'absence.record', undefined, { id, council: params.council, ...body }),
        ]);
        req.log.info({ absence: id, userId: body.userId, delegateId: body.delegateId }, 'absence recorded');
        res.status(201).json(present(saved));
      },
    }),
    route({
      method: 'post',
      path: '/councils/:council/absences/:id/cancel',
      tag: 'tasks',
      summary: 'Cancel an absence (back early, or recorded by mistake)',
      params: z.object({ council: councilSlug, id: z.uuid() }),
      responses: { 204: { description: 'cancelled' }, 404: { description: 'no such absence' } },
      async handler({ req, res, params, principal }) {
        const absence = await prisma.absence.findFirst({ where: { id: params.id, council: params.council, cancelledAt: null } });
        if (!absence) throw notFound('absence', params.id);
        const manager = mayManage(req, principal, params.council, absence.userId, `cancel the absence of ${absence.userId}`);
        await prisma.$transaction([
          prisma.absence.update({ where: { id: params.id }, data: { cancelledAt: new Date() } }),
          auditCommand(prisma, principal, manager, 'absence.cancel', undefined, {
            id: params.id,
            council: params.council,
            userId: absence.userId,
          }),
        ]);
        res.status(204).end();
      },
    }),
  ];
}
