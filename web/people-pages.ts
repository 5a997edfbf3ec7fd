import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { oneLine, oneLineName, userId } from '../lib/field-schemas';
import { ROLES } from '../workflows/common/roles';
import { ApiProblem } from './api-client';
import { errorList, errorsFrom, fieldsOf, formSchemaOf, labelOf, valuesFrom } from './forms';
import { onlyFor, takeFlash, type PageDeps } from './pages';

interface Person {
  userId: string;
  displayName: string;
  email: string | null;
  signsInWithProvider: boolean;
  grants: { role: string; groupKey: string }[];
}
interface Token {
  tokenId: string;
  label: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

// The pages' forms, checked here first (the API checks again, and its refusals name the same fields).
const personForm = z.object({
  userId: userId.describe('How the service knows them: letters, digits and . _ @ - (for example their council login)'),
  displayName: oneLineName.describe('Their name as pages and documents give it'),
  email: z.email().max(320).optional().describe('Where the service emails them about their tasks'),
});
const roleForm = z.object({
  role: z.enum(ROLES),
  group: oneLineName.optional().describe('Residents’ representatives only: the residents’ group they sign for'),
  organisation: oneLineName.optional().describe('Partners only: the organisation they act for, as its community contracts name it'),
});
const tokenForm = z.object({
  label: oneLine.describe('What it is for, so it can be told apart and revoked (for example “finance system”)'),
});
const councilForm = z.object({ name: oneLineName.describe('As documents and pages give it, for example Westminster City Council') });

type Form = z.ZodObject<z.ZodRawShape>;

/** A role in words, with the group a residents' representative signs for or the organisation a partner acts for. */
const roleInWords = (g: { role: string; groupKey: string }) =>
  `${labelOf(g.role)}${g.groupKey ? ` (${g.groupKey.replace(/^org:/, '').replace(/-/g, ' ')})` : ''}`;

/**
 * People and roles, for the administrators of the council acted for: its people and their roles, a
 * person's roles and API tokens (issued, listed by label, revoked), and the council's name. Each is a
 * call to the people routes of the API as the administrator, audited there.
 */
export function peoplePages(deps: PageDeps): Router {
  const { api, render, signedIn, csrfToken, webPath } = deps;
  const router = Router();
  const council = (req: Request) => req.session.person!.actingFor;
  const councilPath = (req: Request) => `/councils/${encodeURIComponent(council(req))}`;
  const personPath = (req: Request, id = String(req.params.userId)) => `${councilPath(req)}/people/${encodeURIComponent(id)}`;
  const context = (req: Request) => ({ person: req.session.person, csrfToken: csrfToken(req) });
  const guard = [signedIn, onlyFor(deps, ['admin'], 'the council’s administrators')];

  /** A form's page: its fields from its schema, with what was entered and the errors, in the error summary too. */
  const formPage = (
    req: Request,
    res: Response,
    view: { title: string; caption?: string; action: string; button: string; form: Form; entered?: Record<string, unknown> },
    errors: Record<string, string> = {},
  ) => {
    const fields = fieldsOf(formSchemaOf(view.form), view.entered ?? {}, errors);
    res
      .status(Object.keys(errors).length ? 400 : 200)
      .send(render('people-form.njk', { ...context(req), ...view, fields, errors: errorList(fields) }));
  };
  /**
   * Checks a form and sends it: a field the form or the API refuses is shown on its page again;
   * `done` follows the API's answer.
   */
  const submit = async <T>(
    req: Request,
    res: Response,
    view: Parameters<typeof formPage>[2],
    send: (values: Record<string, unknown>) => Promise<T>,
    done: (answer: T, values: Record<string, unknown>) => void,
  ) => {
    const entered = valuesFrom(formSchemaOf(view.form), (req.body as { form?: unknown }).form);
    const checked = view.form.safeParse(entered);
    if (!checked.success)
      return formPage(
        req,
        res,
        { ...view, entered },
        errorsFrom(checked.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))),
      );
    try {
      done(await send(checked.data), checked.data);
    } catch (err) {
      const issues = err instanceof ApiProblem ? (err.problem as { issues?: { path: string; message: string }[] }).issues : undefined;
      if (!issues) throw err;
      formPage(req, res, { ...view, entered }, errorsFrom(issues));
    }
  };

  router.get('/people', ...guard, (req, res, next) => {
    api
      .get<{ council: { slug: string; name: string }; people: Person[] }>(req.session.person!.token, `${councilPath(req)}/people`)
      .then(({ council: named, people }) =>
        res.send(
          render('people.njk', {
            ...context(req),
            flash: takeFlash(req),
            council: named,
            people: people.map((p) => ({
              ...p,
              href: `${webPath}/people/${encodeURIComponent(p.userId)}`,
              roles: p.grants.map(roleInWords).join(', '),
            })),
          }),
        ),
      )
      .catch(next);
  });

  const newPerson = { title: 'Add a person', action: `${webPath}/people/new`, button: 'Add them', form: personForm };
  router.get('/people/new', ...guard, (req, res) => formPage(req, res, newPerson));
  router.post('/people/new', ...guard, (req, res, next) => {
    submit(
      req,
      res,
      newPerson,
      ({ userId: id, ...body }) => api.put<Person>(req.session.person!.token, personPath(req, String(id)), body),
      (saved) => {
        req.session.flash = `${saved.displayName} added. Give them a role for them to see anything.`;
        res.redirect(`${webPath}/people/${encodeURIComponent(saved.userId)}`);
      },
    ).catch(next);
  });

  const personPage = async (req: Request, res: Response, issued?: { label: string; token: string }) => {
    const found = await api.get<Person & { tokens: Token[] }>(req.session.person!.token, personPath(req));
    const here = `${webPath}/people/${encodeURIComponent(found.userId)}`;
    res.send(
      render('person.njk', {
        ...context(req),
        flash: takeFlash(req),
        issued,
        here,
        found: { ...found, grants: found.grants.map((g) => ({ ...g, words: roleInWords(g) })) },
        tokens: found.tokens.map((t) => ({
          ...t,
          inUse: !t.revokedAt && !(t.expiresAt && Date.parse(t.expiresAt) <= Date.now()),
        })),
        grantFields: fieldsOf(formSchemaOf(roleForm), {}, {}),
        tokenFields: fieldsOf(formSchemaOf(tokenForm), {}, {}),
      }),
    );
  };
  router.get('/people/:userId', ...guard, (req, res, next) => {
    personPage(req, res).catch(next);
  });

  const backToPerson = (req: Request, res: Response, flash: string) => {
    req.session.flash = flash;
    res.redirect(`${webPath}/people/${encodeURIComponent(String(req.params.userId))}`);
  };
  const roleView = (req: Request) => ({
    title: 'Give a role',
    caption: String(req.params.userId),
    action: `${webPath}/people/${encodeURIComponent(String(req.params.userId))}/roles`,
    button: 'Give the role',
    form: roleForm,
  });
  router.post('/people/:userId/roles', ...guard, (req, res, next) => {
    submit(
      req,
      res,
      roleView(req),
      (body) =>
        api.post<Person>(req.session.person!.token, `${personPath(req)}/grants`, {
          role: body.role,
          ...(body.role === 'resident_rep' ? { group: body.group } : body.role === 'partner' ? { organisation: body.organisation } : {}),
        }),
      (saved, body) =>
        backToPerson(req, res, `${saved.displayName} is now ${roleInWords({ role: String(body.role), groupKey: '' }).toLowerCase()}.`),
    ).catch(next);
  });
  router.post('/people/:userId/roles/withdraw', ...guard, (req, res, next) => {
    const grant = z.object({ role: z.enum(ROLES), groupKey: z.string().max(200).default('') }).safeParse(req.body);
    if (!grant.success) return backToPerson(req, res, 'Nothing was withdrawn: choose a role from the list.');
    api
      .post<Person>(req.session.person!.token, `${personPath(req)}/grants/withdraw`, grant.data)
      .then((saved) => backToPerson(req, res, `${roleInWords(grant.data)} withdrawn from ${saved.displayName}.`))
      .catch(next);
  });
  const tokenView = (req: Request) => ({
    title: 'Issue an API token',
    caption: String(req.params.userId),
    action: `${webPath}/people/${encodeURIComponent(String(req.params.userId))}/tokens`,
    button: 'Issue the token',
    form: tokenForm,
  });
  router.post('/people/:userId/tokens', ...guard, (req, res, next) => {
    submit(
      req,
      res,
      tokenView(req),
      (body) => api.post<{ tokenId: string; label: string; token: string }>(req.session.person!.token, `${personPath(req)}/tokens`, body),
      // Shown on this answer alone: it is in no session, log or later page.
      (issued) => void personPage(req, res, issued).catch(next),
    ).catch(next);
  });
  router.post('/people/:userId/tokens/:tokenId/revoke', ...guard, (req, res, next) => {
    api
      .post(req.session.person!.token, `${personPath(req)}/tokens/${encodeURIComponent(String(req.params.tokenId))}/revoke`, {})
      .then(() => backToPerson(req, res, 'Token revoked: it is refused from now on.'))
      .catch(next);
  });

  const councilView = { title: 'The council’s name', action: `${webPath}/council-name`, button: 'Save', form: councilForm };
  router.get('/council-name', ...guard, (req, res, next) => {
    api
      .get<{ council: { name: string } }>(req.session.person!.token, `${councilPath(req)}/people`)
      .then(({ council: named }) => formPage(req, res, { ...councilView, entered: { name: named.name } }))
      .catch(next);
  });
  router.post('/council-name', ...guard, (req, res, next) => {
    submit(
      req,
      res,
      councilView,
      (body) => api.put<{ slug: string; name: string }>(req.session.person!.token, councilPath(req), body),
      (named) => {
        // The name the layout shows for the council acted for follows at once.
        const acting = req.session.person!.councils.find((c) => c.slug === named.slug);
        if (acting) acting.name = named.name;
        req.session.flash = `The council is now named ${named.name}.`;
        res.redirect(`${webPath}/people`);
      },
    ).catch(next);
  });

  return router;
}
