import { Router, type Request, type Response } from 'express';
import type { ReplayJobView } from '../api/replay-jobs';
import type { AuditVerification } from '../lib/audit';
import type { Grant } from '../lib/identity';
import { holdsFor, type ProcessScope } from './action-pages';
import { ApiProblem } from './api-client';
import { passOn, type PageDeps } from './pages';

interface RunReport {
  runId: string;
  deterministic: boolean;
  divergence?: { eventId?: number; message: string };
}
interface ProcessReport {
  processId: string;
  deterministic: boolean;
  runs: RunReport[];
}
interface CouncilReport {
  council: string;
  deterministic: boolean;
  processes: ProcessReport[];
}
type ReplayAnswer = ProcessReport | CouncilReport | ReplayJobView;

/** Whether the person audits this council (their grant names it, or every council). */
export const audits = (grants: Grant[], council: string): boolean => holdsFor(grants, 'auditor', council);

/** A replay's report as the pages show it: each run, and where the ones that diverge part from the code. */
const runsOf = (report: ProcessReport) =>
  report.runs.map((run) => ({
    runId: run.runId,
    deterministic: run.deterministic,
    where: run.divergence
      ? `${run.divergence.eventId === undefined ? '' : `at event ${run.divergence.eventId}: `}${run.divergence.message}`
      : '',
  }));

/**
 * The auditors' pages: for a process, its history to download, its replay against the current code,
 * its evidence pack and the audit chain's check; for the council acted for, the replay of every
 * process, its progress shown while it runs. All through the API's audit routes, as the auditor.
 */
export function auditPages(deps: PageDeps): Router {
  const { api, render, signedIn, csrfToken, webPath } = deps;
  const router = Router();
  const processPath = (req: Request) => `/processes/${encodeURIComponent(String(req.params.id))}`;
  const context = (req: Request) => ({ person: req.session.person, csrfToken: csrfToken(req) });

  const processPage = async (req: Request, res: Response, results: { replay?: ProcessReport; chain?: AuditVerification } = {}) => {
    const person = req.session.person!;
    const process = await api.get<ProcessScope>(person.token, processPath(req));
    // The API refuses the audit routes to anyone else; the page does not offer them.
    if (!audits(person.grants ?? [], process.council))
      throw new ApiProblem(403, { detail: `Auditing a process needs the auditor role in ${process.council}.` });
    res.send(
      render('audit-process.njk', {
        ...context(req),
        process,
        replay: results.replay && { deterministic: results.replay.deterministic, runs: runsOf(results.replay) },
        chain: results.chain,
      }),
    );
  };
  /** A replay asked for: its report when the API had it within its wait, else the page that follows it. */
  const answer = (res: Response, replayed: ReplayAnswer, show: (report: ProcessReport | CouncilReport) => Promise<void>) =>
    'replayId' in replayed ? res.redirect(`${webPath}/replays/${encodeURIComponent(replayed.replayId)}`) : show(replayed);

  router.get('/processes/:id/audit', signedIn, (req, res, next) => {
    processPage(req, res).catch(next);
  });
  router.post('/processes/:id/audit/replay', signedIn, (req, res, next) => {
    api
      .post<ReplayAnswer>(req.session.person!.token, `${processPath(req)}/replay`, {})
      .then((replayed) => answer(res, replayed, (replay) => processPage(req, res, { replay: replay as ProcessReport })))
      .catch(next);
  });
  router.post('/processes/:id/audit/chain', signedIn, (req, res, next) => {
    api
      .get<AuditVerification>(req.session.person!.token, '/audit/verify')
      .then((chain) => processPage(req, res, { chain }))
      .catch(next);
  });
  router.get('/processes/:id/history.json', signedIn, (req, res, next) => {
    const name = `history-${String(req.params.id).replace(/[^A-Za-z0-9_-]+/g, '-')}.json`;
    api
      .raw(req.session.person!.token, `${processPath(req)}/history`)
      .then((response) => passOn(res, response, name))
      .catch(next);
  });
  router.get('/processes/:id/evidence-pack.pdf', signedIn, (req, res, next) => {
    const name = `evidence-pack-${String(req.params.id).replace(/[^A-Za-z0-9_-]+/g, '-')}.pdf`;
    api
      .raw(req.session.person!.token, `${processPath(req)}/evidence-pack`)
      .then((response) => passOn(res, response, name))
      .catch(next);
  });

  const councilPage = (req: Request, res: Response, results: { replay?: CouncilReport; chain?: AuditVerification } = {}) => {
    const person = req.session.person!;
    res.status(audits(person.grants ?? [], person.actingFor) ? 200 : 403).send(
      render('audit-council.njk', {
        ...context(req),
        auditor: audits(person.grants ?? [], person.actingFor),
        council: person.councils.find((c) => c.slug === person.actingFor) ?? { slug: person.actingFor, name: person.actingFor },
        replay: results.replay && councilRows(results.replay),
        chain: results.chain,
      }),
    );
  };
  const councilRows = (report: CouncilReport) => ({
    deterministic: report.deterministic,
    processes: report.processes.map((p) => ({
      processId: p.processId,
      href: `${webPath}/processes/${encodeURIComponent(p.processId)}/audit`,
      deterministic: p.deterministic,
      runs: runsOf(p),
    })),
  });

  router.get('/audit', signedIn, (req, res) => councilPage(req, res));
  router.post('/audit/replay', signedIn, (req, res, next) => {
    const person = req.session.person!;
    api
      .post<ReplayAnswer>(person.token, `/councils/${encodeURIComponent(person.actingFor)}/replay`, {})
      .then((replayed) => answer(res, replayed, async (replay) => councilPage(req, res, { replay: replay as CouncilReport })))
      .catch(next);
  });
  router.post('/audit/chain', signedIn, (req, res, next) => {
    api
      .get<AuditVerification>(req.session.person!.token, '/audit/verify')
      .then((chain) => councilPage(req, res, { chain }))
      .catch(next);
  });

  // A replay that outlasted the API's wait: how far it has got, and its report once it is done.
  router.get('/replays/:id', signedIn, (req, res, next) => {
    api
      .get<ReplayJobView>(req.session.person!.token, `/replays/${encodeURIComponent(String(req.params.id))}`)
      .then((job) => {
        const report = job.report as ProcessReport | CouncilReport | undefined;
        res.send(
          render('replay.njk', {
            ...context(req),
            job,
            here: `${webPath}/replays/${encodeURIComponent(job.replayId)}`,
            council: report && 'processes' in report ? councilRows(report) : undefined,
            process: report && 'runs' in report ? { deterministic: report.deterministic, runs: runsOf(report) } : undefined,
          }),
        );
      })
      .catch(next);
  });

  return router;
}
