import type { Express } from 'express';
import { request } from 'node:http';
import fc from 'fast-check';
import { STORABLE_TEXT_PATTERN, unstorableText } from '../lib/text';
import { createApp } from '../api/app';
import { createLogger } from '../lib/logger';
import { callApi, startTestStack, type TestStack } from './support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every method and path Express would answer, found by walking its router, not from our route list. */
function mountedRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (layers: Layer[]) => {
    for (const layer of layers) {
      if (layer.route)
        for (const method of Object.keys(layer.route.methods))
          found.push(`${method} ${layer.route.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found.sort();
}

describe('the OpenAPI description at /openapi.json', () => {
  it('is OpenAPI 3.1, served without a token', async () => {
    const response = await callApi<{ openapi: string; paths: object }>(stack.baseUrl, 'GET', '/openapi.json');

    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
  });

  it('describes exactly the routes the API answers', async () => {
    const { body } = await callApi<{ paths: Record<string, Record<string, unknown>> }>(stack.baseUrl, 'GET', '/openapi.json');
    const documented = Object.entries(body.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    const app = createApp({
      client: stack.client,
      prisma: stack.prisma,
      logger: createLogger('test', 'silent'),
      taskQueue: stack.taskQueue,
    });

    expect(documented).toEqual(mountedRoutes(app));
    expect(documented).toEqual(
      expect.arrayContaining(['post /tasks/{id}/complete', 'get /tasks', 'get /processes/{id}/timeline', 'get /documents/{id}']),
    );
  });

  it('gives the request body of a route the schema the route validates with', async () => {
    const { body } = await callApi<{
      paths: Record<
        string,
        Record<
          string,
          { requestBody?: { content: Record<string, { schema: { required?: string[]; properties?: Record<string, unknown> } }> } }
        >
      >;
    }>(stack.baseUrl, 'GET', '/openapi.json');
    const complete = body.paths['/tasks/{id}/complete']?.post?.requestBody?.content['application/json']?.schema;

    expect(complete?.required).toEqual(['outcome']);
    expect(Object.keys(complete?.properties ?? {}).sort()).toEqual(['attachments', 'form', 'outcome', 'reasons']);
  });

  it("documents each task kind's form as a component, and the completion body points at them", async () => {
    type Schema = { required?: string[]; properties?: Record<string, { anyOf?: { $ref: string }[] }> };
    const { body } = await callApi<{
      components: { schemas: Record<string, Schema> };
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>;
    }>(stack.baseUrl, 'GET', '/openapi.json');
    const forms = body.components.schemas;

    expect(forms['TaskForm.lma.appoint_adviser']?.required?.sort()).toEqual(['adviserName', 'adviserUserId']);
    expect(forms['TaskForm.lma.reply_to_outline_plan.accept']?.required).toEqual(['indicativePayments']);
    // The fixture process the tests register has its forms documented too: nothing in the API names a kind.
    expect(forms['TaskForm.permit.inspect_works']?.required).toEqual(['finding']);
    const refs =
      body.paths['/tasks/{id}/complete']?.post?.requestBody?.content['application/json']?.schema.properties?.form?.anyOf?.map(
        (ref) => ref.$ref,
      ) ?? [];
    expect(refs.sort()).toEqual(
      Object.keys(forms)
        .map((id) => `#/components/schemas/${id}`)
        .sort(),
    );
  });

  it("states the edge's storable-text rule in its patterns: text a pattern allows is text the edge accepts, and no other", () => {
    const patterns = {
      multiLine: new RegExp(STORABLE_TEXT_PATTERN.multiLine, 'u'),
      oneLine: new RegExp(STORABLE_TEXT_PATTERN.oneLine, 'u'),
    };
    const loneSurrogate = /\p{Cs}/u;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), fc.boolean(), (text, multiLine) => {
        // Left out of the patterns (JSON Schema's engines cannot name them); the edge refuses them.
        fc.pre(!loneSurrogate.test(text));
        expect(patterns[multiLine ? 'multiLine' : 'oneLine'].test(text)).toBe(unstorableText(text, { multiLine }) === undefined);
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives every text field of a body, a path and a query the storable-text pattern', async () => {
    type Schema = { pattern?: string; allOf?: { pattern?: string }[]; properties?: Record<string, Schema> };
    const { body } = await callApi<{
      paths: Record<
        string,
        Record<string, { parameters: { name: string; schema: Schema }[]; requestBody?: { content: Record<string, { schema: Schema }> } }>
      >;
    }>(stack.baseUrl, 'GET', '/openapi.json');
    const withdraw = body.paths['/processes/{id}/withdraw']?.post;
    const tasks = body.paths['/tasks']?.get;
    // A field with a pattern of its own keeps it and gets the rule beside it.
    const patternsOf = (schema?: Schema) => [schema?.pattern, ...(schema?.allOf ?? []).map((part) => part.pattern)];

    expect(patternsOf(withdraw?.requestBody?.content['application/json']?.schema.properties?.reasons)).toContain(
      STORABLE_TEXT_PATTERN.multiLine,
    );
    expect(patternsOf(tasks?.parameters.find((p) => p.name === 'assignee')?.schema)).toEqual([STORABLE_TEXT_PATTERN.oneLine]);
    expect(patternsOf(withdraw?.parameters.find((p) => p.name === 'id')?.schema)).toEqual([
      expect.stringMatching(/~|:/),
      STORABLE_TEXT_PATTERN.oneLine,
    ]);
  });

  it('answers a method a path does not take with 405 and the methods it does', async () => {
    // fetch will not send TRACE; Node's own client will.
    const trace = await new Promise<{ status?: number; allow?: string }>((resolve, reject) => {
      request(`${stack.baseUrl}/processes`, { method: 'TRACE' }, (res) => {
        res.resume();
        resolve({ status: res.statusCode, allow: String(res.headers.allow) });
      })
        .on('error', reject)
        .end();
    });
    const deleted = await fetch(`${stack.baseUrl}/processes/lma:x:y`, { method: 'DELETE' });

    expect(trace).toEqual({ status: 405, allow: 'GET, HEAD, POST' });
    expect(deleted.status).toBe(405);
    expect(deleted.headers.get('allow')).toBe('GET, HEAD');
    expect(deleted.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await fetch(`${stack.baseUrl}/no-such-path`, { method: 'DELETE' })).status).toBe(404);
  });
});
