import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { ApiProblem } from './api-client';
import { errorList, errorsFrom, fieldsOf, formSchemaOf, moneyKeysOf, valuesFrom, type JsonSchema } from './forms';
import { summaryRows } from './words';
import type { PageDeps } from './pages';

declare module 'express-session' {
  interface SessionData {
    /** A process being started, kept between its form and its check page. */
    starting?: { kind: string; council: string; body: Record<string, unknown> };
  }
}

/** What the form asks: the start schema without `kind` and `council`, which the page fills in (the council acted for). */
function questionsOf(body: z.ZodType): JsonSchema {
  const schema = formSchemaOf(body);
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([key]) => key !== 'kind' && key !== 'council'));
  return { ...schema, properties, required: (schema.required ?? []).filter((key) => key !== 'kind' && key !== 'council') };
}

/**
 * Starting a process: a form per kind built from its start schema (the same inputs as task forms),
 * a check of the answers, then the API's start as the signed-in person. Starting one that exists
 * already (the same business key) lands on it, saying so.
 */
export function startPages(deps: PageDeps): Router {
  const { registry, api, render, signedIn, csrfToken, webPath } = deps;
  const router = Router();
  const startable = () => registry.kinds.filter((kind) => registry.get(kind)?.start);
  const money = moneyKeysOf(Object.fromEntries(startable().map((kind) => [kind, registry.get(kind)!.start!.body as z.ZodType])));
  const page = (req: Request, view: string, context: Record<string, unknown>) =>
    render(view, { person: req.session.person, csrfToken: csrfToken(req), ...context });
  const councilName = (req: Request) => req.session.person!.councils.find((c) => c.slug === req.session.person!.actingFor)?.name ?? '';

  const formPage = (
    req: Request,
    res: Response,
    kind: string,
    entered: Record<string, unknown>,
    extra: { errors?: Record<string, string>; rows?: Record<string, number>; status?: number } = {},
  ) => {
    const fields = fieldsOf(questionsOf(registry.get(kind)!.start!.body as z.ZodType), entered, extra.errors ?? {}, extra.rows ?? {});
    const errors = errorList(fields);
    res
      .status(extra.status ?? (errors.length ? 400 : 200))
      .send(page(req, 'start.njk', { kind, kindName: registry.get(kind)!.name, councilName: councilName(req), fields, errors }));
  };
  /** A person acting for every council ('*') names one before starting anything. */
  const actingForOne = (req: Request, res: Response) => {
    if (req.session.person!.actingFor !== '*') return true;
    res
      .status(400)
      .send(
        page(req, 'problem.njk', { title: 'Choose a council first', detail: 'Switch to the council the process is for, then start it.' }),
      );
    return false;
  };

  router.get('/processes/new', signedIn, (req, res) => {
    const kinds = startable().map((kind) => ({ value: kind, text: registry.get(kind)!.name }));
    const error = req.query.choose === '1' ? 'Select which process to start' : undefined;
    res.status(error ? 400 : 200).send(page(req, 'start-choose.njk', { kinds, error, councilName: councilName(req) }));
  });

  // The choice's form is a GET (nothing changes yet): on to the chosen kind's form, or back saying choose.
  router.get('/processes/new/choose', signedIn, (req, res) => {
    const kind = String(req.query.kind ?? '');
    res.redirect(startable().includes(kind) ? `${webPath}/processes/new/${kind}` : `${webPath}/processes/new?choose=1`);
  });

  router.get('/processes/new/:kind', signedIn, (req, res) => {
    const kind = String(req.params.kind);
    if (!startable().includes(kind)) return res.redirect(`${webPath}/processes/new?choose=1`);
    if (!actingForOne(req, res)) return;
    const starting = req.session.starting?.kind === kind ? req.session.starting.body : {};
    formPage(req, res, kind, starting);
  });

  router.post('/processes/new/:kind', signedIn, (req, res) => {
    const kind = String(req.params.kind);
    if (!startable().includes(kind)) return res.redirect(`${webPath}/processes/new?choose=1`);
    if (!actingForOne(req, res)) return;
    const start = registry.get(kind)!.start!;
    const posted = req.body as { form?: unknown; addRow?: string; rows?: Record<string, string> };
    const entered = valuesFrom(questionsOf(start.body as z.ZodType), posted.form);
    const rows = Object.fromEntries(Object.entries(posted.rows ?? {}).map(([path, count]) => [path, Number(count) || 1]));
    if (posted.addRow) {
      rows[posted.addRow] = (rows[posted.addRow] ?? 1) + 1;
      return formPage(req, res, kind, entered, { rows, status: 200 });
    }
    const council = req.session.person!.actingFor;
    const checked = start.body.safeParse({ ...entered, kind, council });
    if (!checked.success) {
      const errors = errorsFrom(checked.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
      return formPage(req, res, kind, entered, { errors, rows });
    }
    req.session.starting = { kind, council, body: entered };
    res.redirect(`${webPath}/processes/new/${kind}/check`);
  });

  const checkPage = (req: Request, res: Response, refusal?: string, status = 200) => {
    const starting = req.session.starting!;
    res.status(status).send(
      page(req, 'start-check.njk', {
        kind: starting.kind,
        kindName: registry.get(starting.kind)!.name,
        answers: [{ key: { text: 'Council' }, value: { text: councilName(req) } }, ...summaryRows(starting.body, money)],
        refusal,
      }),
    );
  };

  router.get('/processes/new/:kind/check', signedIn, (req, res) => {
    if (req.session.starting?.kind !== req.params.kind) return res.redirect(`${webPath}/processes/new`);
    checkPage(req, res);
  });

  router.post('/processes/new/:kind/start', signedIn, (req, res, next) => {
    const starting = req.session.starting;
    if (!starting || starting.kind !== req.params.kind) return res.redirect(`${webPath}/processes/new`);
    api
      .post<{ processId: string; created?: boolean }>(req.session.person!.token, '/processes', {
        ...starting.body,
        kind: starting.kind,
        council: starting.council,
      })
      .then((started) => {
        delete req.session.starting;
        req.session.flash =
          started.created === false
            ? 'This process had been started already: here it is, as it stands. Nothing new was started.'
            : `${registry.get(starting.kind)!.name} started.`;
        res.redirect(`${webPath}/processes/${encodeURIComponent(started.processId)}`);
      })
      .catch((err: unknown) => {
        if (!(err instanceof ApiProblem)) return next(err);
        const issues = (err.problem as { issues?: { path: string; message: string }[] }).issues;
        if (err.status === 400 && issues)
          return formPage(req, res, starting.kind, starting.body, {
            errors: errorsFrom(issues),
          });
        // Not allowed to start this kind here, or refused by a rule: said on the check page.
        if ([400, 403, 409, 422].includes(err.status)) return checkPage(req, res, err.message, err.status);
        next(err);
      });
  });

  return router;
}
