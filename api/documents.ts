import { z } from 'zod';
import type { PrismaClient } from '../lib/db';
import { assertMayRead, type ProcessRouteDeps } from './processes';
import { notFound, route, type AnyRoute } from './route-spec';
import { documentIdParams, documentSummary, processIdParams } from './schemas';

export function documentRoutes(deps: ProcessRouteDeps & { prisma: PrismaClient }): AnyRoute[] {
  const { prisma } = deps;
  const summaryOf = (d: {
    id: string;
    processId: string;
    step: string;
    kind: string;
    title: string;
    version: number;
    sha256: string;
    mediaType: string;
    sizeBytes: number;
    createdAt: Date;
    public: boolean;
  }) => ({
    ...d,
    createdAt: d.createdAt.toISOString(),
    links: { content: `/documents/${d.id}` },
  });
  const summaryColumns = {
    id: true,
    processId: true,
    step: true,
    kind: true,
    title: true,
    version: true,
    sha256: true,
    mediaType: true,
    sizeBytes: true,
    createdAt: true,
    public: true,
  } as const;

  return [
    route({
      method: 'get',
      path: '/processes/:id/documents',
      tag: 'documents',
      summary: 'The documents a process has produced, with their SHA-256',
      params: processIdParams,
      responses: {
        200: { description: 'documents, oldest first', schema: z.object({ items: z.array(documentSummary) }) },
        404: { description: 'no such process' },
      },
      async handler({ req, res, params, principal }) {
        await assertMayRead(deps, req, principal, params.id, `documents of ${params.id}`);
        const rows = await prisma.document.findMany({
          where: { processId: params.id },
          select: summaryColumns,
          orderBy: [{ createdAt: 'asc' }, { version: 'asc' }],
        });
        res.json({ items: rows.map(summaryOf) });
      },
    }),

    route({
      method: 'get',
      path: '/documents/:id',
      tag: 'documents',
      summary: 'A document file; its SHA-256 is in the X-Content-SHA256 header. One a step marked public needs no token',
      params: documentIdParams,
      tokenOptional: true,
      responses: { 200: { description: 'the file', contentType: 'application/pdf' }, 404: { description: 'no such document' } },
      async handler({ req, res, params, authenticate }) {
        const document = await prisma.document.findUnique({ where: { id: params.id } });
        // Who asks matters only for a document that is not public; one that is, anyone may read.
        if (!document?.public) {
          const principal = await authenticate();
          if (!document) throw notFound('document', params.id);
          await assertMayRead(deps, req, principal, document.processId, `document ${params.id}`);
        }
        if (!document) throw notFound('document', params.id);
        res
          .status(200)
          .type(document.mediaType)
          .setHeader('X-Content-SHA256', document.sha256)
          .setHeader('Content-Disposition', `inline; filename="${document.kind}-v${document.version}.pdf"`)
          .send(Buffer.from(document.content));
      },
    }),
  ];
}
