import fc from 'fast-check';
import type { z } from 'zod';
import { apiRoutes } from '../api/app';
import { adviserTask, appointment, lmaCast, startLma, type LmaCast } from './support/lma';
import { completeTask } from './support/tasks';
import { TEST_PROCESSES } from './support/registry';
import { UNLIMITED, callApi, startTestStack, type TestStack, type TestUser } from './support/stack';
import { recordsRendered } from './support/documents';

// Generated requests to every route the API describes: ids real and made up, queries and bodies with
// the fields the route knows and others, text with NUL, lone surrogates, controls and bidi overrides.
// Whatever comes in, the answer is never a 5xx, and every refusal is problem+json.

let stack: TestStack;
let cast: LmaCast;
let baseUrl: string;
let close: () => void;
const known: { processId: string; taskId: string; documentId: string; council: string } = {
  processId: '',
  taskId: '',
  documentId: '',
  council: '',
};
beforeAll(async () => {
  stack = await startTestStack();
  cast = await lmaCast(stack);
  ({ baseUrl, close } = await stack.api({ rateLimit: UNLIMITED }));
  known.processId = await startLma(stack, cast);
  known.taskId = await adviserTask(stack, known.processId, cast.housingManager);
  // A second process, decided by its own council's officer, so there is a real document to ask for
  // while the first process's task stays open.
  const otherCast = await lmaCast(stack);
  const other = await startLma(stack, otherCast);
  const decided = await completeTask(
    stack,
    await adviserTask(stack, other, otherCast.housingManager),
    otherCast.housingManager,
    appointment,
  );
  expect(decided.status).toBe(200);
  // Its decision record, rendered just after the decision.
  await recordsRendered(stack, other);
  known.documentId = (await stack.prisma.document.findFirstOrThrow({ where: { processId: other }, select: { id: true } })).id;
  expect((await stack.prisma.task.findUniqueOrThrow({ where: { id: known.taskId } })).status).toBe('open');
  known.council = cast.council;
});
afterAll(async () => {
  close();
  await stack.stop();
});

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    'a\u0000b',
    '\ud800',
    'x\udfff',
    '\u0007bell',
    '\u202Eevil',
    'line\nbreak',
    '../../etc/passwd',
    "'; DROP TABLE task; --",
    '%00',
    'é'.repeat(300),
  ),
  fc.string({ maxLength: 20 }),
);
const jsonish: fc.Arbitrary<unknown> = fc.oneof(hostileText, fc.jsonValue({ maxDepth: 2 }), fc.integer(), fc.constant(null));

const shapeKeys = (schema: z.ZodType | undefined): string[] => {
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
};

/** Percent-encodes as a client may: a lone surrogate (which encodeURIComponent refuses) as its raw three bytes. */
const encodeSegment = (value: string): string =>
  [...value]
    .map((char) => {
      const unit = char.charCodeAt(0);
      if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff)
        return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
          .map((b) => `%${b.toString(16).toUpperCase()}`)
          .join('');
      return encodeURIComponent(char);
    })
    .join('');

function pathFor(template: string, values: Record<string, string>): string {
  return template.replace(/:(\w+)/g, (_, name: string) => encodeSegment(values[name] ?? 'x'));
}

describe('every route, with generated input', () => {
  const routes = apiRoutes({ client: undefined as never, prisma: undefined as never, taskQueue: 'fuzz', registry: TEST_PROCESSES }).filter(
    (route) => route.path !== '/openapi.json',
  );

  it('covers every route of the API description', () => {
    expect(routes.length).toBeGreaterThan(20);
  });

  for (const route of routes) {
    it(`${route.method.toUpperCase()} ${route.path} answers no 5xx and refuses in problem+json`, async () => {
      const params = (route.path.match(/:(\w+)/g) ?? []).map((p) => p.slice(1));
      const realIds = () => fc.constantFrom(known.processId, known.taskId, known.documentId, known.council, 'lma:none:none:none');
      const queryKeys = shapeKeys(route.query);
      const bodyKeys = [...new Set([...shapeKeys(route.body), ...shapeKeys(route.documentedBody)])];
      const who: TestUser[] = [cast.programmeManager, cast.housingManager, cast.rep, cast.auditor];

      await fc.assert(
        fc.asyncProperty(
          fc.record({
            params: fc.record(Object.fromEntries(params.map((name) => [name, fc.oneof(realIds(), hostileText)]))),
            query: fc.dictionary(
              fc.constantFrom(...queryKeys, 'unknown'),
              fc.oneof(hostileText, fc.constantFrom('1', '0', '-1', '100000', known.council, 'open')),
            ),
            body: fc.oneof(jsonish, fc.dictionary(fc.constantFrom(...bodyKeys, 'unknown'), jsonish)),
            as: fc.constantFrom(...who, undefined),
          }),
          async ({ params: values, query, body, as }) => {
            const search = Object.entries(query)
              .map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(String(v))}`)
              .join('&');
            const path = `${pathFor(route.path, values as Record<string, string>)}${search ? `?${search}` : ''}`;
            const method = route.method.toUpperCase() as 'GET' | 'POST' | 'PUT';
            const response = await fetch(`${baseUrl}${path}`, {
              method,
              headers: {
                ...(as ? { authorization: `Bearer ${as.token}` } : {}),
                ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
              },
              ...(method === 'GET' ? {} : { body: JSON.stringify(body) }),
            });
            const contentType = response.headers.get('content-type') ?? '';
            const text = await response.text();
            const summary = {
              request: `${method} ${path}`,
              status: response.status,
              contentType: contentType.split(';')[0],
              body: text.slice(0, 300),
            };
            expect(response.status < 500 ? 'below 500' : summary).toBe('below 500');
            if (response.status >= 400)
              expect(contentType.startsWith('application/problem+json') ? 'problem+json' : summary).toBe('problem+json');
          },
        ),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 40) },
      );
    });
  }

  it('still answers the way it did for a well-formed request (the generator did not break the service)', async () => {
    expect((await callApi(baseUrl, 'GET', `/processes/${encodeURIComponent(known.processId)}`, { as: cast.programmeManager })).status).toBe(
      200,
    );
  });
});
