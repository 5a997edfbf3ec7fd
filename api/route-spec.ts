import { Router, type Request, type Response } from 'express';
import { type z } from 'zod';
import type { Principal } from '../lib/identity';
import { findUnstorableText } from '../lib/text';
import { fieldProblem, HttpProblem, validationProblem } from './problem';

type Method = 'get' | 'post' | 'put';
type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface ResponseSpec {
  description: string;
  /** JSON body schema; omit for problem responses and files. */
  schema?: z.ZodType;
  /** For non-JSON bodies, e.g. application/pdf. */
  contentType?: string;
}

export interface RouteInput<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  req: Request;
  res: Response;
  params: z.infer<P>;
  query: z.infer<Q>;
  body: z.infer<B>;
  /** The authenticated user; routes with `public: true` get none. */
  principal: Principal;
  /** For a route whose token is optional: authenticates the caller when the handler needs to know who it is. */
  authenticate(): Promise<Principal>;
}

/**
 * One route: its HTTP shape (the zod schemas it validates with) and its handler. The same list mounts
 * the Express routes and writes /openapi.json, so the two cannot drift apart.
 */
export interface RouteSpec<P extends AnyObject = AnyObject, Q extends AnyObject = AnyObject, B extends z.ZodType = z.ZodType> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  public?: boolean;
  /** Answers some requests without a token (a public document) and asks for one for the rest: the handler authenticates when it must. */
  tokenOptional?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** What the API description shows for the body where the handler checks it itself (forms per task, commands per process kind). */
  documentedBody?: z.ZodType;
  responses: Record<number, ResponseSpec>;
  handler(input: RouteInput<P, Q, B>): Promise<void> | void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list of routes with different schemas
export type AnyRoute = RouteSpec<any, any, any>;

/** Declares a route, inferring the handler's input types from its schemas. */
export function route<
  P extends AnyObject = z.ZodObject<Record<string, never>>,
  Q extends AnyObject = z.ZodObject<Record<string, never>>,
  B extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec;
}

/** Refuses text no part of the service can store or send (NUL, lone surrogates, controls), naming the field. */
function refuseUnstorableText(value: unknown, where: 'path' | 'query' | 'body'): void {
  // Line breaks are kept in bodies (reasons, plans); a name field refuses them in its own schema.
  const found = findUnstorableText(value, { multiLine: where === 'body' });
  if (found) throw fieldProblem(where, found.path, 'unstorable_text', found.message);
}

function parse<S extends z.ZodType>(schema: S | undefined, value: unknown, where: 'path' | 'query' | 'body'): z.infer<S> {
  if (!schema) return undefined as z.infer<S>;
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationProblem(where, result.error);
  return result.data;
}

/** Mounts routes on a router: authentication (unless public), then path, query and body validation. */
export function mountRoutes(routes: AnyRoute[], authenticate: (req: Request, res: Response) => Promise<Principal>): Router {
  const router = Router();
  for (const spec of routes) {
    router[spec.method](spec.path, async (req, res) => {
      refuseUnstorableText(req.params, 'path');
      refuseUnstorableText(req.query, 'query');
      refuseUnstorableText(req.body, 'body');
      const principal = spec.public || spec.tokenOptional ? (undefined as unknown as Principal) : await authenticate(req, res);
      const params = parse(spec.params, req.params, 'path');
      const query = parse(spec.query, req.query, 'query');
      const body = parse(spec.body, req.body, 'body');
      await spec.handler({ req, res, params, query, body, principal, authenticate: () => authenticate(req, res) });
    });
  }
  return router;
}

export const notFound = (what: string, id: string) =>
  new HttpProblem(404, `${what}-not-found`, `No such ${what}`, `no ${what} has the id ${id}`);
