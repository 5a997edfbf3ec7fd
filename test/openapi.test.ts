import type { Express } from 'express';
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
      if (layer.route) for (const method of Object.keys(layer.route.methods)) found.push(`${method} ${layer.route.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`);
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
    const app = createApp({ client: stack.client, prisma: stack.prisma, logger: createLogger('test', 'silent'), taskQueue: stack.taskQueue });

    expect(documented).toEqual(mountedRoutes(app));
    expect(documented).toEqual(expect.arrayContaining(['post /tasks/{id}/complete', 'get /tasks', 'get /processes/{id}/timeline', 'get /documents/{id}']));
  });

  it('gives the request body of a route the schema the route validates with', async () => {
    const { body } = await callApi<{ paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[]; properties?: Record<string, unknown> } }> } }>> }>(
      stack.baseUrl,
      'GET',
      '/openapi.json',
    );
    const complete = body.paths['/tasks/{id}/complete']?.post?.requestBody?.content['application/json']?.schema;

    expect(complete?.required).toEqual(['outcome']);
    expect(Object.keys(complete?.properties ?? {}).sort()).toEqual(['attachments', 'form', 'outcome', 'reasons']);
  });

  it("documents each task kind's form as a component, and the completion body points at them", async () => {
    type Schema = { required?: string[]; properties?: Record<string, { anyOf?: { $ref: string }[] }> };
    const { body } = await callApi<{ components: { schemas: Record<string, Schema> }; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>> }>(
      stack.baseUrl,
      'GET',
      '/openapi.json',
    );
    const forms = body.components.schemas;

    expect(forms['TaskForm.lma.appoint_adviser']?.required?.sort()).toEqual(['adviserName', 'adviserUserId']);
    expect(forms['TaskForm.lma.reply_to_outline_plan.accept']?.required).toEqual(['indicativePayments']);
    // The fixture process the tests register has its forms documented too: nothing in the API names a kind.
    expect(forms['TaskForm.permit.inspect_works']?.required).toEqual(['finding']);
    const refs = body.paths['/tasks/{id}/complete']?.post?.requestBody?.content['application/json']?.schema.properties?.form?.anyOf?.map((ref) => ref.$ref) ?? [];
    expect(refs.sort()).toEqual(Object.keys(forms).map((id) => `#/components/schemas/${id}`).sort());
  });
});
