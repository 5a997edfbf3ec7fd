import { Router } from 'express';
import { z } from 'zod';
import { dateTimeInWords } from '../workflows/common/format';
import { labelOf } from './forms';
import { paginationOf, PAGE_SIZE } from './inbox';
import type { PageDeps } from './pages';

/** A process as the list reads it from `GET /processes`. */
interface ProcessSummary {
  processId: string;
  kind: string;
  council: string;
  title: string;
  stage: string;
  status: string;
  startedAt: string;
  incident?: unknown;
}

/** The list's filters, kept in its URL; a value the page does not offer falls back to none. */
const findQuery = z.object({
  kind: z
    .string()
    .regex(/^[a-z]+$/)
    .max(40)
    .optional()
    .catch(undefined),
  stage: z
    .string()
    .regex(/^[a-z_]+$/)
    .max(100)
    .optional()
    .catch(undefined),
  incident: z.literal('yes').optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
type FindQuery = z.infer<typeof findQuery>;

/**
 * Finding processes: those of the council acted for that the person may see, by kind, stage and
 * incident, newest first, a page at a time. Read through the API as the person.
 */
export function findPages(deps: PageDeps): Router {
  const { registry, api, render, signedIn, csrfToken, webPath } = deps;
  const router = Router();
  const kinds = registry.kinds.filter((kind) => registry.get(kind)?.start);
  const hrefOf = (query: FindQuery) => {
    const params = new URLSearchParams();
    for (const key of ['kind', 'stage', 'incident'] as const) if (query[key]) params.set(key, query[key] as string);
    if (query.page > 1) params.set('page', String(query.page));
    return `${webPath}/processes${params.size ? `?${params.toString()}` : ''}`;
  };

  router.get('/processes', signedIn, (req, res, next) => {
    const person = req.session.person!;
    const query = findQuery.parse(req.query);
    if (query.kind && !kinds.includes(query.kind)) delete query.kind;
    // The stages on offer are the chosen kind's, or every kind's.
    const stages = [...new Set((query.kind ? [query.kind] : kinds).flatMap((kind) => registry.get(kind)?.stages ?? []))];
    if (query.stage && !stages.includes(query.stage)) delete query.stage;
    const params = new URLSearchParams({ page: String(query.page), page_size: String(PAGE_SIZE) });
    if (person.actingFor !== '*') params.set('council', person.actingFor);
    if (query.kind) params.set('kind', query.kind);
    if (query.stage) params.set('stage', query.stage);
    if (query.incident) params.set('incident', 'open');
    api
      .get<{ items: ProcessSummary[]; total: number }>(person.token, `/processes?${params.toString()}`)
      .then((found) =>
        res.send(
          render('find.njk', {
            person,
            csrfToken: csrfToken(req),
            query,
            total: found.total,
            firstShown: (query.page - 1) * PAGE_SIZE + 1,
            processes: found.items.map((p) => ({
              ...p,
              href: `${webPath}/processes/${encodeURIComponent(p.processId)}`,
              kindName: registry.get(p.kind)?.name ?? p.kind,
              stageName: labelOf(p.stage),
              statusName: labelOf(p.status),
              started: dateTimeInWords(p.startedAt),
            })),
            kinds: [
              { value: '', text: 'Any process' },
              ...kinds.map((k) => ({ value: k, text: registry.get(k)!.name, selected: k === query.kind })),
            ],
            stages: [{ value: '', text: 'Any stage' }, ...stages.map((s) => ({ value: s, text: labelOf(s), selected: s === query.stage }))],
            incident: [{ value: 'yes', text: 'Stopped by an incident', checked: Boolean(query.incident) }],
            clearHref: `${webPath}/processes`,
            pagination: paginationOf((n) => hrefOf({ ...query, page: n }), query.page, found.total),
          }),
        ),
      )
      .catch(next);
  });
  return router;
}
