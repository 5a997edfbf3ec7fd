import type { NextFunction, Request, Response } from 'express';
import nunjucks from 'nunjucks';
import path from 'node:path';
import type { ProcessRegistry } from '../lib/process-registry';
import { ApiProblem, type ApiClient } from './api-client';
import { dateTimeInWords } from '../workflows/common/format';
import { labelOf } from './forms';
import { inPounds } from './words';
import { holdsFor } from './action-pages';
import { isScoped, type Role } from '../workflows/common/roles';

const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/** Renders a page: the service's views, then GOV.UK Frontend's and MOJ Frontend's components. Autoescaped. */
export function pages() {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([
      path.join(__dirname, 'views'),
      path.join(packageDir('govuk-frontend'), 'dist'),
      packageDir('@ministryofjustice/frontend'),
      // A process kind's optional summary for its page: workflows/<kind>/summary.njk.
      path.join(__dirname, '..', 'workflows'),
    ]),
    { autoescape: true, throwOnUndefined: false },
  );
  // MOJ's timeline dates its items through these filters: London time, in words.
  env.addFilter('date', (timestamp: string) => dateTimeInWords(timestamp));
  env.addFilter('mojDate', (timestamp: string) => dateTimeInWords(timestamp));
  env.addFilter('pounds', (pence: number) => inPounds(pence));
  env.addFilter('label', (key: string) => labelOf(key));
  return (view: string, context: Record<string, unknown>): string => {
    const person = context.person as { grants?: { role: string }[] } | undefined;
    // The roles the layout's navigation offers pages for.
    const personRoles = [...new Set((person?.grants ?? []).map((g) => g.role))];
    const grants = person?.grants ?? [];
    return env.render(view, {
      ...context,
      personRoles,
      councilOfficer: isCouncilOfficer(grants),
      outsider: outsiderWords(grants),
      webPath: '/app',
    });
  };
}

/** Renders a view with its context (see `pages`). */
export type Render = (view: string, context: Record<string, unknown>) => string;

/** What every group of pages is built with: the processes, the API as the person, rendering, sign-in and CSRF. */
export interface PageDeps {
  registry: ProcessRegistry;
  api: ApiClient;
  render: Render;
  /** Lets a signed-in person through; sends anyone else to sign in. */
  signedIn: (req: Request, res: Response, next: NextFunction) => void;
  csrfToken: (req: Request) => string;
  webPath: string;
}

/** What the last action did, shown once: read and cleared (GOV.UK's success banner on the next page). */
export function takeFlash(req: Request): string | undefined {
  const flash = req.session.flash;
  delete req.session.flash;
  return flash;
}

/**
 * Passes a file the API answered with on to the browser: its type, hash and name (`download`, to save
 * it rather than show it). A refusal is the problem page, as any other.
 */
export async function passOn(res: Response, response: globalThis.Response, download?: string): Promise<void> {
  if (!response.ok) throw new ApiProblem(response.status, (await response.json()) as ApiProblem['problem']);
  for (const header of ['content-type', 'content-disposition', 'etag', 'x-content-sha256']) {
    const value = response.headers.get(header);
    if (value) res.setHeader(header, value);
  }
  if (download) res.attachment(download);
  res.send(Buffer.from(await response.arrayBuffer()));
}

/**
 * Lets through a person holding one of `roles` in the council they act for; anyone else gets a page
 * saying who the pages are for (the API refuses them too).
 */
export function onlyFor(deps: Pick<PageDeps, 'render' | 'csrfToken'>, roles: readonly Role[], forWhom: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const person = req.session.person!;
    if (roles.some((role) => holdsFor(person.grants ?? [], role, person.actingFor))) return next();
    res.status(403).send(
      deps.render('problem.njk', {
        person,
        csrfToken: deps.csrfToken(req),
        title: 'You cannot do this',
        detail: `These pages are for ${forWhom}.`,
      }),
    );
  };
}

/**
 * Whether someone acts as a council officer: any role besides the scoped ones. Someone whose only roles
 * are scoped (a residents' group's representative, a partner organisation's officer) is not, and the
 * pages speak to them so.
 */
export const isCouncilOfficer = (grants: { role: string }[]): boolean => grants.length === 0 || grants.some((g) => !isScoped(g.role));

/** How the pages name whom such a person acts for: their residents' group, or their organisation (a partner's). */
const outsiderWords = (grants: { role: string }[]) =>
  grants.every((g) => g.role === 'partner')
    ? { tasks: 'Your organisation’s tasks', for: 'Your organisation', whose: 'organisation', seesProcesses: false }
    : { tasks: 'Your group’s tasks', for: 'Your residents’ group', whose: 'group', seesProcesses: true };
