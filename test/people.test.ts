import { eventually } from './support/eventually';
import { callApi, startTestStack, uniqueCouncil, type TestStack, type TestUser } from './support/stack';

// People and roles over the JSON API: a council's administrators manage its people's roles and tokens,
// every change audited, a revocation refused from the very next request.

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const as = (user: TestUser) => ({ as: user });
const auditEntries = (action: string, actor: TestUser) =>
  stack.prisma.auditLog.findMany({ where: { action, actorUserId: actor.userId }, orderBy: { seq: 'asc' } });

describe('people and roles', () => {
  it('lets a council’s administrator add a person, give them a role and a token, and revoke the token: refused at once, each change audited once', async () => {
    const council = uniqueCouncil();
    const admin = await stack.user({ council, role: 'admin' });
    const person = `officer-${council}`;

    const saved = await callApi(stack.baseUrl, 'PUT', `/councils/${council}/people/${person}`, {
      ...as(admin),
      body: { displayName: 'Ola Officer', email: 'ola@example.test' },
    });
    expect(saved.status).toBe(200);
    const granted = await callApi<{ grants: unknown[] }>(stack.baseUrl, 'POST', `/councils/${council}/people/${person}/grants`, {
      ...as(admin),
      body: { role: 'housing_manager' },
    });
    expect(granted.body.grants).toEqual([{ role: 'housing_manager', groupKey: '' }]);
    const issued = await callApi<{ tokenId: string; token: string }>(
      stack.baseUrl,
      'POST',
      `/councils/${council}/people/${person}/tokens`,
      {
        ...as(admin),
        body: { label: 'laptop' },
      },
    );
    expect(issued.status).toBe(201);
    const officer: TestUser = { userId: person, email: 'ola@example.test', token: issued.body.token };

    // The new officer sees their council's inbox with the token.
    expect((await callApi(stack.baseUrl, 'GET', '/tasks', as(officer))).status).toBe(200);
    const people = await callApi<{ people: { userId: string; grants: unknown[] }[] }>(
      stack.baseUrl,
      'GET',
      `/councils/${council}/people`,
      as(admin),
    );
    expect(people.body.people.map((p) => p.userId).sort()).toEqual([admin.userId, person].sort());
    const detail = await callApi<{ tokens: { tokenId: string; label: string; revokedAt: string | null }[] }>(
      stack.baseUrl,
      'GET',
      `/councils/${council}/people/${person}?label=laptop`,
      as(admin),
    );
    expect(detail.body.tokens).toEqual([expect.objectContaining({ tokenId: issued.body.tokenId, label: 'laptop', revokedAt: null })]);

    const revoked = await callApi(
      stack.baseUrl,
      'POST',
      `/councils/${council}/people/${person}/tokens/${issued.body.tokenId}/revoke`,
      as(admin),
    );
    expect(revoked.status).toBe(204);
    // Refused from the next request: no period in which a revoked token still works.
    expect((await callApi(stack.baseUrl, 'GET', '/tasks', as(officer))).status).toBe(401);
    // Revoking it again: it is no longer in use.
    expect(
      (await callApi(stack.baseUrl, 'POST', `/councils/${council}/people/${person}/tokens/${issued.body.tokenId}/revoke`, as(admin)))
        .status,
    ).toBe(404);

    expect((await auditEntries('admin.user', admin)).map((e) => e.details)).toEqual([
      { council, userId: person, displayName: 'Ola Officer', email: 'ola@example.test' },
    ]);
    expect((await auditEntries('admin.grant', admin)).map((e) => e.details)).toEqual([
      { userId: person, council, role: 'housing_manager', groupKey: '' },
    ]);
    const tokenEntries = await auditEntries('admin.token', admin);
    expect(tokenEntries.map((e) => e.details)).toEqual([{ userId: person, tokenId: issued.body.tokenId, label: 'laptop' }]);
    // The secret is in no audit entry.
    expect(JSON.stringify(tokenEntries.map((e) => e.details))).not.toContain(issued.body.token);
    expect((await auditEntries('admin.revoke', admin)).map((e) => e.details)).toEqual([{ userId: person, tokenId: issued.body.tokenId }]);
  });

  it('withdraws a role so that its next request is refused, and names a residents’ representative’s group', async () => {
    const council = uniqueCouncil();
    const admin = await stack.user({ council, role: 'admin' });
    const manager = await stack.user({ council, role: 'programme_manager' });
    expect((await callApi(stack.baseUrl, 'GET', `/councils/${council}/policy`, as(manager))).status).toBe(200);

    const withdrawn = await callApi(stack.baseUrl, 'POST', `/councils/${council}/people/${manager.userId}/grants/withdraw`, {
      ...as(admin),
      body: { role: 'programme_manager' },
    });
    expect(withdrawn.body).toMatchObject({ grants: [] });
    expect((await callApi(stack.baseUrl, 'GET', `/councils/${council}/policy`, as(manager))).status).toBe(403);

    const rep = await stack.user({ council, role: 'liaison' });
    const noGroup = await callApi<{ issues: { path: string; message: string }[] }>(
      stack.baseUrl,
      'POST',
      `/councils/${council}/people/${rep.userId}/grants`,
      { ...as(admin), body: { role: 'resident_rep' } },
    );
    expect(noGroup.status).toBe(400);
    expect(noGroup.body.issues).toEqual([expect.objectContaining({ path: 'group' })]);
    const withGroup = await callApi(stack.baseUrl, 'POST', `/councils/${council}/people/${rep.userId}/grants`, {
      ...as(admin),
      body: { role: 'resident_rep', group: 'Churchill Gardens Residents Association' },
    });
    expect(withGroup.body).toMatchObject({
      grants: [
        { role: 'liaison', groupKey: '' },
        { role: 'resident_rep', groupKey: 'churchill-gardens-residents-association' },
      ],
    });
  });

  it('refuses anyone but the council’s administrators, and an administrator a person of another council, changing nothing', async () => {
    const council = uniqueCouncil();
    const elsewhere = uniqueCouncil();
    const admin = await stack.user({ council, role: 'admin' });
    const manager = await stack.user({ council, role: 'programme_manager' });
    const other = await stack.user({ council: elsewhere, role: 'housing_manager' });
    const before = await stack.prisma.roleGrant.count();

    const byManager = await callApi(stack.baseUrl, 'POST', `/councils/${council}/people/${manager.userId}/grants`, {
      ...as(manager),
      body: { role: 'admin' },
    });
    expect(byManager.status).toBe(403);
    const otherCouncil = await callApi(stack.baseUrl, 'GET', `/councils/${elsewhere}/people`, as(admin));
    expect(otherCouncil.status).toBe(403);
    const theirPerson = await callApi<{ detail: string }>(stack.baseUrl, 'POST', `/councils/${council}/people/${other.userId}/grants`, {
      ...as(admin),
      body: { role: 'housing_manager' },
    });
    expect(theirPerson.status).toBe(403);
    expect(theirPerson.body.detail).toContain(`holds no role in ${council}`);
    // Only an administrator of every council adds a council.
    const newCouncil = await callApi(stack.baseUrl, 'PUT', `/councils/${uniqueCouncil()}`, {
      ...as(admin),
      body: { name: 'Anywhere Council' },
    });
    expect(newCouncil.status).toBe(403);
    expect(await stack.prisma.roleGrant.count()).toBe(before);
    expect(await stack.prisma.auditLog.count({ where: { actorUserId: admin.userId } })).toBe(0);

    const renamed = await callApi(stack.baseUrl, 'PUT', `/councils/${council}`, {
      ...as(admin),
      body: { name: 'Westminster City Council' },
    });
    expect(renamed.body).toEqual({ slug: council, name: 'Westminster City Council' });
  });
});

describe('who a token is, kept between requests until access changes', () => {
  const tasksAs = async (user: TestUser) => (await callApi(stack.baseUrl, 'GET', '/tasks', as(user))).status;
  const listener = async () =>
    (
      await stack.prisma.$queryRaw<{ pid: number }[]>`
        SELECT pid FROM pg_stat_activity WHERE application_name = 'hg-access-listener' AND datname = current_database()`
    ).map((row) => row.pid);

  it('refuses a token revoked outside the API (the admin command, psql) as soon as PostgreSQL announces it', async () => {
    const officer = await stack.user({ council: uniqueCouncil(), role: 'housing_manager' });
    expect([await tasksAs(officer), await tasksAs(officer)]).toEqual([200, 200]);
    await stack.prisma.apiToken.updateMany({ where: { userId: officer.userId }, data: { revokedAt: new Date() } });
    // Kept for up to a minute otherwise: refused within two seconds only because the change was heard.
    await eventually(async () => expect(await tasksAs(officer)).toBe(401), 2_000);
  });

  it('refuses a role withdrawn outside the API as soon as PostgreSQL announces it', async () => {
    const council = uniqueCouncil();
    const manager = await stack.user({ council, role: 'programme_manager' });
    const policy = async () => (await callApi(stack.baseUrl, 'GET', `/councils/${council}/policy`, as(manager))).status;
    expect([await policy(), await policy()]).toEqual([200, 200]);
    await stack.prisma.roleGrant.deleteMany({ where: { userId: manager.userId } });
    await eventually(async () => expect(await policy()).toBe(403), 2_000);
  });

  it('hears changes again once its listening connection, lost, is back', async () => {
    const officer = await stack.user({ council: uniqueCouncil(), role: 'housing_manager' });
    const [before] = await eventually(async () => {
      const pids = await listener();
      expect(pids).toHaveLength(1);
      return pids;
    });
    await stack.prisma.$queryRaw`SELECT pg_terminate_backend(${before}::int)`;
    await eventually(async () => {
      const pids = await listener();
      expect(pids).toHaveLength(1);
      expect(pids[0]).not.toBe(before);
    }, 5_000);
    expect([await tasksAs(officer), await tasksAs(officer)]).toEqual([200, 200]);
    await stack.prisma.apiToken.updateMany({ where: { userId: officer.userId }, data: { revokedAt: new Date() } });
    await eventually(async () => expect(await tasksAs(officer)).toBe(401), 2_000);
  });
});
