import { Router } from 'express';
import { ApiProblem } from './api-client';
import { passOn, type PageDeps } from './pages';

interface Published {
  id: string;
  title: string;
  kind: string;
  version: number;
  sha256: string;
  publishedAt: string;
  process: { processId: string; kind: string; title: string };
}

/**
 * The public pages, for anyone without signing in: per council, what its processes have published (the
 * documents a step marked public), each with its SHA-256 to check a copy against. Read from the API's
 * public routes, with no token, so nothing else can show here.
 */
export function publicPages(deps: PageDeps): Router {
  const { api, render, webPath } = deps;
  const router = Router();

  router.get('/public', (req, res, next) => {
    api
      .anyone<{ councils: { slug: string; name: string; documents: number }[] }>('/published')
      .then(({ councils }) =>
        res.send(
          render('public-councils.njk', {
            councils: councils.map((c) => ({ ...c, href: `${webPath}/public/${encodeURIComponent(c.slug)}` })),
          }),
        ),
      )
      .catch(next);
  });

  router.get('/public/documents/:id', (req, res, next) => {
    api
      .raw('', `/documents/${encodeURIComponent(String(req.params.id))}`)
      // A document no step marked public asks for a token: to anyone here it does not exist.
      .then((response) =>
        response.ok ? passOn(res, response) : Promise.reject(new ApiProblem(404, { detail: 'No such published document.' })),
      )
      .catch(next);
  });

  router.get('/public/:council', (req, res, next) => {
    api
      .anyone<{ council: { slug: string; name: string }; items: Published[] }>(
        `/published/${encodeURIComponent(String(req.params.council))}`,
      )
      .then(({ council, items }) =>
        res.send(
          render('public-council.njk', {
            council,
            items: items.map((d) => ({
              ...d,
              href: `${webPath}/public/documents/${encodeURIComponent(d.id)}`,
            })),
          }),
        ),
      )
      // A council slug the API refuses is no page.
      .catch((err: unknown) =>
        next(err instanceof ApiProblem && err.status === 400 ? new ApiProblem(404, { detail: 'No such council.' }) : err),
      );
  });

  return router;
}
