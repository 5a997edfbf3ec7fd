import { Router, type Request } from 'express';
import { z } from 'zod';
import { dateTimeInWords } from '../workflows/common/format';
import { labelOf } from './forms';
import { paginationOf, PAGE_SIZE } from './inbox';
import type { PageDeps } from './pages';
import { sendCsv } from './csv';

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

const STATUSES = ['active', 'completed', 'withdrawn', 'cancelled'] as const;
const SORTS = { started: 'Newest started first', updated: 'Most recently changed first', title: 'By title' } as const;
const slugLike = (pattern: RegExp, max: number) => z.string().regex(pattern).max(max).optional().catch(undefined);

/** The list's filters and order, kept in its URL; a value the page does not offer falls back to none. */
const findQuery = z.object({
  kind: slugLike(/^[a-z]+$/, 40),
  stage: slugLike(/^[a-z_]+$/, 100),
  status: z.enum(STATUSES).optional().catch(undefined),
  incident: z.literal('yes').optional().catch(undefined),
  overdue: z.literal('yes').optional().catch(undefined),
  sort: z.enum(['started', 'updated', 'title']).catch('started'),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
type FindQuery = z.infer<typeof findQuery>;

/**
 * Finding processes: those of the council acted for that the person may see, by kind, stage, status,
 * incident and overdue tasks, in the order asked for, a page at a time or all as CSV. Read through the
 * API as the person.
 */
export function findPages(deps: PageDeps): Router {
  const { registry, api, render, signedIn, csrfToken, webPath } = deps;
  const router = Router();
  const kinds = registry.kinds.filter((kind) => registry.get(kind)?.start);
  const hrefOf = (query: FindQuery, file = '') => {
    const params = new URLSearchParams();
    for (const key of ['kind', 'stage', 'status', 'incident', 'overdue'] as const) if (query[key]) params.set(key, query[key] as string);
    if (query.sort !== 'started') params.set('sort', query.sort);
    if (query.page > 1 && !file) params.set('page', String(query.page));
    return `${webPath}/processes${file}${params.size ? `?${params.toString()}` : ''}`;
  };
  /** The query as the page offers it (what it does not offer dropped), and the stages on offer. */
  const queryOf = (req: Request) => {
    const query = findQuery.parse(req.query);
    if (query.kind && !kinds.includes(query.kind)) delete query.kind;
    // The stages on offer are the chosen kind's, or every kind's.
    const stages = [...new Set((query.kind ? [query.kind] : kinds).flatMap((kind) => registry.get(kind)?.stages ?? []))];
    if (query.stage && !stages.includes(query.stage)) delete query.stage;
    return { query, stages };
  };
  const found = (req: Request, query: FindQuery, page: number, pageSize: number) => {
    const params = new URLSearchParams({ page: String(page), page_size: String(pageSize), sort: query.sort });
    const council = req.session.person!.actingFor;
    if (council !== '*') params.set('council', council);
    if (query.kind) params.set('kind', query.kind);
    if (query.stage) params.set('stage', query.stage);
    if (query.status) params.set('status', query.status);
    if (query.incident) params.set('incident', 'open');
    if (query.overdue) params.set('overdue', 'true');
    return api.get<{ items: ProcessSummary[]; total: number }>(req.session.person!.token, `/processes?${params.toString()}`);
  };
  const rowsOf = (items: ProcessSummary[]) =>
    items.map((p) => ({
      ...p,
      href: `${webPath}/processes/${encodeURIComponent(p.processId)}`,
      kindName: registry.get(p.kind)?.name ?? p.kind,
      stageName: labelOf(p.stage),
      statusName: labelOf(p.status),
      started: dateTimeInWords(p.startedAt),
    }));

  // The same list as a spreadsheet: all its pages.
  router.get('/processes.csv', signedIn, (req, res, next) => {
    const { query } = queryOf(req);
    sendCsv(
      res,
      'processes.csv',
      ['Process', 'Reference', 'Kind', 'Council', 'Stage', 'Status', 'Started', 'Incident'],
      (page) => found(req, query, page, 100).then((result) => ({ ...result, items: rowsOf(result.items) })),
      (p) => [p.title, p.processId, p.kindName, p.council, p.stageName, p.statusName, p.startedAt, p.incident ? 'yes' : ''],
    ).catch(next);
  });

  router.get('/processes', signedIn, (req, res, next) => {
    const { query, stages } = queryOf(req);
    found(req, query, query.page, PAGE_SIZE)
      .then((result) =>
        res.send(
          render('find.njk', {
            person: req.session.person,
            csrfToken: csrfToken(req),
            query,
            total: result.total,
            firstShown: (query.page - 1) * PAGE_SIZE + 1,
            processes: rowsOf(result.items),
            kinds: [
              { value: '', text: 'Any process' },
              ...kinds.map((k) => ({ value: k, text: registry.get(k)!.name, selected: k === query.kind })),
            ],
            stages: [{ value: '', text: 'Any stage' }, ...stages.map((s) => ({ value: s, text: labelOf(s), selected: s === query.stage }))],
            statuses: [
              { value: '', text: 'Any status' },
              ...STATUSES.map((v) => ({ value: v, text: labelOf(v), selected: v === query.status })),
            ],
            incident: [{ value: 'yes', text: 'Stopped by an incident', checked: Boolean(query.incident) }],
            overdue: [{ value: 'yes', text: 'With an overdue task', checked: Boolean(query.overdue) }],
            sorts: Object.entries(SORTS).map(([value, text]) => ({ value, text, selected: value === query.sort })),
            csvHref: hrefOf(query, '.csv'),
            clearHref: `${webPath}/processes`,
            pagination: paginationOf((n) => hrefOf({ ...query, page: n }), query.page, result.total),
          }),
        ),
      )
      .catch(next);
  });
  return router;
}
