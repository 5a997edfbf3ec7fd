import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { ApiProblem } from './api-client';
import { errorList, errorsFrom, fieldsOf, formSchemaOf, labelOf, valuesFrom } from './forms';
import { dueInWords } from './inbox';
import { summaryRows } from './words';
import type { PageDeps } from './pages';
import { taskReads, type Task } from './task-pages';

declare module 'express-session' {
  interface SessionData {
    /** A decision being made, kept between its form and its check page. */
    draft?: {
      taskId: string;
      outcome: string;
      reasons?: string;
      form: Record<string, unknown>;
      /** Documents of the process attached to the decision: ids as the API takes them, titles for the check page. */
      attachments?: { id: string; title: string }[];
    };
    /** What the last decision opened, for its confirmation page. */
    decided?: { taskId: string; processId: string; title: string; outcome: string; stage: string; opened: OpenedTask[] };
  }
}

interface OpenedTask {
  id: string;
  title: string;
  role: string;
  dueAt?: string;
}

/**
 * Deciding a task: its outcome's form (built from the task kind's schema), a check of the answers, the
 * decision sent to the API as the signed-in person, and what it opened.
 */
export function decisionPages(deps: PageDeps): Router {
  const { api, signedIn, webPath } = deps;
  const router = Router();
  const { schemas, money, tokenOf, taskOf, page } = taskReads(deps);
  const formFor = (task: Task, outcome: string): z.ZodType | undefined => {
    // The task names its form as the API description does; the form of the kind that owns the task
    // (an ALMO's SLA negotiation is the SLA's), so the same schema the API will check.
    const ref = task.forms[outcome] ?? task.forms['*'];
    return ref ? schemas[ref.replace('#/components/schemas/', '')] : undefined;
  };
  /** The process's documents, which a decision may attach: none for someone who may see the task but not its process (a partner). */
  const documentsOf = (req: Request, task: Task) =>
    api
      .get<{ items: { id: string; title: string; version: number }[] }>(
        tokenOf(req),
        `/processes/${encodeURIComponent(task.processId)}/documents`,
      )
      .then(
        (page) => page.items,
        (err: unknown) => {
          if (err instanceof ApiProblem && err.status === 404) return [];
          throw err;
        },
      );
  const decisionPage = async (
    req: Request,
    res: Response,
    task: Task,
    outcome: string,
    entered: Record<string, unknown>,
    extra: {
      errors?: Record<string, string>;
      rows?: Record<string, number>;
      reasons?: string;
      attached?: string[];
      status?: number;
    },
  ) => {
    const documents = await documentsOf(req, task);
    const attachable = documents.map((d) => ({
      value: d.id,
      text: d.version > 1 ? `${d.title} (version ${d.version})` : d.title,
      checked: extra.attached?.includes(d.id) ?? false,
    }));
    const schema = formFor(task, outcome);
    const fields = schema ? fieldsOf(formSchemaOf(schema), entered, extra.errors ?? {}, extra.rows ?? {}) : [];
    const reasonsError = extra.errors?.reasons;
    const errors = [...errorList(fields), ...(reasonsError ? [{ text: reasonsError, href: '#reasons' }] : [])];
    res.status(extra.status ?? (errors.length ? 400 : 200)).send(
      page(req, 'decide.njk', {
        task,
        outcome,
        outcomeText: labelOf(outcome),
        fields,
        errors,
        reasons: extra.reasons,
        reasonsError,
        reasonsNeeded: (task.reasonsRequiredFor ?? []).includes(outcome),
        rows: extra.rows ?? {},
        attachable,
      }),
    );
  };
  router.get('/tasks/:id/decide', signedIn, (req, res, next) => {
    taskOf(req)
      .then((task) => {
        const outcome = String(req.query.outcome ?? '');
        if (!task.outcomes.includes(outcome)) return res.redirect(`${webPath}/tasks/${encodeURIComponent(task.id)}?choose=1#outcome`);
        const draft = req.session.draft?.taskId === task.id && req.session.draft.outcome === outcome ? req.session.draft : undefined;
        // What they entered before, else what the process already knows for this outcome.
        return decisionPage(req, res, task, outcome, draft?.form ?? task.formStarts?.[outcome] ?? {}, {
          ...(draft?.reasons ? { reasons: draft.reasons } : {}),
          attached: draft?.attachments?.map((d) => d.id) ?? [],
        });
      })
      .catch(next);
  });

  router.post('/tasks/:id/decide', signedIn, (req, res, next) => {
    taskOf(req)
      .then(async (task) => {
        const body = req.body as {
          outcome?: string;
          reasons?: string;
          form?: unknown;
          addRow?: string;
          rows?: Record<string, string>;
          attachments?: string | string[];
        };
        const attached = [body.attachments ?? []].flat().filter((id) => typeof id === 'string' && id !== '');
        const outcome = String(body.outcome ?? '');
        if (!task.outcomes.includes(outcome)) return res.redirect(`${webPath}/tasks/${encodeURIComponent(task.id)}?choose=1#outcome`);
        const schema = formFor(task, outcome);
        const jsonSchema = schema ? formSchemaOf(schema) : {};
        const form = valuesFrom(jsonSchema, body.form);
        const reasons = typeof body.reasons === 'string' && body.reasons.trim() ? body.reasons.trim() : undefined;
        const rows = Object.fromEntries(Object.entries(body.rows ?? {}).map(([path, count]) => [path, Number(count) || 1]));
        if (body.addRow) {
          // "Add another" without JavaScript: the same page with one more row, nothing checked yet.
          rows[body.addRow] = (rows[body.addRow] ?? 1) + 1;
          return decisionPage(req, res, task, outcome, form, { rows, attached, ...(reasons ? { reasons } : {}), status: 200 });
        }
        // The schema the API checks the answers with, checked here first so each field says what is wrong.
        const checked = schema?.safeParse(form);
        const needsReasons = (task.reasonsRequiredFor ?? []).includes(outcome) && !reasons;
        if ((checked && !checked.success) || needsReasons) {
          const errors = {
            ...(checked && !checked.success
              ? errorsFrom(checked.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })))
              : {}),
            ...(needsReasons ? { reasons: `Enter your reasons to ${labelOf(outcome).toLowerCase()}` } : {}),
          };
          return decisionPage(req, res, task, outcome, form, { errors, rows, attached, ...(reasons ? { reasons } : {}) });
        }
        // Only the process's own documents, named as they are, whatever the form sent.
        const attachments = (await documentsOf(req, task)).filter((d) => attached.includes(d.id)).map(({ id, title }) => ({ id, title }));
        req.session.draft = {
          taskId: task.id,
          outcome,
          form,
          ...(reasons ? { reasons } : {}),
          ...(attachments.length ? { attachments } : {}),
        };
        res.redirect(`${webPath}/tasks/${encodeURIComponent(task.id)}/check`);
      })
      .catch(next);
  });

  router.get('/tasks/:id/check', signedIn, (req, res, next) => {
    taskOf(req)
      .then((task) => {
        const draft = req.session.draft;
        if (!draft || draft.taskId !== task.id) return res.redirect(`${webPath}/tasks/${encodeURIComponent(task.id)}`);
        res.send(page(req, 'check.njk', checkContext(task, draft)));
      })
      .catch(next);
  });

  router.post('/tasks/:id/complete', signedIn, (req, res, next) => {
    const draft = req.session.draft;
    taskOf(req)
      .then(async (task) => {
        if (!draft || draft.taskId !== task.id) return res.redirect(`${webPath}/tasks/${encodeURIComponent(task.id)}`);
        try {
          const result = await api.post<{ stage: string; opened?: OpenedTask[] }>(
            tokenOf(req),
            `/tasks/${encodeURIComponent(task.id)}/complete`,
            {
              outcome: draft.outcome,
              ...(draft.reasons ? { reasons: draft.reasons } : {}),
              ...(draft.attachments ? { attachments: draft.attachments.map((d) => d.id) } : {}),
              form: draft.form,
            },
          );
          delete req.session.draft;
          req.session.decided = {
            taskId: task.id,
            processId: task.processId,
            title: task.title,
            outcome: draft.outcome,
            stage: result.stage,
            opened: result.opened ?? [],
          };
          res.redirect(`${webPath}/tasks/${encodeURIComponent(task.id)}/done`);
        } catch (err) {
          if (!(err instanceof ApiProblem)) throw err;
          const issues = (err.problem as { issues?: { path: string; message: string }[] }).issues;
          if (err.status === 400 && issues) {
            // The API's own check of the answers: back to the form, each field with its message.
            return decisionPage(req, res, task, draft.outcome, draft.form, {
              errors: errorsFrom(issues),
              attached: draft.attachments?.map((d) => d.id) ?? [],
              ...(draft.reasons ? { reasons: draft.reasons } : {}),
            });
          }
          if (err.status === 400 || err.status === 409) {
            // A rule of the process refused it (or reasons it needs are missing): said as the rule says it.
            return res.status(err.status).send(page(req, 'check.njk', { ...checkContext(task, draft), refusal: err.message }));
          }
          throw err;
        }
      })
      .catch(next);
  });

  router.get('/tasks/:id/done', signedIn, (req, res) => {
    const decided = req.session.decided;
    if (!decided || decided.taskId !== req.params.id) return res.redirect(`${webPath}/`);
    res.send(
      page(req, 'done.njk', {
        decided,
        outcomeText: labelOf(decided.outcome),
        opened: decided.opened.map((t) => ({ ...t, role: t.role.replace(/_/g, ' '), due: dueInWords(t.dueAt ?? null, new Date()) })),
      }),
    );
  });

  const checkContext = (task: Task, draft: NonNullable<Request['session']['draft']>) => ({
    task,
    outcomeText: labelOf(draft.outcome),
    answers: [
      { key: { text: 'Decision' }, value: { text: labelOf(draft.outcome) } },
      ...summaryRows(draft.form, money),
      ...(draft.reasons ? [{ key: { text: 'Reasons' }, value: { text: draft.reasons } }] : []),
      ...(draft.attachments
        ? [{ key: { text: 'Documents attached' }, value: { text: draft.attachments.map((d) => d.title).join(', ') } }]
        : []),
    ],
    changeHref: `${webPath}/tasks/${encodeURIComponent(task.id)}/decide?outcome=${encodeURIComponent(draft.outcome)}`,
  });

  return router;
}
