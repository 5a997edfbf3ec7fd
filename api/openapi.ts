import { z } from 'zod';
import type { AnyRoute } from './route-spec';

const problem = {
  'application/problem+json': {
    schema: {
      type: 'object',
      properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' }, requestId: { type: 'string' } },
      required: ['type', 'title', 'status'],
    },
  },
};
const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');

function parameters(spec: AnyRoute) {
  const of = (where: 'path' | 'query', schema?: z.ZodObject<z.ZodRawShape>) =>
    Object.entries(schema?.shape ?? {}).map(([name, field]) => ({
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      schema: jsonSchema(field as z.ZodType),
    }));
  return [...of('path', spec.params), ...of('query', spec.query)];
}

const requestBody = (body: z.ZodType | undefined) =>
  body ? { requestBody: { required: !body.safeParse(undefined).success, content: { 'application/json': { schema: jsonSchema(body) } } } } : {};

/** The OpenAPI 3.1 description of the API, written from the same route list and schemas it runs on; `schemas` become components. */
export function openApiDocument(routes: AnyRoute[], schemas: Record<string, z.ZodType> = {}) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    const responses = Object.fromEntries(
      Object.entries(spec.responses).map(([status, response]) => [
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
      responses: { ...responses, ...(spec.public ? {} : { 401: { description: 'no valid bearer token', content: problem } }) },
      security: spec.public ? [] : [{ bearer: [] }],
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'housing-governance', version: '0.1.0', description: 'Governance processes of UK social housing as durable workflows.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token issued with `npm run admin -- token`' } },
      schemas: Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, jsonSchema(schema)])),
    },
    paths,
  };
}
