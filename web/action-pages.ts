import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { endProcessBody } from '../api/schemas';
import { ANY_COUNCIL, type Grant } from '../lib/identity';
import type { ProcessRegistry } from '../lib/process-registry';
import { isScoped, type Role } from '../workflows/common/roles';
import { ApiProblem } from './api-client';
import { errorList, errorsFrom, fieldsOf, formSchemaOf, valuesFrom } from './forms';
import type { PageDeps } from './pages';

/** Something a person can ask of a running process besides a task: a command, a note, withdrawing or cancelling. */
export interface ProcessAction {
  /** The API's path under the process, and the page's. */
  path: string;
  title: string;
  body: z.ZodType;
  roles: Role[];
}

/** The process as the actions (and the audit pages) need it, from GET /processes/:id. */
export interface ProcessScope {
  processId: string;
  kind: string;
  council: string;
  groupKey: string;
  stage: string;
  status: string;
  title: string;
}

/** What the process's definition lets people do now, whatever their roles (the API checks those again). */
export function actionsOf(registry: ProcessRegistry, process: ProcessScope): ProcessAction[] {
  const definition = registry.get(process.kind);
  if (!definition || process.status !== 'active') return [];
  return [
    ...(definition.commands ?? []).map((c) => ({ path: c.path, title: c.summary, body: c.body as z.ZodType, roles: c.roles })),
    ...(definition.notes ?? [])
      .filter((n) => n.stages.includes(process.stage))
      .map((n) => ({ path: n.path, title: n.summary, body: n.body as z.ZodType, roles: n.roles })),
    ...(definition.withdrawnBy
      ? [{ path: 'withdraw', title: 'Withdraw the process', body: endProcessBody as z.ZodType, roles: [definition.withdrawnBy] }]
      : []),
    { path: 'cancel', title: 'Cancel the process', body: endProcessBody as z.ZodType, roles: ['programme_manager' as Role] },
  ];
}

/** Whether the person's grants hold one of the roles for this process, or in this council (a resident_rep's only for its group). */
export const mayAct = (grants: Grant[], roles: readonly Role[], process: { council: string; groupKey: string }): boolean =>
  grants.some(
    (g) =>
      roles.includes(g.role) &&
      (g.council === process.council || g.council === ANY_COUNCIL) &&
      (!isScoped(g.role) || g.groupKey === process.groupKey),
  );

/**
 * A process's actions as pages: a form from the action's schema (the same inputs as task forms), sent
 * to the API as the person; and trying a failed step again when the process shows an incident.
 */
export function actionPages(deps: PageDeps): Router {
  const { registry, api, render, signedIn, csrfToken, webPath } = deps;
  const router = Router();
  const processPath = (req: Request) => `/processes/${encodeURIComponent(String(req.params.id))}`;
  const actionFor = async (req: Request) => {
    const process = await api.get<ProcessScope>(req.session.person!.token, processPath(req));
    return { process, action: actionsOf(registry, process).find((a) => a.path === req.params.action) };
  };
  const formPage = (
    req: Request,
    res: Response,
    process: ProcessScope,
    action: ProcessAction,
    entered: Record<string, unknown>,
    extra: { errors?: Record<string, string>; refusal?: string; status?: number } = {},
  ) => {
    const fields = fieldsOf(formSchemaOf(action.body), entered, extra.errors ?? {});
    const errors = [...errorList(fields), ...(extra.refusal ? [{ text: extra.refusal, href: '#action' }] : [])];
    res
      .status(extra.status ?? (errors.length ? 400 : 200))
      .send(render('act.njk', { person: req.session.person, csrfToken: csrfToken(req), process, action, fields, errors }));
  };

  router.get('/processes/:id/act/:action', signedIn, (req, res, next) => {
    actionFor(req)
      .then(({ process, action }) => {
        if (!action) return res.redirect(`${webPath}${processPath(req)}`);
        formPage(req, res, process, action, {});
      })
      .catch(next);
  });

  router.post('/processes/:id/act/:action', signedIn, (req, res, next) => {
    actionFor(req)
      .then(async ({ process, action }) => {
        if (!action) return res.redirect(`${webPath}${processPath(req)}`);
        const entered = valuesFrom(formSchemaOf(action.body), (req.body as { form?: unknown }).form);
        const checked = action.body.safeParse(entered);
        if (!checked.success)
          return formPage(req, res, process, action, entered, {
            errors: errorsFrom(checked.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))),
          });
        try {
          await api.post(req.session.person!.token, `${processPath(req)}/${action.path}`, checked.data);
        } catch (err) {
          if (!(err instanceof ApiProblem) || ![400, 403, 409, 422].includes(err.status)) throw err;
          const issues = (err.problem as { issues?: { path: string; message: string }[] }).issues;
          return formPage(
            req,
            res,
            process,
            action,
            entered,
            issues ? { errors: errorsFrom(issues) } : { refusal: err.message, status: err.status },
          );
        }
        req.session.flash = `Done: ${action.title.charAt(0).toLowerCase()}${action.title.slice(1)}.`;
        res.redirect(`${webPath}${processPath(req)}`);
      })
      .catch(next);
  });

  // A programme manager has the step the process waits on (its incident) tried again.
  router.post('/processes/:id/incident/retry', signedIn, (req, res, next) => {
    api
      .post(req.session.person!.token, `${processPath(req)}/incident/retry`, {})
      .then(() => {
        req.session.flash = 'The failed step is being tried again.';
        res.redirect(`${webPath}${processPath(req)}`);
      })
      .catch((err: unknown) => {
        if (!(err instanceof ApiProblem) || ![403, 409].includes(err.status)) return next(err);
        req.session.flash = err.message;
        res.redirect(`${webPath}${processPath(req)}`);
      });
  });
  return router;
}

/** Whether the person holds `role` for the council itself (auditing it, administering it): never for "every council" as a choice. */
export const holdsFor = (grants: Grant[], role: Role, council: string): boolean =>
  council !== ANY_COUNCIL && mayAct(grants, [role], { council, groupKey: '' });
