import { Router, type Request } from 'express';
import { ApiProblem } from './api-client';
import type { ProcessRegistry } from '../lib/process-registry';
import {
  apiQueryOf,
  dueInWords,
  inboxHref,
  inboxOf,
  inboxQuery,
  PAGE_SIZE,
  paginationOf,
  SHOWN,
  type InboxQuery,
  type InboxTask,
} from './inbox';
import { isCouncilOfficer, takeFlash, type PageDeps } from './pages';
import { sendCsv } from './csv';

/** The filter panel's choices, each checked as the query has it, and the chosen ones as tags that remove them. */
function filtersOf(query: InboxQuery, registry: ProcessRegistry, webPath: string) {
  const kinds = registry.kinds.filter((kind) => registry.get(kind)?.start);
  const without = (change: Partial<InboxQuery>) => inboxHref(webPath, { ...query, ...change, page: 1 });
  const tags = [
    ...(query.show !== 'mine' ? [{ heading: 'Whose', text: SHOWN[query.show].text, href: without({ show: 'mine' }) }] : []),
    ...(query.overdue ? [{ heading: 'When', text: 'Overdue', href: without({ overdue: undefined }) }] : []),
    ...(query.kind ? [{ heading: 'Process', text: registry.get(query.kind)?.name ?? query.kind, href: without({ kind: undefined }) }] : []),
  ];
  return {
    show: Object.entries(SHOWN).map(([value, { text }]) => ({ value, text, checked: query.show === value })),
    overdue: [{ value: 'yes', text: 'Overdue only', checked: Boolean(query.overdue) }],
    kinds: [
      { value: '', text: 'Any process' },
      ...kinds.map((kind) => ({ value: kind, text: registry.get(kind)?.name ?? kind, selected: query.kind === kind })),
    ],
    sort: [
      { value: 'due', text: 'Due date, soonest first', selected: query.sort === 'due' },
      { value: 'opened', text: 'Date opened, newest first', selected: query.sort === 'opened' },
    ],
    selected: tags.length
      ? {
          heading: { text: 'Selected filters' },
          clearLink: { text: 'Clear filters', href: `${webPath}/` },
          categories: [...new Set(tags.map((t) => t.heading))].map((heading) => ({
            heading: { text: heading },
            items: tags.filter((t) => t.heading === heading).map((t) => ({ text: t.text, href: t.href })),
          })),
        }
      : undefined,
  };
}

/**
 * The inbox, the page officers live in: the tasks of the council they act for, whose and which as the
 * filter says, grouped by when they are due, a page at a time, with claim and release on each row.
 */
export function inboxPage(deps: PageDeps): Router {
  const { registry, api, render, signedIn, csrfToken, webPath } = deps;
  const router = Router();
  // The inbox as a spreadsheet, with its filters and order: every page.
  router.get('/tasks.csv', signedIn, (req, res, next) => {
    const person = req.session.person!;
    const query = inboxQuery.parse(req.query);
    if (query.kind && !registry.get(query.kind)) delete query.kind;
    sendCsv(
      res,
      'tasks.csv',
      ['Task', 'Reference', 'Process', 'Council', 'Role', 'Assigned to', 'Opened', 'Due', query.show === 'completed' ? 'Decision' : 'When'],
      (page) =>
        api.get<{ items: InboxTask[]; total: number }>(person.token, apiQueryOf({ ...query, page }, person.userId, person.actingFor, 100)),
      (t) => [
        t.title,
        t.id,
        registry.get(t.processKind)?.name ?? t.processKind,
        t.council,
        t.role.replace(/_/g, ' '),
        t.assignee ?? '',
        t.openedAt,
        t.dueAt ?? '',
        query.show === 'completed' ? (t.outcome ?? '') : dueInWords(t.dueAt, new Date()),
      ],
    ).catch(next);
  });

  // A saved view: the inbox's filters and order under a name, kept by the service for the person.
  router.post('/inbox-views', signedIn, (req, res, next) => {
    const name = typeof req.body?.name === 'string' ? req.body.name.trim() : '';
    const viewQuery = typeof req.body?.query === 'string' ? req.body.query : '';
    const back = `${webPath}/${viewQuery ? `?${viewQuery}` : ''}`;
    if (!name) {
      req.session.viewError = 'Enter a name for the view';
      return res.redirect(`${back}#view-name`);
    }
    api
      .post(req.session.person!.token, '/me/inbox-views', { name, query: viewQuery })
      .then(() => {
        req.session.flash = `View ‘${name}’ saved: it is under “Your saved views”.`;
        res.redirect(back);
      })
      .catch((err: unknown) => {
        if (!(err instanceof ApiProblem) || ![400, 409].includes(err.status)) return next(err);
        const issues = (err.problem as { issues?: { path: string; message: string }[] }).issues;
        req.session.viewError = issues?.[0] ? `Name of the view: ${issues[0].message}` : err.message;
        res.redirect(`${back}#view-name`);
      });
  });
  router.post('/inbox-views/:id/delete', signedIn, (req, res, next) => {
    api
      .post(req.session.person!.token, `/me/inbox-views/${encodeURIComponent(String(req.params.id))}/delete`, {})
      .then(() => {
        req.session.flash = 'View deleted.';
        res.redirect(`${webPath}/`);
      })
      .catch(next);
  });

  router.get('/', signedIn, (req, res, next) => {
    const person = req.session.person!;
    const query = inboxQuery.parse(req.query);
    if (query.kind && !registry.get(query.kind)) delete query.kind;
    const flash = takeFlash(req);
    Promise.all([
      api.get<{ items: InboxTask[]; total: number }>(person.token, apiQueryOf(query, person.userId, person.actingFor)),
      api.get<{ items: { id: string; name: string; query: string }[] }>(person.token, '/me/inbox-views'),
      // How many are overdue, whatever page this is.
      query.show === 'completed'
        ? Promise.resolve(undefined)
        : api.get<{ total: number }>(person.token, apiQueryOf({ ...query, overdue: 'yes', page: 1 }, person.userId, person.actingFor)),
    ])
      .then(([page, views, overdue]) =>
        // A residents' representative's inbox, in the words of someone who is not a council officer.
        !isCouncilOfficer(person.grants ?? [])
          ? res.send(
              render('inbox-resident.njk', {
                person,
                csrfToken: csrfToken(req),
                flash,
                inbox: inboxOf(page.items, page.total, new Date(), (kind) => registry.get(kind)?.name ?? kind),
                pagination: paginationOf((n) => inboxHref(webPath, { ...query, page: n }), query.page, page.total),
              }),
            )
          : res.send(
              render('inbox.njk', {
                person,
                csrfToken: csrfToken(req),
                flash,
                query,
                here: inboxHref(webPath, query),
                // The filters and order as a saved view keeps them (whatever page this is).
                viewQuery: inboxHref(webPath, { ...query, page: 1 }).split('?')[1] ?? '',
                views: views.items.map((v) => ({ ...v, href: `${webPath}/${v.query ? `?${v.query}` : ''}` })),
                viewError: takeViewError(req),
                csvHref: inboxHref(webPath, query, 'tasks.csv'),
                inbox: inboxOf(page.items, page.total, new Date(), (kind) => registry.get(kind)?.name ?? kind),
                overdueTotal: overdue?.total,
                firstShown: (query.page - 1) * PAGE_SIZE + 1,
                pagination: paginationOf((n) => inboxHref(webPath, { ...query, page: n }), query.page, page.total),
                filters: filtersOf(query, registry, webPath),
              }),
            ),
      )
      .catch(next);
  });

  return router;
}

declare module 'express-session' {
  interface SessionData {
    /** Why saving an inbox view did not happen, for the inbox's error summary. */
    viewError?: string;
  }
}

const takeViewError = (req: Request): string | undefined => {
  const error = req.session.viewError;
  delete req.session.viewError;
  return error;
};
