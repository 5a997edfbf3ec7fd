import { Router, type Request } from 'express';
import { ApiProblem } from './api-client';
import type { PageDeps } from './pages';

declare module 'express-session' {
  interface SessionData {
    /** Why handing a task over did not happen, for the task page's error summary. */
    handOverError?: { taskId: string; message: string };
    /** Why a note on a task was not added, for the task page's error summary. */
    noteError?: { taskId: string; message: string; note: string };
  }
}

/**
 * Claiming, releasing and handing over a task, from the inbox or the task page: the API's claim,
 * release and delegate as the signed-in person (its checks, its audit), then back where they were.
 */
export function assignmentPages(deps: PageDeps): Router {
  const { api, signedIn, webPath } = deps;
  const router = Router();
  const taskPath = (req: Request) => `/tasks/${encodeURIComponent(String(req.params.id))}`;
  // Back to the page the button was on, if it is one of ours; never to another site.
  const backTo = (req: Request) => {
    const back = typeof req.body?.back === 'string' ? req.body.back : '';
    return back.startsWith(`${webPath}/`) && !back.startsWith('//') && !back.includes('\\') ? back : `${webPath}${taskPath(req)}`;
  };
  const act = (action: 'claim' | 'release' | 'delegate', done: (title: string, req: Request) => string) =>
    router.post(`/tasks/:id/${action}`, signedIn, (req, res, next) => {
      const token = req.session.person!.token;
      const to = typeof req.body?.to === 'string' ? req.body.to : '';
      if (action === 'delegate' && !to) {
        req.session.handOverError = { taskId: String(req.params.id), message: 'Select who to hand the task to' };
        return res.redirect(`${webPath}${taskPath(req)}#to`);
      }
      api
        .post<{ title?: string }>(token, `${taskPath(req)}/${action}`, action === 'delegate' ? { to } : {})
        .then(async () => {
          const task = await api.get<{ title: string }>(token, taskPath(req));
          req.session.flash = done(task.title, req);
          res.redirect(backTo(req));
        })
        .catch((err: unknown) => {
          // Refused by the API's rules (not the role, already taken, closed): said on the task page.
          if (!(err instanceof ApiProblem) || ![409, 422].includes(err.status)) return next(err);
          req.session.handOverError = { taskId: String(req.params.id), message: err.message };
          res.redirect(`${webPath}${taskPath(req)}`);
        });
    });
  act('claim', (title) => `You have claimed ‘${title}’: only you can complete it now.`);
  act('release', (title) => `You have released ‘${title}’: anyone with its role can take it.`);
  act('delegate', (title, req) => `You have handed ‘${title}’ to ${String(req.body.to)}.`);

  // A note on the task, for whoever acts on it next: on the process's timeline.
  router.post('/tasks/:id/notes', signedIn, (req, res, next) => {
    const note = typeof req.body?.note === 'string' ? req.body.note : '';
    const refuse = (message: string) => {
      req.session.noteError = { taskId: String(req.params.id), message, note };
      res.redirect(`${webPath}${taskPath(req)}#note`);
    };
    if (!note.trim()) return refuse('Enter your note');
    api
      .post(req.session.person!.token, `${taskPath(req)}/notes`, { note })
      .then(() => {
        req.session.flash = 'Note added: it is on the process’s timeline.';
        res.redirect(`${webPath}${taskPath(req)}`);
      })
      .catch((err: unknown) => {
        const issues = err instanceof ApiProblem ? (err.problem as { issues?: { message: string }[] }).issues : undefined;
        if (!(err instanceof ApiProblem) || err.status !== 400) return next(err);
        refuse(`Note: ${issues?.[0]?.message ?? err.message}`);
      });
  });
  return router;
}
