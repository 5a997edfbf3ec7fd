import { Router } from 'express';
import { labelOf } from './forms';
import { dueInWords } from './inbox';
import { ENDED_EARLY } from '../workflows/common/frame';
import { passOn, takeFlash, type PageDeps } from './pages';
import { actionsOf, mayAct } from './action-pages';
import { audits } from './audit-pages';

interface ProcessView {
  processId: string;
  kind: string;
  council: string;
  groupKey: string;
  title: string;
  stage: string;
  status: string;
  startedAt: string;
  incident?: { activity: string; message: string; since: string } | null;
  rules?: { rule: string; source: string; outcome: string; detail: string; blocks?: string }[];
  waitingFor: { id: string; title: string; role: string; assignee: string | null; dueAt: string | null; ofChild: boolean }[];
}
interface TimelineEntry {
  at: string;
  kind: string;
  summary: string;
  actor: { userId: string; role: string; name: string | null } | null;
  reasons: string | null;
  documentIds: string[];
  stage: string | null;
}
interface DocumentSummary {
  id: string;
  title: string;
  kind: string;
  version: number;
  sha256: string;
  createdAt: string;
}

const RULE_TAGS: Record<string, { text: string; classes: string }> = {
  met: { text: 'Holds', classes: 'govuk-tag--green' },
  'not met': { text: 'Does not hold', classes: 'govuk-tag--red' },
  'not reached': { text: 'Not reached yet', classes: 'govuk-tag--grey' },
};

/**
 * The definition's stages as a task list: those the process has been through (from its own timeline:
 * what happened, nothing else), the one it is at, those still ahead, and those it passed by. The
 * early endings (withdrawn, cancelled) appear only when they happened.
 */
function stepsOf(stages: readonly string[], entries: TimelineEntry[], view: ProcessView) {
  const ended = view.status !== 'active';
  const reached = new Set([...entries.map((e) => e.stage).filter((s): s is string => s !== null), view.stage]);
  const at = stages.indexOf(view.stage);
  const early: readonly string[] = Object.values(ENDED_EARLY);
  return stages
    .filter((stage) => reached.has(stage) || !early.includes(stage))
    .map((stage) => {
      const status =
        stage === view.stage
          ? ended
            ? { text: 'Ended here' }
            : { tag: { text: 'In progress', classes: 'govuk-tag--light-blue' } }
          : reached.has(stage)
            ? { text: 'Completed' }
            : ended || stages.indexOf(stage) < at
              ? { text: 'Not needed', classes: 'govuk-task-list__status--cannot-start-yet' }
              : { text: 'Cannot start yet', classes: 'govuk-task-list__status--cannot-start-yet' };
      return { title: { text: labelOf(stage) }, status };
    });
}

/**
 * A process's page: the stages it has been through and the one it is at, who it waits for and until
 * when, how its rules stand with their sources, its timeline and its documents. Read through the API.
 */
export function processPages(deps: PageDeps): Router {
  const { registry, api, render, signedIn, csrfToken, webPath } = deps;
  const router = Router();

  router.get('/processes/:id', signedIn, (req, res, next) => {
    const person = req.session.person!;
    const token = person.token;
    const flash = takeFlash(req);
    const id = encodeURIComponent(String(req.params.id));
    Promise.all([
      api.get<ProcessView>(token, `/processes/${id}`),
      api.get<{ entries: TimelineEntry[] }>(token, `/processes/${id}/timeline`),
      api.get<{ items: DocumentSummary[] }>(token, `/processes/${id}/documents`),
    ])
      .then(([view, timeline, documents]) => {
        const now = new Date();
        const steps = stepsOf(registry.get(view.kind)?.stages ?? [], timeline.entries, view);
        const documentTitles = new Map(documents.items.map((d) => [d.id, d.title]));
        res.send(
          render('process.njk', {
            person: req.session.person,
            csrfToken: csrfToken(req),
            flash,
            view,
            kindName: registry.get(view.kind)?.name ?? view.kind,
            status: labelOf(view.status),
            stageName: labelOf(view.stage),
            steps,
            waiting: view.waitingFor.map((t) => ({
              ...t,
              role: t.role.replace(/_/g, ' '),
              due: dueInWords(t.dueAt, now),
              href: `${webPath}/tasks/${encodeURIComponent(t.id)}`,
            })),
            rules: (view.rules ?? []).map((r) => ({ ...r, tag: RULE_TAGS[r.outcome] ?? RULE_TAGS['not reached'] })),
            timeline: timeline.entries
              .slice()
              .reverse()
              .map((e) => ({
                label: { text: e.summary },
                ...(e.actor ? { byline: { text: `${e.actor.name ?? e.actor.userId}, ${e.actor.role.replace(/_/g, ' ')}` } } : {}),
                datetime: { timestamp: e.at, type: 'datetime' },
                text: [e.reasons ? `Reasons: ${e.reasons}` : '', ...e.documentIds.map((d) => `Document: ${documentTitles.get(d) ?? d}`)]
                  .filter(Boolean)
                  .join('. '),
              })),
            documents: documents.items.map((d) => ({ ...d, href: `${webPath}/documents/${encodeURIComponent(d.id)}` })),
            actions: actionsOf(registry, view)
              .filter((a) => mayAct(person.grants ?? [], a.roles, view))
              .map((a) => ({ text: a.title, href: `${webPath}/processes/${encodeURIComponent(view.processId)}/act/${a.path}` })),
            mayAudit: audits(person.grants ?? [], view.council),
            mayRetry: Boolean(view.incident) && mayAct(person.grants ?? [], ['programme_manager'], view),
          }),
        );
      })
      .catch(next);
  });

  // A document's content, fetched as the signed-in person (the API asks for their token).
  router.get('/documents/:id', signedIn, (req, res, next) => {
    api
      .raw(req.session.person!.token, `/documents/${encodeURIComponent(String(req.params.id))}`)
      .then((response) => passOn(res, response))
      .catch(next);
  });

  return router;
}
