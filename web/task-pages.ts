import { Router, type Request } from 'express';
import { labelOf, moneyKeysOf } from './forms';
import { dueInWords } from './inbox';
import { summaryRows } from './words';
import { takeFlash, type PageDeps } from './pages';

/** A task as the pages read it from `GET /tasks/:id`. */
export interface Task {
  id: string;
  processId: string;
  processKind: string;
  council: string;
  kind: string;
  title: string;
  role: string;
  assignee: string | null;
  status: string;
  outcomes: string[];
  /** The outcomes a decision must give reasons for. */
  reasonsRequiredFor?: string[];
  forms: Record<string, string>;
  /** By outcome, what its form starts filled with. */
  formStarts?: Record<string, Record<string, unknown>>;
  data: unknown;
  dueAt: string | null;
}

/** How the task pages read a task: as the signed-in person, from the API, with the page's common context. */
export function taskReads(deps: PageDeps) {
  const { registry, api, render, csrfToken } = deps;
  const tokenOf = (req: Request) => req.session.person!.token;
  const schemas = registry.formSchemas();
  return {
    schemas,
    money: moneyKeysOf(schemas),
    tokenOf,
    taskOf: (req: Request) => api.get<Task>(tokenOf(req), `/tasks/${encodeURIComponent(String(req.params.id))}`),
    page: (req: Request, view: string, context: Record<string, unknown>) =>
      render(view, { person: req.session.person, csrfToken: csrfToken(req), ...context }),
    kindName: (task: Task) => registry.get(task.processKind)?.name ?? task.processKind,
  };
}

/** A task's page: what it is about, who could take it (claim, release, hand over), and the choice of outcome. */
export function taskPages(deps: PageDeps): Router {
  const { api, signedIn } = deps;
  const router = Router();
  const { money, tokenOf, taskOf, page, kindName } = taskReads(deps);
  const outcomeOptions = (task: Task, chosen?: string) =>
    task.outcomes.map((outcome) => ({
      value: outcome,
      text: labelOf(outcome),
      checked: outcome === chosen,
      ...((task.reasonsRequiredFor ?? []).includes(outcome) ? { hint: { text: 'You give your reasons with this decision' } } : {}),
    }));

  router.get('/tasks/:id', signedIn, (req, res, next) => {
    const flash = takeFlash(req);
    const refused = req.session.handOverError;
    const handOverError = refused && refused.taskId === req.params.id ? refused.message : undefined;
    delete req.session.handOverError;
    const noteRefused = req.session.noteError?.taskId === req.params.id ? req.session.noteError : undefined;
    delete req.session.noteError;
    const id = String(req.params.id);
    Promise.all([
      taskOf(req),
      api.get<{ items: { userId: string; name: string }[] }>(tokenOf(req), `/tasks/${encodeURIComponent(id)}/candidates`),
      api.get<{ items: { summary: string; at: string; by: { userId: string; name: string | null } | null }[] }>(
        tokenOf(req),
        `/tasks/${encodeURIComponent(id)}/notes`,
      ),
    ])
      .then(([task, candidates, notes]) => {
        const me = req.session.person!.userId;
        const others = candidates.items.filter((c) => c.userId !== task.assignee);
        res.status(handOverError || noteRefused ? 400 : 200).send(
          page(req, 'task.njk', {
            task,
            kindName: kindName(task),
            due: dueInWords(task.dueAt, new Date()),
            about: summaryRows(task.data, money),
            outcomes: outcomeOptions(task),
            error: req.query.choose === '1' ? 'Select what you decide' : undefined,
            flash,
            handOverError,
            noteError: noteRefused?.message,
            noteEntered: noteRefused?.note ?? '',
            notes: notes.items.map((n) => ({ ...n, by: n.by ? (n.by.name ?? n.by.userId) : '' })),
            candidates: candidates.items.map((c) => `${c.name}${c.userId === me ? ' (you)' : ''}`),
            mayClaim: !task.assignee && candidates.items.some((c) => c.userId === me),
            mayRelease: task.assignee === me,
            handOverTo: [
              { value: '', text: 'Choose a person' },
              ...others.filter((c) => c.userId !== me).map((c) => ({ value: c.userId, text: `${c.name} (${c.userId})` })),
            ],
          }),
        );
      })
      .catch(next);
  });

  return router;
}
