import { Client } from 'pg';
import { completeTaskUpdate } from '../workflows/common/tasks';
import { adviserTask, appointment, lmaCast, startLma, type LmaCast } from './support/lma';
import { completeTask, viewOf } from './support/tasks';
import { eventually } from './support/eventually';
import { callApi, startTestStack, type TestStack } from './support/stack';

let stack: TestStack;
let cast: LmaCast;
beforeAll(async () => {
  stack = await startTestStack();
  cast = await lmaCast(stack);
});
afterAll(async () => {
  await stack.stop();
});

const verify = async () =>
  (
    await callApi<{ intact: boolean; entries: number; firstBroken?: { seq: string; problem: string } }>(
      stack.baseUrl,
      'GET',
      '/audit/verify',
      { as: cast.auditor },
    )
  ).body;

describe('the audit log', () => {
  // Each test has its own people and processes, and reads its own entries: they pass alone and in any order.
  const entriesBy = (people: { userId: string }[]) =>
    stack.prisma.auditLog.findMany({ where: { actorUserId: { in: people.map((p) => p.userId) } }, orderBy: { seq: 'asc' } });

  it('records every command that changed state, with who did it, chained by hashes', async () => {
    const processId = await startLma(stack, cast);
    await completeTask(stack, await adviserTask(stack, processId, cast.housingManager), cast.housingManager, appointment);
    // The decision's record is stored after it, with an entry of its own (the service's): the next command follows that.
    await eventually(() => stack.prisma.auditLog.findFirstOrThrow({ where: { processId, action: 'document.stored' } }));
    await callApi(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, {
      as: cast.programmeManager,
      body: { reminderWorkingDaysBefore: 3 },
    });

    const entries = await entriesBy([cast.rep, cast.housingManager, cast.programmeManager]);
    const result = await verify();

    expect(entries.map((e) => [e.action, e.actorUserId, e.actorRole])).toEqual([
      ['process.start', cast.rep.userId, 'resident_rep'],
      ['task.complete', cast.housingManager.userId, 'housing_manager'],
      ['policy.change', cast.programmeManager.userId, 'programme_manager'],
    ]);
    expect(entries[1]).toMatchObject({ processId, details: { taskId: 'appoint-adviser', outcome: 'appoint' } });
    expect(entries.every((e) => e.tokenId)).toBe(true);
    const all = await stack.prisma.auditLog.findMany({ where: { seq: { gte: entries[0]!.seq } }, orderBy: { seq: 'asc' } });
    expect(all.map((e) => e.action)).toEqual(['process.start', 'task.complete', 'document.stored', 'policy.change']);
    // Each entry points to the hash of the one before it.
    expect(all.slice(1).map((e) => e.prevHash)).toEqual(all.slice(0, -1).map((e) => e.hash));
    expect(result).toEqual({ intact: true, entries: await stack.prisma.auditLog.count() });
  });

  it('cannot be changed or emptied by the application: the database refuses', async () => {
    const own = await lmaCast(stack);
    await callApi(stack.baseUrl, 'PUT', `/councils/${own.council}/policy`, {
      as: own.programmeManager,
      body: { reminderWorkingDaysBefore: 2 },
    });
    const [first] = await entriesBy([own.programmeManager]);
    if (!first) throw new Error('the policy change was not audited');

    await expect(stack.prisma.auditLog.update({ where: { seq: first.seq }, data: { action: 'nothing happened' } })).rejects.toThrow(
      /append-only/,
    );
    await expect(stack.prisma.auditLog.deleteMany({})).rejects.toThrow(/append-only/);
    await expect(stack.prisma.$executeRawUnsafe('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect((await verify()).intact).toBe(true);
  });

  it('holds one entry for a decision sent 200 times at once, and no request fails', async () => {
    const own = await lmaCast(stack);
    const processId = await startLma(stack, own);
    const taskId = await adviserTask(stack, processId, own.housingManager);

    const answers = await Promise.all(Array.from({ length: 200 }, () => completeTask(stack, taskId, own.housingManager, appointment)));

    expect(answers.map((answer) => answer.status)).toEqual(Array(200).fill(200));
    expect((await viewOf(stack, processId, own.auditor)).decisions).toHaveLength(1);
    const entries = await stack.prisma.auditLog.findMany({ where: { processId, action: 'task.complete' } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorUserId: own.housingManager.userId,
      actorRole: 'housing_manager',
      details: { taskId: 'appoint-adviser', outcome: 'appoint', form: appointment.form },
    });
  });

  it('refuses a second, different decision on a decided task with 409, and audits nothing for it', async () => {
    const own = await lmaCast(stack);
    const processId = await startLma(stack, own);
    const taskId = await adviserTask(stack, processId, own.housingManager);
    await completeTask(stack, taskId, own.housingManager, appointment);

    const again = await completeTask(stack, taskId, own.housingManager, {
      ...appointment,
      form: { adviserUserId: 'hm-eve', adviserName: 'Eve Adviser' },
    });

    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      type: expect.stringMatching(/task-already-decided$/),
      decision: { outcome: 'appoint', form: appointment.form },
    });
    const entries = await stack.prisma.auditLog.findMany({ where: { processId, action: 'task.complete' } });
    expect(entries.map((entry) => entry.details)).toEqual([expect.objectContaining({ form: appointment.form })]);
  });

  it('holds the decision of an API that died once Temporal accepted it: the process audits it', async () => {
    const own = await lmaCast(stack);
    const processId = await startLma(stack, own);
    const taskId = await adviserTask(stack, processId, own.housingManager);
    const actor = { userId: own.housingManager.userId, role: 'housing_manager' as const, tokenId: 'token-of-the-dead-api' };

    // What the API sends before it could append anything itself; nothing runs after it.
    await stack.client.workflow.getHandle(processId).executeUpdate(completeTaskUpdate, {
      args: [{ taskId: taskId.split('~')[1]!, actor, ...appointment }],
      updateId: `complete-task:appoint-adviser`,
    });

    const entries = await stack.prisma.auditLog.findMany({
      where: { processId, action: { not: 'document.stored' } },
      orderBy: { seq: 'asc' },
    });
    expect(entries.map((entry) => [entry.action, entry.actorUserId, entry.tokenId])).toEqual([
      ['process.start', own.rep.userId, expect.any(String)],
      ['task.complete', own.housingManager.userId, 'token-of-the-dead-api'],
    ]);
  });

  it('appends 50 policy changes sent at once, each once, the chain intact', async () => {
    const own = await lmaCast(stack);

    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, k) =>
        callApi(stack.baseUrl, 'PUT', `/councils/${own.council}/policy`, {
          as: own.programmeManager,
          body: { reminderWorkingDaysBefore: 1 + (k % 5) },
        }),
      ),
    );

    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    expect(await stack.prisma.auditLog.count({ where: { action: 'policy.change', actorUserId: own.programmeManager.userId } })).toBe(50);
    expect(await verify()).toEqual({ intact: true, entries: await stack.prisma.auditLog.count() });
  });

  it('reports the first broken link when a row is tampered with behind its back', async () => {
    const own = await lmaCast(stack);
    const processId = await startLma(stack, own);
    await completeTask(stack, await adviserTask(stack, processId, own.housingManager), own.housingManager, appointment);
    const [decision] = await entriesBy([own.housingManager]);
    if (!decision) throw new Error('the decision was not audited');
    // A superuser can switch the triggers off for a session, which is what a tamperer would do; the row
    // is put back afterwards, so the log is whole again for whatever runs next.
    const admin = new Client({ connectionString: stack.databaseUrl });
    await admin.connect();
    const tamper = (outcome: string) =>
      admin.query(`UPDATE audit_log SET details = jsonb_set(details, '{outcome}', $1::jsonb) WHERE seq = $2`, [
        JSON.stringify(outcome),
        decision.seq,
      ]);
    try {
      await admin.query("SET session_replication_role = 'replica'");
      await tamper('reject');
      const result = await verify();
      expect(result).toEqual({
        intact: false,
        entries: await stack.prisma.auditLog.count({ where: { seq: { lt: decision.seq } } }),
        firstBroken: { seq: String(decision.seq), problem: 'its content does not match its hash: it was changed' },
      });
    } finally {
      await tamper('appoint');
      await admin.end();
    }
    expect((await verify()).intact).toBe(true);
  });

  it('is verified only by auditors', async () => {
    expect((await callApi(stack.baseUrl, 'GET', '/audit/verify', { as: cast.programmeManager })).status).toBe(403);
  });
});
