import { z } from 'zod';
import { STORABLE_TEXT_PATTERN as STORABLE_TEXT } from '../lib/text';
import type { AnyRoute, ResponseSpec } from './route-spec';

const problem = {
  'application/problem+json': {
    schema: {
      type: 'object',
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        instance: { type: 'string' },
        requestId: { type: 'string' },
      },
      required: ['type', 'title', 'status'],
    },
  },
};
type JsonSchema = Record<string, unknown>;

/**
 * Adds the edge's storable-text rule (lib/text.ts) to every string, and every object's property names,
 * of a JSON Schema: what a client's generated code needs to know is refused.
 */
function withStorableText(node: unknown, pattern: string): void {
  if (Array.isArray(node)) return node.forEach((item) => withStorableText(item, pattern));
  if (!node || typeof node !== 'object') return;
  const schema = node as JsonSchema;
  if (schema.type === 'string' && schema.enum === undefined && schema.const === undefined && schema.format === undefined) {
    if (schema.pattern === undefined) schema.pattern = pattern;
    else schema.allOf = [...((schema.allOf as unknown[] | undefined) ?? []), { pattern }];
  }
  if (schema.type === 'object' && schema.additionalProperties !== false && schema.propertyNames === undefined)
    schema.propertyNames = { pattern: STORABLE_TEXT.oneLine };
  for (const [key, value] of Object.entries(schema)) if (key !== 'allOf' || schema.type !== 'string') withStorableText(value, pattern);
}

const jsonSchema = (schema: z.ZodType, storable?: string): JsonSchema => {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonSchema;
  if (storable) withStorableText(json, storable);
  return json;
};
const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');

function parameters(spec: AnyRoute) {
  const of = (where: 'path' | 'query', schema?: z.ZodObject<z.ZodRawShape>) =>
    Object.entries(schema?.shape ?? {}).map(([name, field]) => ({
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      schema: jsonSchema(field as z.ZodType, STORABLE_TEXT.oneLine),
    }));
  return [...of('path', spec.params), ...of('query', spec.query)];
}

const requestBody = (body: z.ZodType | undefined) =>
  body
    ? {
        requestBody: {
          required: !body.safeParse(undefined).success,
          content: { 'application/json': { schema: jsonSchema(body, STORABLE_TEXT.multiLine) } },
        },
      }
    : {};

/**
 * What any route can answer besides its own outcomes: a refused path, query or body (400; bodies too
 * large, 413), and for a route behind a token, no token (401), a role that does not allow it (403), too
 * many requests (429) and a dependency down (503, with Retry-After); a route with an id, 404.
 */
function commonResponses(spec: AnyRoute): Record<number, ResponseSpec> {
  const statuses: Record<number, ResponseSpec> = {
    400: { description: 'the path, query or body is not valid (problem+json naming the field)' },
  };
  if (spec.documentedBody ?? spec.body) statuses[413] = { description: 'the body is too large' };
  if (spec.params) statuses[404] = { description: 'nothing with that id, or nothing the caller may see' };
  if (!spec.public) {
    statuses[401] = { description: 'no valid bearer token' };
    statuses[403] = { description: 'the caller holds no role that allows this' };
    statuses[429] = { description: 'too many requests for this token; try again after Retry-After' };
    statuses[503] = { description: 'a service it needs is down or busy; try again after Retry-After' };
  }
  return statuses;
}

/** The OpenAPI 3.1 description of the API, written from the same route list and schemas it runs on; `schemas` become components. */
export function openApiDocument(routes: AnyRoute[], schemas: Record<string, z.ZodType> = {}) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    const responses = Object.fromEntries(
      Object.entries<ResponseSpec>({ ...commonResponses(spec), ...spec.responses }).map(([status, response]) => [
        status,
        {
          description: response.description,
          content: response.schema
            ? { 'application/json': { schema: jsonSchema(response.schema) } }
            : response.contentType
              ? { [response.contentType]: { schema: { type: 'string', format: 'binary' } } }
              : Number(status) >= 400
                ? problem
                : undefined,
        },
      ]),
    );
    (paths[openApiPath(spec.path)] ??= {})[spec.method] = {
      summary: spec.summary,
      tags: [spec.tag],
      parameters: parameters(spec),
      ...requestBody(spec.documentedBody ?? spec.body),
      responses,
      // A token-optional route: no token, or a bearer token (OpenAPI's empty requirement is "none").
      security: spec.public ? [] : spec.tokenOptional ? [{}, { bearer: [] }] : [{ bearer: [] }],
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'housing-governance', version: '0.1.0', description: 'Governance processes of UK social housing as durable workflows.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token issued with `npm run admin -- token`' } },
      schemas: Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, jsonSchema(schema, STORABLE_TEXT.multiLine)])),
    },
    paths,
  };
}
