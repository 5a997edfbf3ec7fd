import { Router, type NextFunction, type Request, type Response } from 'express';
import * as oidc from 'openid-client';
import { ANY_COUNCIL, authenticate, issueToken, revokeToken, userBySignInSubject, type Principal } from '../lib/identity';
import type { PrismaClient } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { Render } from './pages';
import { emailSignInPages, type EmailLinkSettings } from './email-sign-in';

/** The council's identity provider, from OIDC_* (see lib/config.ts). */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** The ID token claim matched against AppUser.signInSubject (Entra ID: `oid`). */
  subjectClaim: string;
}

/** The identity provider did not answer (discovery or the code exchange): the page says try again. */
export class IdentityProviderUnavailable extends Error {}
/** The provider's answer was a refusal or did not pass the checks (cancelled, stale, state or nonce wrong). */
export class SignInIncomplete extends Error {}

/** Who the session is for, the councils their grants name ('*': every council) by name, and the one they act for. */
export async function personOf(prisma: PrismaClient, principal: Principal, token: string, sessionTokenId?: string) {
  const slugs = [...new Set(principal.grants.map((g) => g.council))].sort((a, b) =>
    a === ANY_COUNCIL ? -1 : b === ANY_COUNCIL ? 1 : a.localeCompare(b),
  );
  const named = new Map(
    (await prisma.council.findMany({ where: { slug: { in: slugs } }, select: { slug: true, name: true } })).map((c) => [c.slug, c.name]),
  );
  const councils = slugs.map((slug) => ({ slug, name: slug === ANY_COUNCIL ? 'All councils' : (named.get(slug) ?? slug) }));
  return {
    userId: principal.userId,
    name: principal.displayName,
    token,
    signedInAt: Date.now(),
    councils,
    actingFor: councils[0]?.slug ?? ANY_COUNCIL,
    // What the pages offer follows these; the API checks them again on every call.
    grants: principal.grants,
    ...(sessionTokenId ? { sessionTokenId } : {}),
  };
}

/**
 * Signing in and out. With the council's identity provider configured: OpenID Connect, authorisation
 * code with PKCE, the person found by the provider's stable claim, and an API token issued for the
 * session alone (it ends with the session, and is revoked at sign-out), so every page still calls
 * the API as that person. Without it: the person's own API token, from the admin command.
 */
export function signInPages(deps: {
  prisma: PrismaClient;
  logger: Logger;
  render: Render;
  csrfToken: (req: Request) => string;
  webPath: string;
  absoluteHours: number;
  oidc?: OidcSettings;
  /** Residents' representatives sign in with a one-time link sent to their email address. */
  emailLinks?: EmailLinkSettings;
}): Router {
  const { prisma, render, csrfToken, webPath } = deps;
  const router = Router();
  const provider = deps.oidc ? identityProvider(deps.oidc) : undefined;

  const begin = (req: Request, res: Response, next: NextFunction, principal: Principal, token: string, sessionTokenId?: string) =>
    // A new session id at sign-in, so one fixed before it cannot be used after.
    personOf(prisma, principal, token, sessionTokenId)
      .then((person) =>
        req.session.regenerate((err) => {
          if (err) return next(err);
          req.session.person = person;
          res.redirect(`${webPath}/`);
        }),
      )
      .catch(next);

  /** A session for a person who proved who they are elsewhere (the identity provider, an emailed link), with a token of its own. */
  const sessionFor = async (userId: string, req: Request, res: Response, next: NextFunction) => {
    const expiresAt = new Date(Date.now() + deps.absoluteHours * 3_600_000);
    const { token, tokenId } = await issueToken(prisma, userId, 'web session', expiresAt);
    const principal = await authenticate(prisma, token);
    if (!principal) throw new Error('a token just issued did not authenticate');
    return begin(req, res, next, principal, token, tokenId);
  };
  if (deps.emailLinks) router.use(emailSignInPages({ ...deps, emailLinks: deps.emailLinks, sessionFor }));

  router.get('/sign-in', (req, res) => {
    res.send(
      render('sign-in.njk', {
        csrfToken: csrfToken(req),
        expired: req.query.expired === '1',
        withProvider: Boolean(provider),
        withEmailLinks: Boolean(deps.emailLinks),
      }),
    );
  });

  if (!provider) {
    router.post('/sign-in', (req, res, next) => {
      const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
      authenticate(prisma, token)
        .then((principal) => {
          if (principal) return begin(req, res, next, principal, token);
          res.status(400).send(
            render('sign-in.njk', {
              csrfToken: csrfToken(req),
              error: token ? 'Enter an API token that is in use' : 'Enter your API token',
              withEmailLinks: Boolean(deps.emailLinks),
            }),
          );
        })
        .catch(next);
    });
  } else {
    router.get('/sign-in/start', (req, res, next) => {
      provider
        .authorisationUrl()
        .then(({ url, checks }) => {
          req.session.signingIn = checks;
          res.redirect(url);
        })
        .catch(next);
    });
    router.get('/sign-in/callback', (req, res, next) => {
      const checks = req.session.signingIn;
      delete req.session.signingIn;
      // Back from the provider without having started here (an old tab, a forged link): start again.
      if (!checks) return res.redirect(`${webPath}/sign-in`);
      provider
        .subjectOf(req.originalUrl, checks)
        .then(async (subject) => {
          const user = subject ? await userBySignInSubject(prisma, subject) : null;
          if (!user) {
            deps.logger.warn({ subject }, 'signed in at the identity provider, but no user of ours has that sign-in');
            res.status(403).send(
              render('problem.njk', {
                title: 'Your account is not set up for this service',
                detail: 'Ask the service’s administrator to link your council account to a user with the roles you need.',
              }),
            );
            return;
          }
          return sessionFor(user.id, req, res, next);
        })
        .catch(next);
    });
  }

  router.post('/sign-out', (req, res, next) => {
    const sessionTokenId = req.session.person?.sessionTokenId;
    (sessionTokenId ? revokeToken(prisma, sessionTokenId) : Promise.resolve())
      .then(() =>
        req.session.destroy((err) => (err ? next(err) : res.clearCookie('hg.sid', { path: webPath }).redirect(`${webPath}/sign-in`))),
      )
      .catch(next);
  });
  return router;
}

interface SigningIn {
  codeVerifier: string;
  state: string;
  nonce: string;
}

declare module 'express-session' {
  interface SessionData {
    /** The PKCE verifier, state and nonce of a sign-in under way at the identity provider. */
    signingIn?: SigningIn;
  }
}

/** The provider's configuration, discovered once; a failed discovery is tried again at the next sign-in. */
function identityProvider(settings: OidcSettings) {
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    discovered ??= oidc
      .discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined, {
        // Plain HTTP only for a provider on this machine (the tests' oidc-provider); councils' are HTTPS.
        ...(new URL(settings.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
        timeout: 10,
      })
      .catch((err: unknown) => {
        discovered = undefined;
        throw new IdentityProviderUnavailable(`the identity provider at ${settings.issuer} did not answer: ${String(err)}`);
      });
    return discovered;
  };
  return {
    async authorisationUrl(): Promise<{ url: string; checks: SigningIn }> {
      const config = await configuration();
      const checks = { codeVerifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: 'openid profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
        state: checks.state,
        nonce: checks.nonce,
      });
      return { url: url.href, checks };
    },
    /** The person's stable claim, once the code is exchanged and the ID token checked; undefined if absent. */
    async subjectOf(originalUrl: string, checks: SigningIn): Promise<string | undefined> {
      const config = await configuration();
      // The callback as registered, with the query the provider sent: never the request's Host header.
      const current = new URL(settings.redirectUri);
      current.search = new URL(originalUrl, 'http://callback').search;
      const tokens = await oidc
        .authorizationCodeGrant(config, current, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
        })
        .catch((err: unknown) => {
          // fetch's own failure is the network; anything else is the answer or its checks.
          if (err instanceof TypeError) throw new IdentityProviderUnavailable(`the identity provider did not answer: ${err.message}`);
          throw new SignInIncomplete(err instanceof Error ? err.message : String(err));
        });
      const value = tokens.claims()?.[settings.subjectClaim];
      return typeof value === 'string' && value !== '' ? value : undefined;
    },
  };
}
