import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { callApi, startTestStack, uniqueCouncil, type TestStack } from './support/stack';

const run = promisify(execFile);
const admin = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'scripts', 'admin.ts'), ...args], { env: { ...process.env, DATABASE_URL: stack.databaseUrl } });

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

describe('npm run admin', () => {
  it('creates the first programme manager and a token that works, stored only as a hash', async () => {
    const council = uniqueCouncil();
    const userId = `pm-${council}`;

    await admin('user', userId, '--name', 'Pat Manager', '--email', `pat@${council}.test`);
    await admin('grant', userId, 'programme_manager', council);
    const { stdout } = await admin('token', userId, '--label', 'first admin');
    const token = stdout.trim().split('\n').pop() as string;

    const policy = await callApi(stack.baseUrl, 'PUT', `/councils/${council}/policy`, { as: { userId, email: '', token }, body: { reminderWorkingDaysBefore: 3 } });
    expect(policy).toMatchObject({ status: 200, body: { reminderWorkingDaysBefore: 3 } });
    const stored = await stack.prisma.apiToken.findFirstOrThrow({ where: { userId } });
    expect(stored.tokenHash).not.toContain(token);
    expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    const audited = await stack.prisma.auditLog.findMany({ where: { action: { startsWith: 'admin.' } }, orderBy: { seq: 'asc' } });
    expect(audited.map((e) => e.action)).toEqual(['admin.user', 'admin.grant', 'admin.token']);
    expect(JSON.stringify(audited.map((e) => e.details))).not.toContain(token);
  });

  it('refuses a resident rep grant that names no group, saying why', async () => {
    const council = uniqueCouncil();
    await admin('user', `rep-${council}`, '--name', 'Rita Rep');

    await expect(admin('grant', `rep-${council}`, 'resident_rep', council)).rejects.toMatchObject({ stderr: expect.stringContaining('names its group') });
    expect(await stack.prisma.roleGrant.count({ where: { userId: `rep-${council}` } })).toBe(0);
  });
});
