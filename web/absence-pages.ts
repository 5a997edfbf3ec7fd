import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { userId } from '../lib/field-schemas';
import { ApiProblem } from './api-client';
import { errorList, errorsFrom, fieldsOf, formSchemaOf, valuesFrom } from './forms';
import { takeFlash, type PageDeps } from './pages';
import { dateInWords } from '../workflows/common/format';

interface Absence {
  id: string;
  userId: string;
  delegateId: string;
  startsOn: string;
  endsOn: string;
  createdBy: string;
}

// The page's questions, in the words of the page; the API's body names them otherwise.
const absenceForm = z.object({
  away: userId.describe('The user id of the person who is away (yours, if it is you)'),
  coveredBy: userId.describe('The user id of the colleague who sees and can decide their tasks, and gets their emails'),
  from: z.iso.date(),
  until: z.iso.date(),
});
const API_FIELDS: Record<string, string> = { userId: 'away', delegateId: 'coveredBy', startsOn: 'from', endsOn: 'until' };

/**
 * Out-of-office delegation: who is away in the council acted for, when, and who covers; recording an
 * absence (one's own, or anyone's for a programme manager) and cancelling one. Through the API's
 * absences, which check who may, and audit each.
 */
export function absencePages(deps: PageDeps): Router {
  const { api, render, signedIn, csrfToken, webPath } = deps;
  const router = Router();
  const councilPath = (req: Request) => `/councils/${encodeURIComponent(req.session.person!.actingFor)}/absences`;

  const page = async (req: Request, res: Response, entered: Record<string, unknown> = {}, errors: Record<string, string> = {}) => {
    const person = req.session.person!;
    const absences = await api.get<{ items: Absence[] }>(person.token, councilPath(req));
    const fields = fieldsOf(formSchemaOf(absenceForm), { away: person.userId, ...entered }, errors);
    res.status(Object.keys(errors).length ? 400 : 200).send(
      render('absences.njk', {
        person,
        csrfToken: csrfToken(req),
        flash: takeFlash(req),
        absences: absences.items.map((a) => ({ ...a, from: dateInWords(a.startsOn), until: dateInWords(a.endsOn) })),
        fields,
        errors: errorList(fields),
      }),
    );
  };

  router.get('/absences', signedIn, (req, res, next) => {
    page(req, res).catch(next);
  });
  router.post('/absences', signedIn, (req, res, next) => {
    const entered = valuesFrom(formSchemaOf(absenceForm), (req.body as { form?: unknown }).form);
    const checked = absenceForm.safeParse(entered);
    if (!checked.success)
      return void page(
        req,
        res,
        entered,
        errorsFrom(checked.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))),
      ).catch(next);
    const { away, coveredBy, from, until } = checked.data;
    api
      .post(req.session.person!.token, councilPath(req), { userId: away, delegateId: coveredBy, startsOn: from, endsOn: until })
      .then(() => {
        req.session.flash = `${away} is away from ${dateInWords(from)} to ${dateInWords(until)}; ${coveredBy} covers.`;
        res.redirect(`${webPath}/absences`);
      })
      .catch((err: unknown) => {
        if (!(err instanceof ApiProblem) || ![400, 403, 409, 422].includes(err.status)) return next(err);
        const issues = (err.problem as { issues?: { path: string; message: string }[] }).issues;
        const errors = issues
          ? errorsFrom(issues.map((i) => ({ ...i, path: API_FIELDS[i.path] ?? i.path })))
          : // A refusal about the people (not in the council, already away, not theirs to set): said of who is away, or who covers.
            { [err.problem.type?.endsWith('delegate-lacks-role') ? 'coveredBy' : 'away']: err.message };
        page(req, res, entered, errors).catch(next);
      });
  });
  router.post('/absences/:id/cancel', signedIn, (req, res, next) => {
    api
      .post(req.session.person!.token, `${councilPath(req)}/${encodeURIComponent(String(req.params.id))}/cancel`, {})
      .then(() => {
        req.session.flash = 'Absence cancelled.';
        res.redirect(`${webPath}/absences`);
      })
      .catch(next);
  });
  return router;
}
