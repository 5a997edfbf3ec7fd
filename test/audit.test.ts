import { Client } from 'pg';
import { adviserTask, appointment, completeTask, lmaCast, startLma, type LmaCast } from './support/lma';
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
  (await callApi<{ intact: boolean; entries: number; firstBroken?: { seq: string; problem: string } }>(stack.baseUrl, 'GET', '/audit/verify', { as: cast.auditor })).body;

describe('the audit log', () => {
  it('records every command that changed state, with who did it, chained by hashes', async () => {
    const processId = await startLma(stack, cast);
    await completeTask(stack, await adviserTask(stack, processId, cast.housingManager), cast.housingManager, appointment);
    await callApi(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, { as: cast.programmeManager, body: { reminderWorkingDaysBefore: 3 } });

    const entries = await stack.prisma.auditLog.findMany({ orderBy: { seq: 'asc' } });
    const result = await verify();

    expect(entries.map((e) => [e.action, e.actorUserId, e.actorRole])).toEqual([
      ['process.start', cast.rep.userId, 'resident_rep'],
      ['task.complete', cast.housingManager.userId, 'housing_manager'],
      ['policy.change', cast.programmeManager.userId, 'programme_manager'],
    ]);
    expect(entries[1]).toMatchObject({ processId, details: { taskId: 'appoint-adviser', outcome: 'appoint' } });
    expect(entries.every((e) => e.tokenId)).toBe(true);
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(result).toEqual({ intact: true, entries: 3 });
  });

  it('cannot be changed or emptied by the application: the database refuses', async () => {
    const first = await stack.prisma.auditLog.findFirstOrThrow({ orderBy: { seq: 'asc' } });

    await expect(stack.prisma.auditLog.update({ where: { seq: first.seq }, data: { action: 'nothing happened' } })).rejects.toThrow(/append-only/);
    await expect(stack.prisma.auditLog.deleteMany({})).rejects.toThrow(/append-only/);
    await expect(stack.prisma.$executeRawUnsafe('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect((await verify()).intact).toBe(true);
  });

  it('reports the first broken link when a row is tampered with behind its back', async () => {
    // A superuser can switch the triggers off for a session, which is what a tamperer would do.
    const admin = new Client({ connectionString: stack.databaseUrl });
    await admin.connect();
    try {
      await admin.query("SET session_replication_role = 'replica'");
      await admin.query(`UPDATE audit_log SET details = jsonb_set(details, '{outcome}', '"reject"') WHERE seq = 2`);
    } finally {
      await admin.end();
    }

    const result = await verify();

    expect(result).toEqual({ intact: false, entries: 1, firstBroken: { seq: '2', problem: 'its content does not match its hash: it was changed' } });
  });

  it('is verified only by auditors', async () => {
    expect((await callApi(stack.baseUrl, 'GET', '/audit/verify', { as: cast.programmeManager })).status).toBe(403);
  });
});
