import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../scripts/lib/ports';
import { callApi, startTestStack, uniqueCouncil, type TestStack } from './support/stack';

const run = promisify(execFile);
const adminWith = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'scripts', 'admin.ts'), ...args], {
    env: { ...process.env, ...env },
  });
const admin = (...args: string[]) => adminWith({ DATABASE_URL: stack.databaseUrl }, ...args);

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

    const policy = await callApi(stack.baseUrl, 'PUT', `/councils/${council}/policy`, {
      as: { userId, email: '', token },
      body: { reminderWorkingDaysBefore: 3 },
    });
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

    await expect(admin('grant', `rep-${council}`, 'resident_rep', council)).rejects.toMatchObject({
      stderr: expect.stringContaining('names its group'),
    });
    expect(await stack.prisma.roleGrant.count({ where: { userId: `rep-${council}` } })).toBe(0);
  });

  it('keeps a council as a record with the name its documents use', async () => {
    const council = uniqueCouncil();

    await admin('council', council, '--name', 'Westminster City Council');
    await admin('council', council, '--name', 'City of Westminster');

    expect(await stack.prisma.council.findUniqueOrThrow({ where: { slug: council } })).toMatchObject({ name: 'City of Westminster' });
    expect(await stack.prisma.auditLog.count({ where: { action: 'admin.council', details: { path: ['slug'], equals: council } } })).toBe(2);
  });

  it('takes a group by its name for a resident rep grant, and says the key it derived', async () => {
    const council = uniqueCouncil();
    await admin('user', `rep2-${council}`, '--name', 'Rita Rep');

    const { stdout } = await admin(
      'grant',
      `rep2-${council}`,
      'resident_rep',
      council,
      '--group',
      'Churchill Gardens Residents Association',
    );

    expect(stdout).toContain('for churchill-gardens-residents-association');
    expect(await stack.prisma.roleGrant.findFirstOrThrow({ where: { userId: `rep2-${council}` } })).toMatchObject({
      groupKey: 'churchill-gardens-residents-association',
    });
  });

  it('takes a partner’s organisation by its name, and refuses a partner grant without one', async () => {
    const council = uniqueCouncil();
    await admin('user', `police-${council}`, '--name', 'Sergeant Lee');

    await expect(admin('grant', `police-${council}`, 'partner', council)).rejects.toMatchObject({
      stderr: expect.stringContaining('a partner its organisation (--organisation)'),
    });
    const { stdout } = await admin('grant', `police-${council}`, 'partner', council, '--organisation', 'Northumbria Police');

    expect(stdout).toContain('for org:northumbria-police');
    expect(await stack.prisma.roleGrant.findFirstOrThrow({ where: { userId: `police-${council}` } })).toMatchObject({
      role: 'partner',
      groupKey: 'org:northumbria-police',
    });
  });

  it('finds the database `npm start` noted in its data folder, and says plainly when there is none to reach', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hg-admin-'));
    mkdirSync(path.join(dataDir, 'run'));
    writeFileSync(path.join(dataDir, 'run', 'database.json'), JSON.stringify({ url: stack.databaseUrl }));
    const council = uniqueCouncil();

    await adminWith({ DATABASE_URL: '', HG_DATA_DIR: dataDir }, 'user', `noted-${council}`, '--name', 'Noted User');
    const nowhere = adminWith(
      { DATABASE_URL: '', HG_DATA_DIR: path.join(dataDir, 'none'), EMBEDDED_PG_PORT: String(await freePort()) },
      'user',
      `lost-${council}`,
      '--name',
      'Lost',
    );

    expect(await stack.prisma.appUser.count({ where: { id: `noted-${council}` } })).toBe(1);
    const failed = (await nowhere.catch((err: unknown) => err)) as { code: number; stderr: string };
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^cannot reach the database at postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/housing_governance/);
    expect(failed.stderr).toContain('Is `npm start` running? Otherwise set DATABASE_URL');
    expect(failed.stderr).not.toMatch(/prisma|at .*\.ts:\d+/i);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
