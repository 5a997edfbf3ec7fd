import { adviserTask, appointment, expressionOfInterest, lmaCast, startLma, type LmaCast } from './support/lma';
import { completeTask } from './support/tasks';
import { callApi, startTestStack, type TestStack } from './support/stack';
import { recordsRendered } from './support/documents';

let stack: TestStack;
let cast: LmaCast;
beforeAll(async () => {
  stack = await startTestStack();
  cast = await lmaCast(stack);
});
afterAll(async () => {
  await stack.stop();
});

// Text PostgreSQL or an email cannot carry, or that would disguise a title.
const HOSTILE = { nul: 'a\u0000b', loneSurrogate: 'a\ud800b', control: 'a\u0007b', bidiOverride: 'a\u202Eb' } as const;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** Every path to a string in a JSON value. */
function stringPaths(value: Json, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringPaths(item, [...path, index]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => stringPaths(item, [...path, key]));
  return [];
}
function withString(value: Json, path: (string | number)[], replace: (text: string) => string): Json {
  const copy = structuredClone(value) as Record<string | number, Json>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  at[last] = replace(at[last] as string);
  return copy;
}

describe('text no part of the service can store or send', () => {
  it('is refused in every text field of a start with 400 naming the field, and nothing is written', async () => {
    const own = await lmaCast(stack);
    const body = expressionOfInterest(own.council) as unknown as Json;
    const paths = stringPaths(body).filter((path) => path[0] !== 'kind');
    expect(paths.length).toBeGreaterThanOrEqual(6);

    for (const path of paths) {
      for (const [name, bad] of Object.entries(HOSTILE)) {
        const answer = await callApi<{ issues: { path: string }[] }>(stack.baseUrl, 'POST', '/processes', {
          as: own.rep,
          body: withString(body, path, () => bad),
        });

        expect({ field: path.join('.'), name, status: answer.status, named: answer.body.issues?.map((issue) => issue.path) }).toEqual({
          field: path.join('.'),
          name,
          status: 400,
          named: expect.arrayContaining([path.join('.')]),
        });
      }
    }
    expect(await stack.prisma.processRecord.count({ where: { council: own.council } })).toBe(0);
    expect(await stack.prisma.auditLog.count({ where: { actorUserId: own.rep.userId } })).toBe(0);
  });

  it('is refused in a name that goes into titles when it has a line break', async () => {
    const own = await lmaCast(stack);
    const body = expressionOfInterest(own.council);

    const answer = await callApi<{ issues: { path: string }[] }>(stack.baseUrl, 'POST', '/processes', {
      as: own.rep,
      body: { ...body, group: { ...body.group, name: 'Churchill\nGardens' } },
    });

    expect(answer.status).toBe(400);
    expect(answer.body.issues.map((issue) => issue.path)).toContain('group.name');
  });

  it('is refused in every text of a decision, and the task stays open with nothing recorded', async () => {
    const own = await lmaCast(stack);
    const processId = await startLma(stack, own);
    const taskId = await adviserTask(stack, processId, own.housingManager);
    const decision = { ...appointment, reasons: 'Dee knows the estate\nand the group' } as unknown as Json;

    for (const path of stringPaths(decision)) {
      for (const [name, bad] of Object.entries(HOSTILE)) {
        const answer = await completeTask(
          stack,
          taskId,
          own.housingManager,
          withString(decision, path, () => bad),
        );
        expect({ field: path.join('.'), name, status: answer.status }).toEqual({ field: path.join('.'), name, status: 400 });
      }
    }

    const task = await stack.prisma.task.findUniqueOrThrow({ where: { id: taskId } });
    expect(task.status).toBe('open');
    expect(await stack.prisma.auditLog.count({ where: { processId, action: 'task.complete' } })).toBe(0);
    // Line breaks in reasons are text, not an attack.
    expect((await completeTask(stack, taskId, own.housingManager, decision)).status).toBe(200);
  });

  it('is refused in a query string or a path with 400, not a database error', async () => {
    const inbox = await callApi<{ issues: { path: string }[] }>(stack.baseUrl, 'GET', `/tasks?assignee=${encodeURIComponent('a\u0000b')}`, {
      as: cast.programmeManager,
    });
    const process = await callApi(stack.baseUrl, 'GET', `/processes/${encodeURIComponent('lma:a\u0000b')}`, { as: cast.programmeManager });

    expect(inbox.status).toBe(400);
    expect(inbox.body.issues.map((issue) => issue.path)).toEqual(['assignee']);
    expect(process.status).toBe(400);
  });

  it('is refused when the body is not UTF-8, instead of being stored with U+FFFD in its place', async () => {
    const own = await lmaCast(stack);
    const json = Buffer.from(
      JSON.stringify(expressionOfInterest(own.council)).replace('Churchill Gardens Residents Association', 'Churchill Gardens XX'),
    );
    const at = json.indexOf('XX');
    json[at] = 0xc3; // a lead byte with no continuation
    json[at + 1] = 0x28;
    const response = await fetch(`${stack.baseUrl}/processes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${own.rep.token}`, 'content-type': 'application/json' },
      body: json,
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as { detail: string }).detail).toBe('the body is not valid UTF-8');
    expect(await stack.prisma.processRecord.count({ where: { council: own.council } })).toBe(0);
  });
});

describe('a body nested deeper than any request needs', () => {
  it('is refused with 400 problem+json before authentication, not a 500', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const unauthenticated = await callApi<{ type: string }>(stack.baseUrl, 'POST', '/processes', { rawBody: deep });
    const asked = await callApi<{ type: string }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.programmeManager,
      rawBody: `{"kind":"lma","x":${deep}}`,
    });

    expect([unauthenticated.status, asked.status]).toEqual([400, 400]);
    expect(asked.body.type).toBe('urn:housing-governance:problem:body-too-deep');
    // Brackets inside strings are text, not nesting.
    const text = await callApi(stack.baseUrl, 'POST', '/processes', {
      as: cast.programmeManager,
      body: { kind: 'lma', note: '['.repeat(1_000) },
    });
    expect(text.status).toBe(400);
    expect(text.body.type).toBe('urn:housing-governance:problem:validation-error');
  });
});

describe('an attachment', () => {
  it("is refused (400) when it is another process's document, and appears on no timeline", async () => {
    const other = await lmaCast(stack);
    const otherProcess = await startLma(stack, other);
    await completeTask(stack, await adviserTask(stack, otherProcess, other.housingManager), other.housingManager, appointment);
    // Its decision record, once rendered (after the decision).
    await recordsRendered(stack, otherProcess);
    const theirs = await stack.prisma.document.findFirstOrThrow({ where: { processId: otherProcess } });
    const own = await lmaCast(stack);
    const processId = await startLma(stack, own);
    const taskId = await adviserTask(stack, processId, own.housingManager);

    const answer = await completeTask(stack, taskId, own.housingManager, { ...appointment, attachments: [theirs.id] });

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ issues: [{ path: 'attachments.0', code: 'not_a_document_of_this_process' }] });
    expect(await stack.prisma.timelineEntry.count({ where: { processId, documentIds: { has: theirs.id } } })).toBe(0);
  });
});

describe('access', () => {
  it('answers a process one holds no role for exactly as one that does not exist (404)', async () => {
    const processId = await startLma(stack, cast);
    const stranger = await lmaCast(stack);

    const known = await callApi<Record<string, unknown>>(stack.baseUrl, 'GET', `/processes/${encodeURIComponent(processId)}`, {
      as: stranger.programmeManager,
    });
    const unknown = await callApi<Record<string, unknown>>(stack.baseUrl, 'GET', `/processes/${encodeURIComponent(`${processId}-none`)}`, {
      as: stranger.programmeManager,
    });
    const command = await callApi(stack.baseUrl, 'POST', `/processes/${encodeURIComponent(processId)}/cancel`, {
      as: stranger.programmeManager,
      body: { reasons: 'probing' },
    });

    // A command another kind has, or one this kind cannot take, tells a stranger nothing either.
    const withdraw = await callApi(stack.baseUrl, 'POST', `/processes/${encodeURIComponent(processId)}/withdraw`, {
      as: stranger.programmeManager,
      body: { reasons: 'probing' },
    });
    const otherKinds = await callApi(stack.baseUrl, 'POST', `/processes/${encodeURIComponent(processId)}/renegotiation-requests`, {
      as: stranger.programmeManager,
      body: { reasons: 'probing' },
    });

    expect([known.status, unknown.status, command.status, withdraw.status, otherKinds.status]).toEqual([404, 404, 404, 404, 404]);
    expect(otherKinds.body.type).toBe(unknown.body.type);
    expect(Object.keys(known.body).sort()).toEqual(Object.keys(unknown.body).sort());
    expect(known.body.type).toBe(unknown.body.type);
  });

  it("lets a resident_rep read its council's policy", async () => {
    const policy = await callApi(stack.baseUrl, 'GET', `/councils/${cast.council}/policy`, { as: cast.rep });

    expect(policy.status).toBe(200);
    expect(policy.body).toHaveProperty('reminderWorkingDaysBefore');
  });
});
