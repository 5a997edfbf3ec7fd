import { randomUUID } from 'node:crypto';
import { WorkflowUpdateStage } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { completeTaskUpdate } from '../workflows/common/tasks';
import { launchBrowser, looked, signIn as signInAt } from './support/browser';
import { almoCast, daysAfter, today } from './support/almo';
import { eventually } from './support/eventually';
import {
  appointment,
  compressedLmaPolicy,
  councilName,
  expressionOfInterest,
  lmaCast,
  REP_NAME,
  startLma,
  type LmaCast,
} from './support/lma';
import { callApi, startTestStack, type TestStack, type TestUser } from './support/stack';
import { decideNext, nextTask, timelineOf } from './support/tasks';

// The web service for everyone besides the officers deciding tasks: auditors, administrators,
// managers handing work over, residents' representatives and the public. In a real browser on the
// real stack, each page checked by axe (see support/browser.ts).

let stack: TestStack;
let browser: Browser;
let cast: LmaCast;
beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack(), launchBrowser()]);
});
beforeEach(async () => {
  cast = await lmaCast(stack);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const signIn = (page: Page, token: string, baseUrl = stack.baseUrl) => signInAt(page, baseUrl, token);
const h1 = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();

describe('the auditors’ pages', () => {
  it('lets an auditor download a process’s history and evidence pack, see its replay verified and the audit chain checked', async () => {
    const processId = await startLma(stack, cast);
    await decideNext(stack, processId, 'appoint_adviser', cast.housingManager, appointment.outcome, appointment.form);
    const auditor = await stack.user({ council: cast.council, role: 'auditor' });
    const page = await (await browser.newContext()).newPage();

    // An officer of the council sees the process but is offered no audit, and is refused it.
    await signIn(page, cast.housingManager.token);
    await page.goto(`${stack.baseUrl}/app/processes/${encodeURIComponent(processId)}`);
    await expect(page.getByRole('link', { name: 'Audit the process' }).count()).resolves.toBe(0);
    const refused = await page.goto(`${stack.baseUrl}/app/processes/${encodeURIComponent(processId)}/audit`);
    expect(refused?.status()).toBe(403);
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signIn(page, auditor.token);
    await page.goto(`${stack.baseUrl}/app/processes/${encodeURIComponent(processId)}`);
    await page.getByRole('link', { name: 'Audit the process' }).click();
    await expect(page.locator('.govuk-caption-l').textContent()).resolves.toBe('Audit');
    await looked(page, 'audit-process');

    // The history, as Temporal's tools read it: the run's events, from the workflow's start.
    const history = await page.request.get(
      `${stack.baseUrl}${await page.getByRole('link', { name: 'Download the history (JSON)' }).getAttribute('href')}`,
    );
    expect(history.headers()['content-disposition']).toMatch(/^attachment; filename="?history-lma-/);
    const runs = ((await history.json()) as { runs: { history: { events: { eventType: string }[] } }[] }).runs;
    expect(runs[0]?.history.events[0]?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');

    await page.getByRole('button', { name: 'Replay the history' }).click();
    await expect(page.locator('#replay ~ p .govuk-tag').first().textContent()).resolves.toContain('Verified');
    await expect(page.getByRole('table', { name: 'Runs of the process' }).textContent()).resolves.toContain('Every event matches the code');
    await looked(page, 'audit-process-replayed');

    await page.getByRole('button', { name: 'Check the audit chain' }).click();
    const chain = (await page.locator('#chain-result').textContent()) ?? '';
    expect(chain).toMatch(/Intact\s+The audit log's hash chain is intact: \d+ entries/);

    const pack = await page.request.get(
      `${stack.baseUrl}${await page.getByRole('link', { name: 'Download the evidence pack (PDF)' }).getAttribute('href')}`,
    );
    expect(pack.headers()['content-type']).toBe('application/pdf');
    expect((await pack.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  }, 90_000);

  it('replays every process of the council, showing how far it has got while it runs and the result per process', async () => {
    const another = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.rep,
      body: { ...expressionOfInterest(cast.council), estate: 'Lisson Green' },
    });
    const processes = [await startLma(stack, cast), another.body.processId];
    const auditor = await stack.user({ council: cast.council, role: 'auditor' });
    // An API that answers a replay at once with where to follow it: the page that follows it is the one shown.
    const patient = await stack.api({ replayAnswerWaitMs: 0 });
    try {
      const page = await (await browser.newContext()).newPage();
      await signIn(page, auditor.token, patient.baseUrl);
      await page.getByRole('link', { name: 'Audit', exact: true }).click();
      await looked(page, 'audit-council');
      await page.getByRole('button', { name: 'Replay every process' }).click();
      expect(new URL(page.url()).pathname).toMatch(/^\/app\/replays\/[0-9a-f-]{36}$/);
      await expect(h1(page)).resolves.toBe(`Replay of every process of ${cast.council}`);
      // Reloading follows it until it has finished.
      const status = () => page.locator('.govuk-summary-list .govuk-tag').textContent();
      await expect(status()).resolves.toMatch(/Replaying|Finished/);
      for (let seen = 0; (await status())?.trim() === 'Replaying' && seen < 200; seen++) await page.reload();
      const summary = ((await page.locator('.govuk-summary-list').textContent()) ?? '').replace(/\s+/g, ' ');
      expect(summary).toMatch(/Status Finished Runs replayed 2 Runs that diverge 0/);
      const rows = await page.getByRole('table', { name: 'Processes replayed' }).locator('tbody tr').allTextContents();
      expect(rows.map((r) => r.replace(/\s+/g, ' ').trim()).sort()).toEqual(processes.map((id) => `${id} 1 Replays`).sort());
      await looked(page, 'audit-council-replayed');
      await page.close();
    } finally {
      patient.close();
    }
  }, 90_000);
});

describe('people and roles', () => {
  it('lets an administrator add a person, give them a role and a token, and revoke a token: refused at once', async () => {
    const admin = await stack.user({ council: cast.council, role: 'admin' });
    const page = await (await browser.newContext()).newPage();
    await signIn(page, admin.token);
    await page.getByRole('link', { name: 'People and roles' }).click();
    await expect(h1(page)).resolves.toBe('People and roles');
    // The council's people, with their roles there.
    await expect(page.getByRole('row', { name: new RegExp(cast.housingManager.userId) }).textContent()).resolves.toContain(
      'Housing manager',
    );
    await looked(page, 'people');

    await page.getByRole('button', { name: 'Add a person' }).click();
    await page.getByLabel('User id').fill('ola officer');
    await page.getByRole('button', { name: 'Add them' }).click();
    const summary = (await page.getByRole('alert').textContent()) ?? '';
    expect(summary).toMatch(/User id: letters, digits and . _ @ - only/);
    expect(summary).toMatch(/Enter display name/);
    await looked(page, 'people-add-errors');
    const userId = `ola-${cast.council}`;
    await page.getByLabel('User id').fill(userId);
    await page.getByLabel('Display name').fill('Ola Officer');
    await page.getByLabel('Email (optional)').fill('ola@example.test');
    await page.getByRole('button', { name: 'Add them' }).click();
    await expect(h1(page)).resolves.toBe('Ola Officer');
    await looked(page, 'person-added');

    // A residents' representative's role needs their group: said on the field.
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Resident rep' });
    await page.getByRole('button', { name: 'Give the role' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Enter group/);
    await page.goto(`${stack.baseUrl}/app/people/${encodeURIComponent(userId)}`);
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Housing manager' });
    await page.getByRole('button', { name: 'Give the role' }).click();
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain(
      'Ola Officer is now housing manager.',
    );

    await page.getByLabel('Label', { exact: true }).fill('laptop');
    await page.getByRole('button', { name: 'Issue the token' }).click();
    const token = ((await page.locator('#issued-token').textContent()) ?? '').trim();
    expect(token).toMatch(/^hg_/);
    await looked(page, 'person-token-issued');
    // The new officer is in with it, and sees their council's tasks.
    const officer = await (await browser.newContext()).newPage();
    await signIn(officer, token);
    await expect(h1(officer)).resolves.toBe('Your tasks');

    await page.goto(`${stack.baseUrl}/app/people/${encodeURIComponent(userId)}`);
    await page.getByRole('button', { name: /^Revoke token laptop/ }).click();
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain('Token revoked');
    await expect(page.getByRole('row', { name: /laptop/ }).textContent()).resolves.toMatch(/Revoked/);
    await looked(page, 'person');
    // Refused at once: the officer's next page sends them to sign in, and the token no longer signs in.
    await officer.reload();
    expect(new URL(officer.url()).pathname).toBe('/app/sign-in');
    expect((await callApi(stack.baseUrl, 'GET', '/tasks', { as: { userId, email: '', token } })).status).toBe(401);

    // Withdrawing the role: the person is left with none.
    await page.getByRole('button', { name: 'Withdraw Housing manager' }).click();
    await expect(page.getByText('None here: they see nothing of this council.').count()).resolves.toBe(1);
    await page.close();
    await officer.close();
  }, 90_000);

  it('offers people and roles to the council’s administrators only', async () => {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.programmeManager.token);
    await expect(page.getByRole('link', { name: 'People and roles' }).count()).resolves.toBe(0);
    const refused = await page.goto(`${stack.baseUrl}/app/people`);
    expect(refused?.status()).toBe(403);
    await page.close();
  }, 30_000);
});

describe('starting the ALMO processes, and the public pages', () => {
  it('lets a programme manager start an ALMO establishment and an options review; the review’s terms of reference are public once published, and not before', async () => {
    const almo = await almoCast(stack);
    const page = await (await browser.newContext()).newPage();
    await signIn(page, almo.programmeManager.token);
    const startOf = async (kindName: string, fill: () => Promise<void>) => {
      await page.getByRole('link', { name: 'Start a process' }).click();
      await page.getByLabel(kindName).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await fill();
      await page.getByRole('button', { name: 'Continue' }).click();
      await expect(h1(page)).resolves.toBe('Check before you start');
      await page.getByRole('button', { name: 'Start the process' }).click();
      await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain('started.');
      return decodeURIComponent(new URL(page.url()).pathname.replace('/app/processes/', ''));
    };
    const establishment = await startOf('ALMO establishment, from options appraisal to inspection', async () => {
      await page.getByLabel('Almo', { exact: true }).fill('Riverside Homes');
      await page.getByLabel('Dwellings').fill('9000');
      await page.getByLabel('Leaseholders').fill('1200');
    });
    expect(establishment).toBe(`almo:${almo.council}:riverside-homes`);
    await looked(page, 'almo-started');
    const review = await startOf('Options review of an ALMO, including a return in-house', async () => {
      await page.getByLabel('Almo', { exact: true }).fill('Riverside Homes');
    });
    expect(review).toBe(`optionsreview:${almo.council}:riverside-homes`);
    await looked(page, 'options-review-started');

    // Not published yet: the council's public page has nothing of it.
    const anyone = await (await browser.newContext()).newPage();
    await anyone.goto(`${stack.baseUrl}/app/public/${almo.council}`);
    await expect(anyone.locator('main').textContent()).resolves.toContain('has published nothing yet');
    await decideNext(stack, review, 'notify_department', almo.programmeManager, 'notified', {
      notifiedOn: today(),
      reference: 'DLUHC/ALMO/2026/118',
    });
    await decideNext(stack, review, 'publish_terms_of_reference', almo.programmeManager, 'publish', {
      aims: 'The best housing service for residents',
      timescales: 'Decision in October, in-house on 1 April',
      process: 'Options appraisal, shortlist, consultation, decision',
      shortlistingCriteria: 'Cost, service, deliverability',
      decisionCriteria: 'Resident view and value for money',
    });
    const documents = await eventually(async () => {
      const listed = await callApi<{ items: { id: string; kind: string; sha256: string; public: boolean }[] }>(
        stack.baseUrl,
        'GET',
        `/processes/${encodeURIComponent(review)}/documents`,
        { as: almo.programmeManager },
      );
      expect(listed.body.items.map((d) => d.kind)).toContain('terms_of_reference');
      // The terms' decision record too, rendered just after the decision.
      expect(listed.body.items.map((d) => d.kind)).toContain('decision_record');
      return listed.body.items;
    });
    const terms = documents.find((d) => d.kind === 'terms_of_reference')!;
    const private_ = documents.filter((d) => !d.public);
    expect(private_.length).toBeGreaterThan(0);

    // Published: listed for anyone, with its SHA-256, from the index of councils too.
    await anyone.goto(`${stack.baseUrl}/app/public`);
    await looked(anyone, 'public-councils');
    await anyone.getByRole('link', { name: councilName(almo.council) }).click();
    const rows = await anyone.getByRole('table').locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Options review of Riverside Homes: terms of reference');
    expect(rows[0]).toContain(terms.sha256);
    await looked(anyone, 'public-council');
    const file = await anyone.request.get(
      `${stack.baseUrl}${await anyone.getByRole('link', { name: /terms of reference/ }).getAttribute('href')}`,
    );
    expect([file.status(), file.headers()['x-content-sha256']]).toEqual([200, terms.sha256]);
    // A document no step marked public is not there, and its address shows nothing to anyone.
    for (const hidden of private_) {
      expect(rows.join()).not.toContain(hidden.sha256);
      expect((await anyone.request.get(`${stack.baseUrl}/app/public/documents/${hidden.id}`)).status()).toBe(404);
    }
    await anyone.close();
    await page.close();
  }, 120_000);
});

describe('handing work over', () => {
  it('lets a programme manager hand an absent officer’s tasks to a colleague in one action, with a result per task', async () => {
    const processes = [await startLma(stack, cast)];
    const another = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.rep,
      body: { ...expressionOfInterest(cast.council), estate: 'Lisson Green' },
    });
    processes.push(another.body.processId);
    // The officer took both before going away.
    for (const processId of processes) {
      const task = await nextTask(stack, processId, 'appoint_adviser', cast.housingManager);
      expect(
        (await callApi(stack.baseUrl, 'POST', `/tasks/${encodeURIComponent(task.id)}/claim`, { as: cast.housingManager })).status,
      ).toBe(200);
    }
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.programmeManager.token);
    await page.getByRole('link', { name: 'Hand over work' }).click();
    await page.getByRole('link', { name: cast.housingManager.userId }).click();
    await expect(h1(page)).resolves.toBe(`Hand over ${cast.housingManager.userId}’s tasks`);
    // Every one of their open tasks, chosen to start with.
    await expect(page.locator('input[name="taskIds"]:checked').count()).resolves.toBe(2);
    await page.getByRole('button', { name: 'Hand over the tasks' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Select who to hand them to');
    await looked(page, 'hand-over-errors');
    await page.getByLabel('Hand them to').selectOption(cast.secondHousingManager.userId);
    await page.getByLabel('Why (optional)').fill('On leave until 4 January');
    await page.getByRole('button', { name: 'Hand over the tasks' }).click();
    await expect(page.locator('.govuk-panel__title').textContent()).resolves.toMatch(/^\s*2 of 2 tasks handed over\s*$/);
    await looked(page, 'hand-over-done');

    for (const processId of processes) {
      const task = await nextTask(stack, processId, 'appoint_adviser', cast.secondHousingManager);
      expect(task).toMatchObject({ assignee: cast.secondHousingManager.userId });
      const timeline = await timelineOf(stack, processId, cast.programmeManager);
      expect(timeline.at(-1)).toMatchObject({
        kind: 'assignment',
        summary: `${cast.programmeManager.userId} delegated Appoint an adviser to the residents' group to ${cast.secondHousingManager.userId}`,
        reasons: 'On leave until 4 January',
      });
    }
    await page.close();
  }, 90_000);

  it('lets an officer leave a note on a task for whoever acts on it next: on the task page and the process timeline, audited', async () => {
    const processId = await startLma(stack, cast);
    const task = await nextTask(stack, processId, 'appoint_adviser', cast.housingManager);
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.housingManager.token);
    await page.goto(`${stack.baseUrl}/app/tasks/${encodeURIComponent(task.id)}`);
    await page.getByRole('button', { name: 'Add the note' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Enter your note');
    await page.getByLabel('Add a note').fill('Dee Adviser is free from March; waiting for her to confirm');
    await page.getByRole('button', { name: 'Add the note' }).click();
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain('Note added');
    await expect(page.locator('main').textContent()).resolves.toContain(
      "Note on Appoint an adviser to the residents' group: Dee Adviser is free from March; waiting for her to confirm",
    );
    await looked(page, 'task-note');
    const timeline = await timelineOf(stack, processId, cast.programmeManager);
    expect(timeline.filter((e) => e.kind === 'task_note')).toEqual([
      expect.objectContaining({
        taskId: 'appoint-adviser',
        actor: expect.objectContaining({ userId: cast.housingManager.userId, role: 'housing_manager' }),
      }),
    ]);
    const audited = await stack.prisma.auditLog.findMany({ where: { processId, action: 'task.note' } });
    expect(audited.map((e) => e.details)).toEqual([
      { taskId: 'appoint-adviser', note: 'Dee Adviser is free from March; waiting for her to confirm' },
    ]);
    // An auditor reads, and changes nothing: no note from them.
    const byAuditor = await callApi(stack.baseUrl, 'POST', `/tasks/${encodeURIComponent(task.id)}/notes`, {
      as: cast.auditor,
      body: { note: 'x' },
    });
    expect(byAuditor.status).toBe(403);
    await page.close();
  }, 60_000);

  it('says why a task was not handed over: the colleague lacks its role, or it is no longer theirs', async () => {
    const processId = await startLma(stack, cast);
    const task = await nextTask(stack, processId, 'appoint_adviser', cast.housingManager);
    await callApi(stack.baseUrl, 'POST', `/tasks/${encodeURIComponent(task.id)}/claim`, { as: cast.housingManager });
    const handOver = (to: string) =>
      callApi<{ results: { taskId: string; moved: boolean; why?: string }[] }>(
        stack.baseUrl,
        'POST',
        `/councils/${cast.council}/hand-over`,
        {
          as: cast.programmeManager,
          body: { from: cast.housingManager.userId, to, taskIds: [task.id] },
        },
      );
    expect((await handOver(cast.finance.userId)).body.results).toEqual([
      expect.objectContaining({ taskId: task.id, moved: false, why: `${cast.finance.userId} does not hold the housing manager role here` }),
    ]);
    expect((await handOver(cast.secondHousingManager.userId)).body.results).toEqual([expect.objectContaining({ moved: true })]);
    // Moved already: the same again has nothing of theirs to move.
    expect((await handOver(cast.secondHousingManager.userId)).body.results).toEqual([
      expect.objectContaining({ taskId: task.id, moved: false, why: `not an open task of ${cast.housingManager.userId} here` }),
    ]);
    // Only a programme manager hands over someone else's work.
    const byColleague = await callApi(stack.baseUrl, 'POST', `/councils/${cast.council}/hand-over`, {
      as: cast.finance,
      body: { from: cast.secondHousingManager.userId, to: cast.finance.userId },
    });
    expect(byColleague.status).toBe(403);
  }, 60_000);
});

describe('residents’ representatives', () => {
  it('signs a residents’ representative in with a one-time link emailed to them, and lets them submit their group’s outline plan', async () => {
    const processId = await startLma(stack, cast);
    await decideNext(stack, processId, 'appoint_adviser', cast.housingManager, appointment.outcome, appointment.form);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${stack.baseUrl}/app/sign-in`);
    await page.getByRole('link', { name: 'Sign in with a link sent to your email address' }).click();
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Enter your email address');
    await looked(page, 'sign-in-email-errors');
    await page.getByLabel('Email address').fill(cast.rep.email.toUpperCase());
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await expect(h1(page)).resolves.toBe('Check your email');
    await looked(page, 'sign-in-email-sent');

    const mail = await stack.mailbox.waitFor(
      (m) => m.to.includes(cast.rep.email) && m.subject === 'Your link to sign in to housing governance',
    );
    const link = /(http:\/\/\S+\/app\/sign-in\/email\/[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    expect(link).toBeDefined();
    await page.goto(link!);
    await looked(page, 'sign-in-email-confirm');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(h1(page)).resolves.toBe('Your group’s tasks');
    await expect(page.locator('.app-identity').textContent()).resolves.toContain(REP_NAME);
    await looked(page, 'resident-inbox');

    // Their group's task, in their inbox: the outline plan, submitted through its form.
    await page.getByRole('link', { name: 'Submit the outline plan', exact: true }).click();
    // For the group, without an officer's claiming and handing over.
    await expect(page.locator('.govuk-summary-list').first().textContent()).resolves.toMatch(/For\s+Your residents’ group/);
    await expect(page.getByRole('button', { name: /^Claim it/ }).count()).resolves.toBe(0);
    await looked(page, 'resident-task');
    await page.getByLabel('Submit').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Summary').fill('We will look after the flowerbeds and the windows');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await expect(page.locator('.govuk-panel__title').textContent()).resolves.toContain('Decision recorded');
    await looked(page, 'resident-outline-plan-submitted');
    const timeline = await timelineOf(stack, processId, cast.housingManager);
    expect(timeline.find((e) => e.kind === 'decision' && e.taskId === 'outline-plan-1')).toMatchObject({
      actor: expect.objectContaining({ userId: cast.rep.userId, role: 'resident_rep' }),
    });

    // The link worked once: again, it says so and signs nobody in.
    const again = await (await browser.newContext()).newPage();
    const spent = await again.goto(link!);
    expect(spent?.status()).toBe(410);
    await expect(h1(again)).resolves.toBe('This link no longer works');
    await again.close();
    await page.close();
  }, 90_000);

  it('answers an unknown address as a known one, sends nothing to it, and sends one person at most three links in a quarter of an hour', async () => {
    const page = await (await browser.newContext()).newPage();
    const ask = async (email: string) => {
      await page.goto(`${stack.baseUrl}/app/sign-in/email`);
      await page.getByLabel('Email address').fill(email);
      await page.getByRole('button', { name: 'Email me a link' }).click();
      return h1(page);
    };
    await expect(ask(`nobody-${cast.council}@example.test`)).resolves.toBe('Check your email');
    // An officer's address is not a representative's: officers sign in with their council account.
    await expect(ask(cast.housingManager.email)).resolves.toBe('Check your email');
    for (let i = 0; i < 4; i++) await expect(ask(cast.rep.email)).resolves.toBe('Check your email');
    await eventually(async () => expect(stack.mailbox.received.filter((m) => m.to.includes(cast.rep.email))).toHaveLength(3));
    expect(
      stack.mailbox.received.filter(
        (m) => m.to.includes(`nobody-${cast.council}@example.test`) || m.to.includes(cast.housingManager.email),
      ),
    ).toEqual([]);
    expect(await stack.prisma.signInLink.count({ where: { userId: cast.rep.userId } })).toBe(3);
    await page.close();
  }, 60_000);
});

describe('the programme overview', () => {
  it('shows a programme manager each kind’s processes by stage (a chart and a table of the same figures), overdue tasks by role, incidents and quiet processes', async () => {
    // A compressed calendar: a working day is 100 ms, so the adviser's appointment falls due within seconds.
    await callApi(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, { as: cast.programmeManager, body: compressedLmaPolicy });
    const atAdviser = await startLma(stack, cast);
    const another = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.rep,
      body: { ...expressionOfInterest(cast.council), estate: 'Lisson Green' },
    });
    const atOutlinePlan = another.body.processId;
    await decideNext(stack, atOutlinePlan, 'appoint_adviser', cast.housingManager, appointment.outcome, appointment.form);
    // A decision PostgreSQL cannot store, sent past the API (which refuses it): the process stops on an incident.
    const stopped = (
      await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
        as: cast.rep,
        body: { ...expressionOfInterest(cast.council), estate: 'Pimlico' },
      })
    ).body.processId;
    const task = await nextTask(stack, stopped, 'appoint_adviser', cast.housingManager);
    await stack.client.workflow.getHandle(stopped).startUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id.split('~')[1]!,
          actor: { userId: cast.housingManager.userId, role: 'housing_manager' },
          ...appointment,
          reasons: 'bad\u0000reasons',
        },
      ],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await eventually(async () => {
      const overview = await callApi<{ incidents: unknown[]; overdueByRole: { role: string; tasks: number }[] }>(
        stack.baseUrl,
        'GET',
        `/councils/${cast.council}/overview`,
        { as: cast.programmeManager },
      );
      expect(overview.body.incidents).toHaveLength(1);
      // Every open task past its due date: two adviser appointments, one outline plan.
      expect(overview.body.overdueByRole).toEqual([
        { role: 'housing_manager', tasks: 2 },
        { role: 'resident_rep', tasks: 1 },
      ]);
    }, 30_000);
    // Forty days without a change, as the read model records it.
    await stack.prisma.processRecord.update({ where: { id: atAdviser }, data: { updatedAt: new Date(Date.now() - 40 * 86_400_000) } });

    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.programmeManager.token);
    await page.getByRole('link', { name: 'Overview' }).click();
    await expect(h1(page)).resolves.toBe('Programme overview');
    const cells = async (table: string) =>
      (await page.getByRole('table', { name: table }).first().locator('tbody tr').allTextContents()).map((r) =>
        r.replace(/\s+/g, ' ').trim(),
      );
    const lmaStages = (await page.locator('#kind-lma + .govuk-grid-row tbody tr').allTextContents()).map((r) =>
      r.replace(/\s+/g, ' ').trim(),
    );
    expect(lmaStages.slice(0, 3)).toEqual(['Adviser appointment 2 0', 'Outline plan 1 0', 'Budget decision 0 0']);
    // The chart draws the same figures: a bar per stage, as long as its count.
    const bars = await page
      .locator('#kind-lma + .govuk-grid-row svg rect')
      .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('width'))));
    expect(bars[0]).toBeGreaterThan(bars[1]!);
    expect(bars[1]).toBeGreaterThan(0);
    expect(bars[2]).toBe(0);
    expect(await cells('Overdue tasks by role')).toEqual(['Housing manager 2', 'Resident rep 1']);
    const incidents = await cells('Processes stopped by an incident');
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatch(/Pimlico.*\(in recordDecision\)/);
    expect(await cells('Active processes with no change for 28 days or more')).toEqual([
      expect.stringMatching(/^Local Management Agreement: Churchill Gardens Residents Association, Churchill Gardens Adviser appointment /),
    ]);
    await looked(page, 'overview');
    await page.close();
  }, 90_000);
});

describe('saved inbox views', () => {
  it('keeps an officer’s inbox views on the server: saved with a name, there on another computer, and deleted', async () => {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.housingManager.token);
    await page.goto(`${stack.baseUrl}/app/?show=unassigned&overdue=yes&kind=lma`);
    await page.getByRole('button', { name: 'Save the view' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Enter a name for the view');
    await page.getByLabel('Save these filters as a view').fill('Overdue LMAs nobody has');
    await page.getByRole('button', { name: 'Save the view' }).click();
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain(
      'View ‘Overdue LMAs nobody has’ saved',
    );
    await page.close();

    // Another computer, another session: the view is there, and opens the same filters.
    const elsewhere = await (await browser.newContext()).newPage();
    await signIn(elsewhere, cast.housingManager.token);
    await elsewhere.getByRole('link', { name: 'Overdue LMAs nobody has' }).click();
    const url = new URL(elsewhere.url());
    expect([url.pathname, url.searchParams.get('show'), url.searchParams.get('overdue'), url.searchParams.get('kind')]).toEqual([
      '/app/',
      'unassigned',
      'yes',
      'lma',
    ]);
    await looked(elsewhere, 'inbox-saved-view');
    // Someone else's views are their own.
    const colleague = await callApi<{ items: unknown[] }>(stack.baseUrl, 'GET', '/me/inbox-views', { as: cast.secondHousingManager });
    expect(colleague.body.items).toEqual([]);
    await elsewhere.getByRole('button', { name: 'Delete view Overdue LMAs nobody has' }).click();
    await expect(elsewhere.locator('.govuk-notification-banner--success').textContent()).resolves.toContain('View deleted.');
    await expect(elsewhere.getByRole('link', { name: 'Overdue LMAs nobody has' }).count()).resolves.toBe(0);
    await elsewhere.close();
  }, 60_000);
});

describe('out-of-office delegation', () => {
  it('shows an absent officer’s tasks to the colleague covering, who may decide them and gets their emails, for the dates given and no further', async () => {
    const third = await stack.user({ council: cast.council, role: 'housing_manager' });
    const processId = await startLma(stack, cast);
    const task = await nextTask(stack, processId, 'appoint_adviser', cast.housingManager);
    await callApi(stack.baseUrl, 'POST', `/tasks/${encodeURIComponent(task.id)}/claim`, { as: cast.housingManager });

    // The officer records their own absence in the browser: from today, a week.
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.housingManager.token);
    await page.getByRole('link', { name: 'Out of office' }).click();
    await page.getByRole('button', { name: 'Record the absence' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Enter covered by/);
    await looked(page, 'absences-errors');
    const [year, month, day] = today().split('-');
    const until = daysAfter(today(), 7).split('-');
    await page.getByLabel('Covered by').fill(cast.secondHousingManager.userId);
    for (const [legend, [y, m, d]] of [
      ['From', [year, month, day]],
      ['Until', until],
    ] as const) {
      const group = page.getByRole('group', { name: legend });
      await group.getByLabel('Day').fill(String(Number(d)));
      await group.getByLabel('Month').fill(String(Number(m)));
      await group.getByLabel('Year').fill(String(y));
    }
    await page.getByRole('button', { name: 'Record the absence' }).click();
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain(
      `${cast.housingManager.userId} is away from`,
    );
    await looked(page, 'absences');
    await page.close();
    // The colleague covering is away too, covered by a third: cover is not passed on to the third.
    const second = await callApi(stack.baseUrl, 'POST', `/councils/${cast.council}/absences`, {
      as: cast.programmeManager,
      body: { userId: cast.secondHousingManager.userId, delegateId: third.userId, startsOn: today(), endsOn: today() },
    });
    expect(second.status).toBe(201);

    const mine = (as: TestUser) =>
      callApi<{ items: { id: string }[] }>(stack.baseUrl, 'GET', `/tasks?council=${cast.council}&owner=me&status=open`, { as });
    expect((await mine(cast.secondHousingManager)).body.items.map((t) => t.id)).toEqual([task.id]);
    expect((await mine(third)).body.items).toEqual([]);

    // An email to the officer away goes to the colleague covering as well, and no further.
    await stack.prisma.notification.create({
      data: {
        id: randomUUID(),
        dedupeKey: `absence-test:${randomUUID()}`,
        processId,
        event: 'test',
        recipients: [cast.housingManager.email],
        subject: `Reminder for ${cast.council}`,
        body: 'A task waits for you.',
        status: 'pending',
      },
    });
    const mail = await stack.mailbox.waitFor((m) => m.subject === `Reminder for ${cast.council}`);
    expect(mail.to).toEqual([cast.housingManager.email, cast.secondHousingManager.email].sort());

    // The colleague decides it in the browser; the decision is theirs.
    const covering = await (await browser.newContext()).newPage();
    await signIn(covering, cast.secondHousingManager.token);
    await covering.getByRole('link', { name: "Appoint an adviser to the residents' group", exact: true }).click();
    await covering.getByLabel('Appoint').check();
    await covering.getByRole('button', { name: 'Continue' }).click();
    await covering.getByLabel('Adviser user id').fill('hm-dee');
    await covering.getByLabel('Adviser name').fill('Dee Adviser');
    await covering.getByRole('button', { name: 'Continue' }).click();
    await covering.getByRole('button', { name: 'Record the decision' }).click();
    await expect(covering.locator('.govuk-panel__title').textContent()).resolves.toContain('Decision recorded');
    const timeline = await timelineOf(stack, processId, cast.programmeManager);
    expect(timeline.find((e) => e.kind === 'decision')).toMatchObject({
      actor: expect.objectContaining({ userId: cast.secondHousingManager.userId, role: 'housing_manager' }),
    });
    await covering.close();
  }, 90_000);
});
