import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { PrismaClient } from '../lib/db';
import { isoDateTime, oneLineName } from '../lib/field-schemas';
import { auditCommand } from './audit';
import { HttpProblem } from './problem';
import { notFound, route, type AnyRoute } from './route-spec';

// A person's saved inbox views, kept by the service (officers share PCs, so not in the browser): a
// name and the inbox's filters and order as a query string, which the inbox reads as it reads its URL.

const MAX_VIEWS = 50;
const view = z.object({ id: z.string(), name: z.string(), query: z.string(), createdAt: isoDateTime });
const viewBody = z
  .object({
    name: oneLineName,
    // The inbox's own filters only: letters, digits, =, & and _ (e.g. show=unassigned&overdue=yes&kind=lma).
    query: z
      .string()
      .max(500)
      .regex(/^[A-Za-z0-9_=&-]*$/, 'the inbox’s filters as a query string, e.g. show=unassigned&overdue=yes'),
  })
  .strict();

export function inboxViewRoutes({ prisma }: { prisma: PrismaClient }): AnyRoute[] {
  const present = (v: { id: string; name: string; query: string; createdAt: Date }) => ({ ...v, createdAt: v.createdAt.toISOString() });
  return [
    route({
      method: 'get',
      path: '/me/inbox-views',
      tag: 'tasks',
      summary: 'Your saved inbox views, by name',
      responses: { 200: { description: 'the views', schema: z.object({ items: z.array(view) }) } },
      async handler({ res, principal }) {
        const items = await prisma.inboxView.findMany({ where: { userId: principal.userId }, orderBy: { name: 'asc' } });
        res.json({ items: items.map(present) });
      },
    }),
    route({
      method: 'post',
      path: '/me/inbox-views',
      tag: 'tasks',
      summary: 'Save an inbox view under a name (the same name again replaces it)',
      body: viewBody,
      responses: { 201: { description: 'the view', schema: view }, 409: { description: `already ${MAX_VIEWS} views` } },
      async handler({ res, body, principal }) {
        const existing = await prisma.inboxView.count({ where: { userId: principal.userId, name: { not: body.name } } });
        if (existing >= MAX_VIEWS) {
          throw new HttpProblem(409, 'too-many-views', 'Too many saved views', `keep at most ${MAX_VIEWS}: delete one first`);
        }
        const [saved] = await prisma.$transaction([
          prisma.inboxView.upsert({
            where: { userId_name: { userId: principal.userId, name: body.name } },
            create: { id: randomUUID(), userId: principal.userId, ...body },
            update: { query: body.query },
          }),
          auditCommand(prisma, principal, undefined, 'inbox_view.save', undefined, body),
        ]);
        res.status(201).json(present(saved));
      },
    }),
    route({
      method: 'post',
      path: '/me/inbox-views/:id/delete',
      tag: 'tasks',
      summary: 'Delete one of your saved inbox views',
      params: z.object({ id: z.uuid() }),
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such view of yours' } },
      async handler({ res, params, principal }) {
        const found = await prisma.inboxView.findFirst({ where: { id: params.id, userId: principal.userId } });
        if (!found) throw notFound('view', params.id);
        await prisma.$transaction([
          prisma.inboxView.delete({ where: { id: params.id } }),
          auditCommand(prisma, principal, undefined, 'inbox_view.delete', undefined, { id: params.id, name: found.name }),
        ]);
        res.status(204).end();
      },
    }),
  ];
}
