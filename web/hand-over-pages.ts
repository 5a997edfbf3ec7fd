import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { userId } from '../lib/field-schemas';
import { dueInWords } from './inbox';
import { onlyFor, type PageDeps } from './pages';

interface Assignee {
  userId: string;
  name: string;
  openTasks: number;
}
interface OpenTask {
  id: string;
  title: string;
  processId: string;
  role: string;
  dueAt: string | null;
}
interface HandOverResult {
  from: string;
  to: string;
  results: { taskId: string; title: string; processId: string; moved: boolean; why?: string }[];
  remaining: number;
}

const chosenTasks = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(1000)).max(200));
const handOverForm = z.object({ to: userId, taskIds: chosenTasks, reason: z.string().trim().max(2_000).optional() });

/**
 * Handing over an absent officer's work, for the programme managers of the council acted for: whose
 * open tasks, which of them (all to start with), to whom; then what happened to each, moved or why
 * not. One call to the API's hand-over, which checks each task and audits each move.
 */
export function handOverPages(deps: PageDeps): Router {
  const { api, render, signedIn, csrfToken, webPath } = deps;
  const router = Router();
  const councilPath = (req: Request) => `/councils/${encodeURIComponent(req.session.person!.actingFor)}`;
  const context = (req: Request) => ({ person: req.session.person, csrfToken: csrfToken(req) });
  const managing = onlyFor(deps, ['programme_manager'], 'the council’s programme managers');

  /** The chosen person's open tasks, and the colleagues who hold one of their roles. */
  const handOverPage = async (
    req: Request,
    res: Response,
    from: string,
    entered: { to?: string; taskIds?: string[]; reason?: string } = {},
    errors: { tasks?: string; to?: string } = {},
  ) => {
    const token = req.session.person!.token;
    const council = req.session.person!.actingFor;
    const [assignees, tasks] = await Promise.all([
      api.get<{ items: Assignee[] }>(token, `${councilPath(req)}/assignees`),
      api.get<{ items: OpenTask[] }>(
        token,
        `/tasks?council=${encodeURIComponent(council)}&assignee=${encodeURIComponent(from)}&status=open&sort=due&page_size=100`,
      ),
    ]);
    // Colleagues: whoever holds the role of one of the tasks (one question per role), but not the person away.
    const byRole = new Map(tasks.items.map((t) => [t.role, t.id]));
    const candidates = new Map<string, string>();
    for (const taskId of byRole.values()) {
      const people = await api.get<{ items: { userId: string; name: string }[] }>(token, `/tasks/${encodeURIComponent(taskId)}/candidates`);
      for (const p of people.items) if (p.userId !== from) candidates.set(p.userId, p.name);
    }
    const now = new Date();
    const chosen = new Set(entered.taskIds ?? tasks.items.map((t) => t.id));
    const errorList = [
      ...(errors.tasks ? [{ text: errors.tasks, href: '#tasks' }] : []),
      ...(errors.to ? [{ text: errors.to, href: '#to' }] : []),
    ];
    res.status(errorList.length ? 400 : 200).send(
      render('hand-over.njk', {
        ...context(req),
        from: assignees.items.find((a) => a.userId === from) ?? { userId: from, name: from, openTasks: tasks.items.length },
        tasks: tasks.items.map((t) => ({
          ...t,
          role: t.role.replace(/_/g, ' '),
          due: dueInWords(t.dueAt, now),
          checked: chosen.has(t.id),
        })),
        colleagues: [...candidates].map(([id, name]) => ({ value: id, text: `${name} (${id})`, selected: id === entered.to })),
        reason: entered.reason ?? '',
        errors: errorList,
        taskError: errors.tasks ? { text: errors.tasks } : undefined,
        toError: errors.to ? { text: errors.to } : undefined,
      }),
    );
  };

  router.get('/hand-over', signedIn, managing, (req, res, next) => {
    const from = userId.safeParse(req.query.from);
    if (from.success) return void handOverPage(req, res, from.data).catch(next);
    api
      .get<{ items: Assignee[] }>(req.session.person!.token, `${councilPath(req)}/assignees`)
      .then(({ items }) =>
        res.send(
          render('hand-over-choose.njk', {
            ...context(req),
            assignees: items.map((a) => ({ ...a, href: `${webPath}/hand-over?from=${encodeURIComponent(a.userId)}` })),
          }),
        ),
      )
      .catch(next);
  });

  router.post('/hand-over', signedIn, managing, (req, res, next) => {
    const from = userId.safeParse(req.query.from);
    if (!from.success) return res.redirect(`${webPath}/hand-over`);
    const form = handOverForm.safeParse(req.body);
    const entered = {
      to: typeof req.body?.to === 'string' ? req.body.to : '',
      taskIds: chosenTasks.catch([]).parse(req.body?.taskIds),
      reason: typeof req.body?.reason === 'string' ? req.body.reason : '',
    };
    const errors = {
      ...(entered.taskIds.length === 0 ? { tasks: 'Select the tasks to hand over' } : {}),
      ...(!form.success || !form.data.to ? { to: 'Select who to hand them to' } : {}),
    };
    if (!form.success || Object.keys(errors).length) return void handOverPage(req, res, from.data, entered, errors).catch(next);
    api
      .post<HandOverResult>(req.session.person!.token, `${councilPath(req)}/hand-over`, {
        from: from.data,
        to: form.data.to,
        taskIds: form.data.taskIds,
        ...(form.data.reason ? { reason: form.data.reason } : {}),
      })
      .then((result) =>
        res.send(
          render('hand-over-done.njk', {
            ...context(req),
            result,
            moved: result.results.filter((r) => r.moved).length,
            rows: result.results.map((r) => ({ ...r, href: `${webPath}/processes/${encodeURIComponent(r.processId)}` })),
          }),
        ),
      )
      .catch(next);
  });

  return router;
}
