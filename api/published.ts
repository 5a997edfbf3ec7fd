import { z } from 'zod';
import type { PrismaClient } from '../lib/db';
import { councilSlug, isoDateTime } from '../lib/field-schemas';
import { route, type AnyRoute } from './route-spec';

// What processes have published, for anyone: the documents a step marked public (an options review's
// terms of reference and decision notice, ...), per council, each with its SHA-256. Nothing else of a
// process is said here, and a document no step marked public never appears.

const publishedDocument = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.string(),
  version: z.number().int(),
  sha256: z.string(),
  publishedAt: isoDateTime,
  process: z.object({ processId: z.string(), kind: z.string(), title: z.string() }),
  links: z.object({ content: z.string() }),
});
const councilView = z.object({ slug: z.string(), name: z.string() });

interface PublishedRow {
  id: string;
  title: string;
  kind: string;
  version: number;
  sha256: string;
  created_at: Date;
  process_id: string;
  process_kind: string;
  process_title: string;
}

export function publishedRoutes({ prisma }: { prisma: PrismaClient }): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/published',
      tag: 'published',
      summary: 'The councils that have published documents, with how many (no token needed)',
      public: true,
      responses: {
        200: {
          description: 'councils, by name',
          schema: z.object({ councils: z.array(councilView.extend({ documents: z.number().int() })) }),
        },
      },
      async handler({ res }) {
        const rows = await prisma.$queryRaw<{ slug: string; name: string | null; documents: bigint }[]>`
          SELECT p.council AS slug, c.name, count(*) AS documents
          FROM document d JOIN process_record p ON p.id = d.process_id LEFT JOIN council c ON c.slug = p.council
          WHERE d.public
          GROUP BY p.council, c.name
          ORDER BY coalesce(c.name, p.council)`;
        res.json({ councils: rows.map((r) => ({ slug: r.slug, name: r.name ?? r.slug, documents: Number(r.documents) })) });
      },
    }),
    route({
      method: 'get',
      path: '/published/:council',
      tag: 'published',
      summary: 'What a council’s processes have published: each document with its process and SHA-256, newest first (no token needed)',
      public: true,
      params: z.object({ council: councilSlug }),
      responses: {
        200: { description: 'the published documents', schema: z.object({ council: councilView, items: z.array(publishedDocument) }) },
      },
      async handler({ res, params }) {
        const [council, rows] = await Promise.all([
          prisma.council.findUnique({ where: { slug: params.council }, select: { slug: true, name: true } }),
          prisma.$queryRaw<PublishedRow[]>`
            SELECT d.id, d.title, d.kind, d.version, d.sha256, d.created_at, p.id AS process_id, p.kind AS process_kind, p.title AS process_title
            FROM document d JOIN process_record p ON p.id = d.process_id
            WHERE d.public AND p.council = ${params.council}
            ORDER BY d.created_at DESC, d.version DESC`,
        ]);
        res.json({
          council: council ?? { slug: params.council, name: params.council },
          items: rows.map((r) => ({
            id: r.id,
            title: r.title,
            kind: r.kind,
            version: r.version,
            sha256: r.sha256,
            publishedAt: r.created_at.toISOString(),
            process: { processId: r.process_id, kind: r.process_kind, title: r.process_title },
            links: { content: `/documents/${r.id}` },
          })),
        });
      },
    }),
  ];
}
