import express, { Router, type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import { csrfSync } from 'csrf-sync';
import helmet from 'helmet';
import { Pool } from 'pg';
import path from 'node:path';
import type { PrismaClient } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { ProcessRegistry } from '../lib/process-registry';
import { ApiProblem, apiClient } from './api-client';
import { inboxPage } from './inbox-page';
import { pages, type Render } from './pages';
import { taskPages } from './task-pages';
import { decisionPages } from './decision-pages';
import { IdentityProviderUnavailable, SignInIncomplete, signInPages, type OidcSettings } from './sign-in';
import type { EmailLinkSettings } from './email-sign-in';
import { processPages } from './process-pages';
import { actionPages } from './action-pages';
import type { Grant } from '../lib/identity';
import { startPages } from './start-pages';
import { findPages } from './find-pages';
import { assignmentPages } from './assignment-pages';
import { auditPages } from './audit-pages';
import { peoplePages } from './people-pages';
import { publicPages } from './public-pages';
import { handOverPages } from './hand-over-pages';
import { overviewPages } from './overview-pages';
import { absencePages } from './absence-pages';
import { stylesheet } from './styles';

declare module 'express-session' {
  interface SessionData {
    /** What the last action did, shown once on the next page (GOV.UK's success banner). */
    flash?: string;
    /** Who is signed in: their API token calls the JSON API as them, so the pages follow its rules. */
    person?: {
      userId: string;
      name: string;
      token: string;
      signedInAt: number;
      /** The councils their grants name ('*': every council), and the one the pages show now. */
      councils: { slug: string; name: string }[];
      actingFor: string;
      /** Their role grants when they signed in: what the pages offer (the API decides). */
      grants: Grant[];
      /** The token issued for this session at an identity provider's sign-in, revoked at sign-out. */
      sessionTokenId?: string;
    };
  }
}

export interface WebDependencies {
  prisma: PrismaClient;
  logger: Logger;
  /** Where connect-pg-simple keeps the sessions (the `session` table of the migrations). */
  databaseUrl: string;
  sessionSecret: string;
  /** `Secure` cookies: on, except over plain HTTP on this machine (tests, `npm start`). */
  secureCookies: boolean;
  /** A session ends after this long without a page, and this long after signing in, whichever first. */
  idleMinutes: number;
  absoluteHours: number;
  /** The processes the service runs: the pages name each kind as its definition does. */
  registry: ProcessRegistry;
  /** The JSON API the pages call as the signed-in person: the same routes, rules and audit as any client. */
  apiUrl: () => string;
  /** The council's identity provider; without it people sign in with an API token. */
  oidc?: OidcSettings;
  /** Residents' representatives' sign-in by a link emailed to them; without it they have none. */
  emailLinks?: EmailLinkSettings;
}

/** Where the web service lives beside the JSON API, whose paths stay as they are. */
export const WEB_PATH = '/app';
const GOVUK_DIST = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist', 'govuk');

/**
 * The officers' web service: GOV.UK Design System pages, server-rendered, that work without
 * JavaScript. A person signs in, and each page calls the JSON API as them.
 */
export function webApp(deps: WebDependencies): Router {
  const router = Router();
  const render = pages();
  const api = apiClient(deps.apiUrl);
  const { csrfSynchronisedProtection, generateToken, invalidCsrfTokenError } = csrfSync({
    getTokenFromRequest: (req) => (req.body as { _csrf?: string } | undefined)?._csrf,
  });

  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: { scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], formAction: ["'self'"] },
      },
    }),
  );
  router.use('/assets', assets());
  // Nested names (form[services][0][scope]) for the task forms' repeating rows and groups.
  router.use(express.urlencoded({ extended: true, limit: '256kb', parameterLimit: 2_000 }));
  router.use(sessions(deps, render));
  router.use(csrfSynchronisedProtection);

  const signedIn = (req: Request, res: Response, next: NextFunction) => {
    const person = req.session.person;
    if (person && Date.now() - person.signedInAt <= deps.absoluteHours * 3_600_000) return next();
    // Ended (past its absolute end, or idle so long the store dropped it while the browser kept its
    // cookie) or never begun: a fresh session, and sign in, saying why when it ended.
    const ended = Boolean(person) || (req.headers.cookie ?? '').includes('hg.sid=');
    req.session.regenerate(() => res.redirect(`${WEB_PATH}/sign-in?expired=${ended ? 1 : 0}`));
  };

  router.use(
    signInPages({
      prisma: deps.prisma,
      logger: deps.logger,
      render,
      csrfToken: (req) => generateToken(req),
      webPath: WEB_PATH,
      absoluteHours: deps.absoluteHours,
      ...(deps.oidc ? { oidc: deps.oidc } : {}),
      ...(deps.emailLinks ? { emailLinks: deps.emailLinks } : {}),
    }),
  );

  // The council a person acts for, of those their grants name: the pages show that council's work.
  router.post('/council', signedIn, (req, res) => {
    const person = req.session.person!;
    const chosen = String(req.body?.council ?? '');
    if (person.councils.some((c) => c.slug === chosen)) person.actingFor = chosen;
    res.redirect(`${WEB_PATH}/`);
  });

  const pageDeps = { registry: deps.registry, api, render, signedIn, csrfToken: (req: Request) => generateToken(req), webPath: WEB_PATH };
  router.use(inboxPage(pageDeps));
  router.use(taskPages(pageDeps));
  router.use(decisionPages(pageDeps));
  router.use(assignmentPages(pageDeps));
  router.use(startPages(pageDeps));
  router.use(findPages(pageDeps));
  router.use(actionPages(pageDeps));
  router.use(auditPages(pageDeps));
  router.use(peoplePages(pageDeps));
  router.use(publicPages(pageDeps));
  router.use(handOverPages(pageDeps));
  router.use(overviewPages(pageDeps));
  router.use(absencePages(pageDeps));
  router.use(processPages(pageDeps));

  router.use(problemPages(deps.logger, render, invalidCsrfTokenError));
  return router;
}

/** GOV.UK Frontend's fonts, images and script, and the service's stylesheet and script: before sessions, cached. */
function assets(): Router {
  const router = Router();
  router.get('/app.css', (_req, res) => {
    res.type('text/css').setHeader('Cache-Control', 'public, max-age=3600').send(stylesheet());
  });
  router.get('/app.mjs', (_req, res) => res.sendFile(path.join(__dirname, 'assets', 'app.mjs'), { maxAge: '1h' }));
  router.get('/govuk-frontend.min.js', (_req, res) => res.sendFile(path.join(GOVUK_DIST, 'govuk-frontend.min.js'), { maxAge: '1h' }));
  router.use(express.static(path.join(GOVUK_DIST, 'assets'), { maxAge: '1h', fallthrough: false }));
  return router;
}

/** Sessions in PostgreSQL (connect-pg-simple), and redirects that wait until the session is stored. */
function sessions(deps: WebDependencies, render: Render): RequestHandler[] {
  const PgStore = connectPgSimple(session);
  // Its own small pool: a database restart drops its connections, which it reopens when asked again.
  const pool = new Pool({ connectionString: deps.databaseUrl, max: 4 });
  pool.on('error', (err) => deps.logger.warn({ err }, 'web session store connection lost'));
  const stored = session({
    name: 'hg.sid',
    store: new PgStore({
      pool,
      tableName: 'session',
      createTableIfMissing: false,
      errorLog: (...args: unknown[]) => deps.logger.warn({ args }, 'web session store'),
    }),
    secret: deps.sessionSecret,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, secure: deps.secureCookies, sameSite: 'lax', path: WEB_PATH, maxAge: deps.idleMinutes * 60_000 },
  });
  // express-session sends a response's headers before its store has the session, and a browser
  // follows a redirect on the headers alone: the next page could find no session (signed out at
  // random) or an old one (no confirmation). So a redirect waits for the session to be stored.
  const redirectOnceStored: RequestHandler = (req, res, next) => {
    const redirect = res.redirect.bind(res) as (url: string) => void;
    res.redirect = ((url: string) => {
      if (!req.session) return redirect(url);
      req.session.save((err) => {
        if (!err) return redirect(url);
        deps.logger.warn({ err }, 'web session not stored');
        unavailable(res, render);
      });
    }) as typeof res.redirect;
    next();
  };
  return [stored, redirectOnceStored];
}

const unavailable = (res: Response, render: Render, person?: unknown) =>
  res
    .status(503)
    .setHeader('Retry-After', '5')
    .send(render('problem.njk', { title: 'Sorry, the service is unavailable', detail: 'Try again in a few seconds.', person }));

/** What went wrong, as a page: never a stack trace. */
function problemPages(logger: Logger, render: Render, invalidCsrfTokenError: unknown): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    void next;
    const person = req.session?.person;
    const problem = (status: number, title: string, detail?: string) =>
      res.status(status).send(render('problem.njk', { title, detail, person }));
    // A form from another site, or from a session that has ended: nothing it asked for was done.
    if (err === invalidCsrfTokenError)
      return problem(403, 'This form has expired', 'Nothing was changed. Go back, reload the page and try again.');
    // The person's token refused (revoked, or their session's token expired): they sign in again.
    if (err instanceof ApiProblem && err.status === 401 && req.session)
      return req.session.regenerate(() => res.redirect(`${WEB_PATH}/sign-in?expired=1`));
    if (err instanceof ApiProblem && (err.status === 404 || err.status === 403))
      return problem(err.status, err.status === 404 ? 'Page not found' : 'You cannot do this', err.message);
    if (err instanceof SignInIncomplete) {
      // The provider said no (the person cancelled, or the code was used or stale): nothing was signed in.
      logger.warn({ err }, 'sign-in at the identity provider did not complete');
      return problem(400, 'Sign in did not complete', 'Go back to sign in and try again.');
    }
    // The API busy (its rate limit or query bound) or down, or the identity provider down: try again shortly.
    if ((err instanceof ApiProblem && [429, 503].includes(err.status)) || err instanceof IdentityProviderUnavailable)
      return unavailable(res, render, person);
    logger.error({ err, path: req.path }, 'web page failed');
    problem(500, 'Sorry, there is a problem with the service');
  };
}
