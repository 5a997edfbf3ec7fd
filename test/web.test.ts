import type { Browser, Page } from 'playwright-core';
import { launchBrowser, looked, signIn as signInAt } from './support/browser';
import {
  appointment,
  councilName,
  driveToPreparingAgreement,
  expressionOfInterest,
  lmaCast,
  responsibilities,
  startLma,
  type LmaCast,
} from './support/lma';
import { grantRole } from '../lib/identity';
import { WorkflowUpdateStage } from '@temporalio/client';
import { completeTaskUpdate } from '../workflows/common/tasks';
import { eventually } from './support/eventually';
import { callApi, startTestStack, uniqueCouncil, type TestStack } from './support/stack';
import { startIdentityProvider } from './support/identity-provider';
import { freePort } from '../scripts/lib/ports';
import { decideNext, nextTask } from './support/tasks';
import { recordsRendered } from './support/documents';

// The officers' web pages in a real browser on the real stack (see support/browser.ts).

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

const signIn = (page: Page, token: string) => signInAt(page, stack.baseUrl, token);

describe('the officers’ web pages', () => {
  it('signs an officer in, refusing a token not in use with the error summary, and shows their tasks grouped by when they are due', async () => {
    const processId = await startLma(stack, cast);
    await nextTask(stack, processId, 'appoint_adviser', cast.housingManager);
    const page = await (await browser.newContext()).newPage();

    // Not signed in: sent to sign in.
    await page.goto(`${stack.baseUrl}/app/`);
    expect(new URL(page.url()).pathname).toBe('/app/sign-in');
    await looked(page, 'sign-in');

    await signIn(page, 'hg_not-a-token-anyone-holds');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Enter an API token that is in use');
    expect(await page.title()).toMatch(/^Error: Sign in/);
    await looked(page, 'sign-in-error');

    await signIn(page, cast.housingManager.token);
    expect(new URL(page.url()).pathname).toBe('/app/');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Your tasks');
    const row = page.getByRole('row', { name: /Appoint/ });
    // The process runs on a compressed calendar: its first task falls due within seconds, in words.
    const text = ((await row.textContent()) ?? '').replace(/\s+/g, ' ');
    expect(text).toMatch(/Appoint an adviser to the residents' group\s?Local Management Agreement, council-/);
    expect(text).toMatch(
      /housing manager, unassigned ?(due today|overdue today|\d+ days? overdue|due [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ \d{4})/,
    );
    await looked(page, 'inbox');
    // The same tasks as a spreadsheet.
    const csv = await page.request.get(
      `${stack.baseUrl}${await page.getByRole('link', { name: /Download them as a spreadsheet/ }).getAttribute('href')}`,
    );
    const [heading, ...rows] = (await csv.text()).trim().split('\r\n');
    expect(heading).toBe('"Task","Reference","Process","Council","Role","Assigned to","Opened","Due","When"');
    expect(rows).toEqual([
      expect.stringMatching(
        /^"Appoint an adviser to the residents' group",".*~appoint-adviser","Local Management Agreement",".*","housing manager","",/,
      ),
    ]);

    // Signing out ends the session: the inbox asks to sign in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${stack.baseUrl}/app/`);
    expect(new URL(page.url()).pathname).toBe('/app/sign-in');
    await page.close();
  }, 90_000);

  it('signs an officer in through the council’s identity provider (OpenID Connect, code with PKCE), matched by a stable claim, with a token for the session alone', async () => {
    const webPort = await freePort();
    const provider = await startIdentityProvider(`http://127.0.0.1:${webPort}/app/sign-in/callback`);
    const web = await stack.api({ port: webPort, web: { oidc: provider.settings } });
    const officer = cast.housingManager.userId;
    await stack.prisma.appUser.update({ where: { id: officer }, data: { signInSubject: `oid-${officer}` } });
    const atProvider = async (page: Page, login: string) => {
      await page.goto(`${web.baseUrl}/app/`);
      expect(new URL(page.url()).pathname).toBe('/app/sign-in');
      await page.getByRole('button', { name: 'Sign in with your council account' }).click();
      // The provider's own sign-in and consent screens.
      await page.locator('input[name=login]').fill(login);
      await page.locator('input[name=password]').fill('any password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
    };
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${web.baseUrl}/app/sign-in`);
      await looked(page, 'sign-in-provider');
      await atProvider(page, officer);
      expect(new URL(page.url()).pathname).toBe('/app/');
      await expect(page.locator('.app-identity').textContent()).resolves.toContain(`Signed in as ${officer}`);

      // Finding a task by the filter panel: unassigned LMA tasks, the filter kept in the URL and shown as a tag.
      const processId = await startLma(stack, cast);
      const appoint = await nextTask(stack, processId, 'appoint_adviser', cast.housingManager);
      await page.getByLabel('Unassigned in my roles', { exact: true }).check();
      await page.getByLabel('Process').selectOption({ label: 'Local Management Agreement' });
      await page.getByRole('button', { name: 'Apply filters' }).click();
      const filtered = new URL(page.url()).searchParams;
      expect([filtered.get('show'), filtered.get('kind')]).toEqual(['unassigned', 'lma']);
      await expect(page.locator('.moj-filter__tag').allTextContents()).resolves.toEqual([
        expect.stringContaining('Unassigned in my roles'),
        expect.stringContaining('Local Management Agreement'),
      ]);
      await looked(page, 'inbox-filtered');
      // Claimed from the list: it leaves the unassigned view, and is the officer's own.
      await page.getByRole('button', { name: `Claim ${appoint.title}` }).click();
      await page.waitForLoadState();
      await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain(
        `You have claimed ‘${appoint.title}’`,
      );
      await expect(page.getByRole('row', { name: new RegExp(appoint.title) }).count()).resolves.toBe(0);
      await page.getByLabel('Assigned to me', { exact: true }).check();
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect(page.getByRole('row', { name: new RegExp(appoint.title) }).textContent()).resolves.toContain('assigned to you');
      // Each row also leads to the task's hand-over form.
      await expect(page.getByRole('link', { name: `Hand over ${appoint.title}` }).getAttribute('href')).resolves.toMatch(/#to$/);
      // The pages act through a token issued for this session; signing out revokes it.
      const sessionTokens = () => stack.prisma.apiToken.findMany({ where: { userId: officer, label: 'web session' } });
      const [issued] = await sessionTokens();
      expect(issued).toMatchObject({ revokedAt: null, expiresAt: expect.any(Date) });
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect(sessionTokens()).resolves.toEqual([expect.objectContaining({ id: issued?.id, revokedAt: expect.any(Date) })]);

      // Someone the provider knows whom the council has not set up: refused, and no token issued.
      const stranger = await (await browser.newContext()).newPage();
      await atProvider(stranger, 'someone-else');
      await expect(stranger.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Your account is not set up for this service');
      await looked(stranger, 'sign-in-not-set-up');
      await page.close();
      await stranger.close();
    } finally {
      web.close();
      provider.stop();
    }
  }, 90_000);

  it('shows a person with grants in two councils which one they act for, and lets them switch, the inbox following', async () => {
    const other = await lmaCast(stack);
    await grantRole(stack.prisma, cast.housingManager.userId, { council: other.council, role: 'housing_manager', groupKey: '' });
    const here = await nextTask(stack, await startLma(stack, cast), 'appoint_adviser', cast.housingManager);
    const there = await nextTask(stack, await startLma(stack, other), 'appoint_adviser', other.housingManager);
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.housingManager.token);
    const [first, second] = [cast.council, other.council].sort();
    const actingFor = async () => ((await page.locator('.app-identity p').textContent()) ?? '').replace(/\s+/g, ' ');
    const listed = () => page.locator('tbody tr th a').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    const councilOf = (taskId: string) => (taskId === here.id ? cast.council : other.council);

    await expect(actingFor()).resolves.toContain(`acting for ${councilName(first as string)}`);
    await expect(listed()).resolves.toEqual([
      expect.stringContaining(encodeURIComponent(first === councilOf(here.id) ? here.id : there.id)),
    ]);
    await page.getByLabel('Council to act for').selectOption(second as string);
    await page.getByRole('button', { name: 'Switch council' }).click();
    await expect(actingFor()).resolves.toContain(`acting for ${councilName(second as string)}`);
    await expect(listed()).resolves.toEqual([
      expect.stringContaining(encodeURIComponent(second === councilOf(here.id) ? here.id : there.id)),
    ]);
    await looked(page, 'inbox-switched-council');
    await page.close();
  }, 90_000);

  it('lets a programme manager start a process from its start form, checked first; the same again lands on the one that exists', async () => {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.programmeManager.token);
    await page.getByRole('link', { name: 'Start a process' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Select which process to start');
    await page.getByLabel('Local Management Agreement').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    // The form comes from the kind's start schema; the council is the one acted for.
    await page.getByRole('button', { name: 'Continue' }).click();
    const summary = (await page.getByRole('alert').textContent()) ?? '';
    expect(summary).toContain('Enter estate');
    // The group's own questions each say what they need.
    expect(summary).toContain('Select legal form');
    await looked(page, 'start-errors');
    const start = async () => {
      await page.getByLabel('Estate', { exact: true }).fill('Churchill Gardens');
      await page.getByLabel('Name', { exact: true }).fill('Churchill Gardens Residents Association');
      await page.getByLabel('Residents association').check();
      await page.getByLabel('Gardening').check();
      await page.getByLabel('Scope').fill('flowerbeds by Elm House');
      await page.getByRole('button', { name: 'Continue' }).click();
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Check before you start');
      await page.getByRole('button', { name: 'Start the process' }).click();
    };
    await start();
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain(
      'Local Management Agreement started.',
    );
    await expect(page.getByRole('row', { name: /Appoint an adviser/ }).textContent()).resolves.toMatch(/housing manager/);
    const processId = decodeURIComponent(new URL(page.url()).pathname.replace('/app/processes/', ''));
    expect(processId).toBe(`lma:${cast.council}:churchill-gardens:churchill-gardens-residents-association`);
    await looked(page, 'process-started');

    await page.goto(`${stack.baseUrl}/app/processes/new/lma`);
    await start();
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain('had been started already');
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/app/processes/${processId}`);

    // What the programme manager can do with it: cancel it, giving reasons (asked for before anything is sent).
    await page.getByRole('link', { name: 'Cancel the process' }).click();
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Enter reasons');
    await looked(page, 'process-cancel-errors');
    // Text written at length gets a box, not a line.
    await expect(page.getByLabel('Reasons').evaluate((field) => field.tagName)).resolves.toBe('TEXTAREA');
    await page.getByLabel('Reasons').fill('Started by mistake for the wrong estate');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain('Done: cancel the process.');
    await expect(page.locator('.govuk-summary-list').first().textContent()).resolves.toMatch(/Status\s+Cancelled/);
    await expect(page.getByRole('link', { name: 'Cancel the process' }).count()).resolves.toBe(0);
    await page.close();
  }, 90_000);

  it('finds the council’s processes by kind, stage, overdue tasks and incident, in the order asked for, the filters in the URL, and downloads them as CSV', async () => {
    const startAt = async (estate: string) =>
      (
        await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
          as: cast.rep,
          body: { ...expressionOfInterest(cast.council), estate },
        })
      ).body.processId;
    const elm = await startAt('Elm Estate');
    const oak = await startAt('Oak Estate');
    await decideNext(stack, elm, 'appoint_adviser', cast.housingManager, 'appoint', appointment.form);
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.programmeManager.token);
    await page.getByRole('link', { name: 'Processes', exact: true }).click();
    const listed = () => page.locator('tbody tr th a').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    const hrefOf = (id: string) => `/app/processes/${encodeURIComponent(id)}`;
    await expect(listed()).resolves.toEqual([hrefOf(oak), hrefOf(elm)]);
    await looked(page, 'find-processes');

    await page.getByLabel('Process').selectOption({ label: 'Local Management Agreement' });
    await page.getByLabel('Stage').selectOption({ label: 'Outline plan' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const filtered = new URL(page.url()).searchParams;
    expect([filtered.get('kind'), filtered.get('stage')]).toEqual(['lma', 'outline_plan']);
    await expect(listed()).resolves.toEqual([hrefOf(elm)]);

    // The whole list as a spreadsheet, the filters kept.
    const csv = await page.request.get(
      `${stack.baseUrl}${await page.getByRole('link', { name: /Download them as a spreadsheet/ }).getAttribute('href')}`,
    );
    expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
    expect((await csv.text()).trim().split('\r\n')).toEqual([
      '"Process","Reference","Kind","Council","Stage","Status","Started","Incident"',
      expect.stringMatching(
        new RegExp(
          `^"Local Management Agreement: .*Elm Estate","${elm}","Local Management Agreement","${cast.council}","Outline plan","Active",`,
        ),
      ),
    ]);

    // Ordered by title, and only those with an overdue task (the Oak Estate's, made overdue here).
    await stack.prisma.task.updateMany({ where: { processId: oak, status: 'open' }, data: { dueAt: new Date(Date.now() - 60_000) } });
    await page.goto(`${stack.baseUrl}/app/processes?sort=title`);
    await expect(listed()).resolves.toEqual([hrefOf(elm), hrefOf(oak)]);
    await page.getByLabel('With an overdue task').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(listed()).resolves.toEqual([hrefOf(oak)]);

    await page.getByLabel('Stopped by an incident').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page.getByText('No processes match.').isVisible()).resolves.toBe(true);
    await page.close();
  }, 90_000);

  it('lets an officer decide an LMA task through its form: a missing choice and missing fields shown in the error summary, then checked, recorded, and what happens next', async () => {
    const processId = await startLma(stack, cast);
    await nextTask(stack, processId, 'appoint_adviser', cast.housingManager);
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.housingManager.token);
    await page.getByRole('link', { name: "Appoint an adviser to the residents' group", exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe("Appoint an adviser to the residents' group");
    await expect(page.locator('.govuk-summary-list').first().textContent()).resolves.toMatch(
      new RegExp(`Who could take it\\s+.*${cast.housingManager.userId} \\(you\\)`),
    );
    await looked(page, 'task');

    // Claimed and released from the task page; handing it over without saying to whom is refused.
    await page.getByRole('button', { name: /^Claim it/ }).click();
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain('You have claimed');
    await page.getByRole('button', { name: /^Release it/ }).click();
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain('You have released');
    await page.getByRole('button', { name: 'Hand it over' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Select who to hand the task to');
    await expect(page.getByLabel('Hand it to a colleague with the role').locator('option').allTextContents()).resolves.toContain(
      `${cast.secondHousingManager.userId} (${cast.secondHousingManager.userId})`,
    );
    await looked(page, 'task-hand-over-error');

    // Continuing without a decision says so, and takes the person to the question.
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Select what you decide');
    await looked(page, 'task-no-choice');

    await page.getByLabel('Appoint').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    // The form comes from the task kind's schema: the adviser's user id and name, both required.
    await page.getByRole('button', { name: 'Continue' }).click();
    const summary = (await page.getByRole('alert').textContent()) ?? '';
    expect(summary).toContain('Enter adviser user id');
    expect(summary).toContain('Enter adviser name');
    expect(await page.title()).toMatch(/^Error: /);
    await looked(page, 'task-form-errors');

    await page.getByLabel('Adviser user id').fill('hm-dee');
    await page.getByLabel('Adviser name').fill('Dee Adviser');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Check your decision');
    await expect(page.locator('.govuk-summary-list').textContent()).resolves.toMatch(/Adviser name\s+Dee Adviser/);
    await looked(page, 'task-check');

    await page.getByRole('button', { name: 'Record the decision' }).click();
    await expect(page.locator('.govuk-panel__title').textContent()).resolves.toContain('Decision recorded');
    // What the decision opened, already in the inbox: the group's outline plan.
    await expect(page.getByRole('listitem').filter({ hasText: 'Submit the outline plan' }).textContent()).resolves.toMatch(/resident rep/);
    await looked(page, 'task-done');

    // The process page has moved on: the adviser's appointment done, the outline plan under way, and
    // the decision on its timeline with who made it, in which role.
    await page.getByRole('link', { name: 'See the process' }).click();
    const step = async (name: string) =>
      ((await page.locator('.govuk-task-list__item').filter({ hasText: name }).textContent()) ?? '').replace(/\s+/g, ' ');
    await expect(step('Adviser appointment')).resolves.toContain('Completed');
    await expect(step('Outline plan')).resolves.toContain('In progress');
    await expect(step('Operating')).resolves.toContain('Cannot start yet');
    await expect(page.locator('.govuk-task-list__item').filter({ hasText: 'Withdrawn' }).count()).resolves.toBe(0);
    const decidedEntry = page.locator('.moj-timeline__item').filter({ hasText: `by ${cast.housingManager.userId}, housing manager` });
    await expect(decidedEntry.count()).resolves.toBeGreaterThan(0);
    await expect(decidedEntry.allTextContents()).resolves.toContainEqual(expect.stringMatching(/Appoint/));
    await expect(page.getByRole('row', { name: /Submit the outline plan/ }).textContent()).resolves.toMatch(/resident rep/);
    await expect(page.locator('.govuk-summary-list').filter({ hasText: 'LMA-R1' }).textContent()).resolves.toMatch(/PROCESSES\.md/);
    await looked(page, 'process');

    // The inbox's "completed by me" lists the decision.
    await page.goto(`${stack.baseUrl}/app/?show=completed`);
    await expect(page.getByRole('row', { name: /Appoint an adviser/ }).textContent()).resolves.toContain('Appoint');
    await looked(page, 'inbox-completed');
    const view = await callApi<{ decisions: { taskId: string; outcome: string; form: unknown }[] }>(
      stack.baseUrl,
      'GET',
      `/processes/${processId}`,
      {
        as: cast.auditor,
      },
    );
    expect(view.body.decisions).toEqual([
      expect.objectContaining({ outcome: 'appoint', form: { adviserUserId: 'hm-dee', adviserName: 'Dee Adviser' } }),
    ]);
    await page.close();
  }, 90_000);

  it('lets an officer decide a task with the keyboard alone: focus goes to the error summary, and from it to the field', async () => {
    const processId = await startLma(stack, cast);
    const task = await nextTask(stack, processId, 'appoint_adviser', cast.housingManager);
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.housingManager.token);
    // In the page (a string, as this file is compiled without the DOM's types): the focused element's tag, text and name.
    const focused = () =>
      page.evaluate<string>(
        "(() => { const e = document.activeElement; return [e?.tagName, e?.textContent?.trim(), e?.getAttribute('name')].join(' ').replace(/\\s+/g, ' '); })()",
      );
    /** Presses Tab until the focused element's text or name matches; fails if it never does. */
    const tabTo = async (what: RegExp) => {
      for (let presses = 0; presses < 80; presses += 1) {
        await page.keyboard.press('Tab');
        if (what.test(await focused())) return;
      }
      throw new Error(`Tab never reached ${what}`);
    };

    await tabTo(new RegExp(`^A ${task.title}`));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/tasks\//);
    await tabTo(/^INPUT .*outcome$/);
    await page.keyboard.press('Space');
    await tabTo(/^BUTTON Continue/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/decide\?outcome=appoint/);
    await tabTo(/^BUTTON Continue/);
    await page.keyboard.press('Enter');
    // The error summary takes focus as the page loads; its first link then takes the person to the field.
    await page.waitForFunction("document.activeElement?.classList.contains('govuk-error-summary')");
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toMatch(/^A Enter adviser user id/);
    await page.keyboard.press('Enter');
    await expect(focused()).resolves.toMatch(/^(INPUT|TEXTAREA) .*adviserUserId/);
    await page.keyboard.type('hm-kay');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Kay Adviser');
    await tabTo(/^BUTTON Continue/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/check$/);
    await tabTo(/^BUTTON Record the decision/);
    await page.keyboard.press('Enter');
    await expect(page.locator('.govuk-panel__title').textContent()).resolves.toContain('Decision recorded');
    await looked(page, 'keyboard-done');
    await page.close();
  }, 90_000);

  it('lets the ALMO board benchmark an SLA service through its form: pounds, and a repeating row added without JavaScript', async () => {
    const council = uniqueCouncil();
    await stack.prisma.council.create({ data: { slug: council, name: 'Riverside Borough Council', updatedAt: new Date() } });
    const programmeManager = await stack.user({ council, role: 'programme_manager' });
    const board = await stack.user({ council, role: 'almo_board', name: 'Ann Lee' });
    const lead = await stack.user({ council, role: 'service_lead', name: 'Head of Legal' });
    const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
      as: programmeManager,
      body: {
        kind: 'sla',
        council,
        almo: 'Riverside Homes',
        purpose: 'renegotiation',
        services: [
          {
            service: 'legal',
            serviceLead: { userId: lead.userId, name: 'Head of Legal' },
            terms: { annualChargePence: 12_000_000, unitCostPence: 6_000, unit: 'hour of legal advice', kpis: [] },
          },
        ],
      },
    });
    const processId = started.body.processId;
    await nextTask(stack, processId, 'benchmark_service', board);

    const page = await (await browser.newContext()).newPage();
    await signIn(page, board.token);
    await page.getByRole('link', { name: /^Benchmark/ }).click();
    await page.getByLabel('Benchmark', { exact: true }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Quartile').fill('4');
    await page.getByLabel('Comparator unit cost').fill('45.00');
    await page.getByLabel('Measure').fill('satisfaction with advice');
    await page.getByLabel('Value').fill('71%');
    await page.getByLabel('Benchmark', { exact: true }).fill('80%');
    await page.getByRole('button', { name: 'Add another' }).click();
    // The second row is there, the first kept as entered.
    await expect(page.getByLabel('Measure').nth(1).inputValue()).resolves.toBe('');
    await expect(page.getByLabel('Measure').nth(0).inputValue()).resolves.toBe('satisfaction with advice');
    await expect(page.getByLabel('Comparator unit cost').inputValue()).resolves.toBe('45');
    await looked(page, 'sla-benchmark-form');
    await page.getByLabel('Measure').nth(1).fill('advice within 5 working days');
    await page.getByLabel('Value').nth(1).fill('88%');
    await page.getByLabel('Benchmark', { exact: true }).nth(1).fill('95%');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.locator('.govuk-summary-list').textContent()).resolves.toContain('£45.00');
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await expect(page.locator('.govuk-panel__title').textContent()).resolves.toContain('Decision recorded');
    await looked(page, 'sla-benchmark-done');

    // The negotiation (a child process) opens with the ALMO's proposal: its form starts from the terms in force.
    const proposal = await nextTask(stack, processId, 'propose_sla_terms', board);
    await page.goto(`${stack.baseUrl}/app/tasks/${encodeURIComponent(proposal.id)}`);
    // Retracting needs reasons: the choice says so, and its form asks for them before anything is sent.
    await expect(page.locator('.govuk-radios__item').filter({ hasText: 'Retract' }).textContent()).resolves.toContain(
      'You give your reasons with this decision',
    );
    await page.getByLabel('Retract', { exact: true }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Enter your reasons to retract');
    await looked(page, 'sla-retract-needs-reasons');
    await page.goto(`${stack.baseUrl}/app/tasks/${encodeURIComponent(proposal.id)}`);
    await page.getByLabel('Propose', { exact: true }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByLabel('Annual charge').inputValue()).resolves.toBe('120000');
    await expect(page.getByLabel('Unit', { exact: true }).inputValue()).resolves.toBe('hour of legal advice');
    await page.getByLabel('Annual charge').fill('115000');
    await page.getByLabel('Unit cost').fill('57.50');
    // A proposal states at least one KPI: the terms in force had none.
    await page.getByLabel('Measure').fill('advice within 5 working days');
    await page.getByLabel('Target').fill('95%');
    await looked(page, 'sla-proposal-form');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await expect(page.locator('.govuk-panel__title').textContent()).resolves.toContain('Decision recorded');
    await page.getByRole('button', { name: 'Sign out' }).click();

    // The service lead's counter-proposal starts from the ALMO's proposal.
    const response = await nextTask(stack, processId, 'respond_to_sla_proposal', lead);
    await signIn(page, lead.token);
    await page.goto(`${stack.baseUrl}/app/tasks/${encodeURIComponent(response.id)}`);
    await page.getByLabel('Counter', { exact: true }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByLabel('Annual charge').inputValue()).resolves.toBe('115000');
    await expect(page.getByLabel('Unit cost').inputValue()).resolves.toBe('57.5');
    await expect(page.getByLabel('Measure').inputValue()).resolves.toBe('advice within 5 working days');
    await page.getByLabel('Unit cost').fill('50');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await expect(page.locator('.govuk-panel__title').textContent()).resolves.toContain('Decision recorded');
    // The set's process page shows the negotiation's next step, the ALMO's reply, as a task of a process it started.
    await page.getByRole('link', { name: 'See the process' }).click();
    await expect(page.getByRole('row', { name: /reply to the counter-proposal/ }).textContent()).resolves.toContain(
      'in a process it started',
    );
    // The SLA's own summary on its page: each service, its charge, its gap and where it stands.
    await expect(
      page
        .getByRole('table', { name: "The set's services" })
        .getByRole('row', { name: /Legal services/ })
        .textContent(),
    ).resolves.toMatch(/Legal services\s*£120,000\.00\s*25%\s*Round 2, waiting for the ALMO/);
    // The timeline names people as the service knows them.
    await expect(page.locator('.moj-timeline__byline').allTextContents()).resolves.toContainEqual(
      expect.stringContaining('by Ann Lee, almo board'),
    );
    await looked(page, 'sla-process');

    const view = await callApi<{ details: { services: { benchmark?: unknown }[] } }>(stack.baseUrl, 'GET', `/processes/${processId}`, {
      as: programmeManager,
    });
    expect(view.body.details.services[0]?.benchmark).toMatchObject({
      method: 'benchmark',
      quartile: 4,
      comparatorUnitCostPence: 4_500,
      qualityMeasures: [
        { measure: 'satisfaction with advice', value: '71%', benchmark: '80%' },
        { measure: 'advice within 5 working days', value: '88%', benchmark: '95%' },
      ],
    });
    await page.close();
  }, 90_000);

  it('starts the agreement’s draft from the approved detailed plan: legal services changes only what differs', async () => {
    const processId = await driveToPreparingAgreement(stack, cast, 'none');
    const draft = await nextTask(stack, processId, 'draft_agreement', cast.legal);
    await recordsRendered(stack, processId);
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.legal.token);
    await page.goto(`${stack.baseUrl}/app/tasks/${encodeURIComponent(draft.id)}/decide?outcome=approve`);
    // Both services of the plan, as approved: the standards, the payment in pounds, the contractor's quotes.
    await expect(page.getByLabel('Standards').nth(0).inputValue()).resolves.toBe('Beds weeded weekly from March to October');
    await expect(page.getByLabel('Standards').nth(1).inputValue()).resolves.toBe('Communal windows cleaned monthly');
    await expect(page.getByLabel('Annual payment').nth(0).inputValue()).resolves.toBe('1200');
    await expect(
      page.getByLabel('Supplier').evaluateAll((inputs) => inputs.map((i) => (i as unknown as { value: string }).value)),
    ).resolves.toEqual(['', 'Shine Windows Ltd', 'Clearview Cleaning']);
    await looked(page, 'draft-from-plan');
    await page.getByLabel('Standards').nth(1).fill('Communal windows cleaned every two weeks');
    await page.getByLabel('Group responsibilities').fill(responsibilities.groupResponsibilities);
    await page.getByLabel('Council responsibilities').fill(responsibilities.councilResponsibilities);
    // The approval of the detailed plan, attached from the process's documents.
    const approval = page.getByRole('group', { name: 'Documents to attach (optional)' }).getByLabel(/Approve the detailed plan/);
    const approvalId = await approval.getAttribute('value');
    await approval.check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.locator('.govuk-summary-list').textContent()).resolves.toMatch(
      /Documents attached\s+Decision record: Approve the detailed plan/,
    );
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await expect(page.locator('.govuk-panel__title').textContent()).resolves.toContain('Decision recorded');
    const view = await callApi<{
      details: { agreement?: { services: { service: string; standards: string; annualPayment: number }[] } };
      decisions: { taskId: string; attachments: string[] }[];
    }>(stack.baseUrl, 'GET', `/processes/${processId}`, { as: cast.auditor });
    expect(view.body.details.agreement?.services).toEqual([
      expect.objectContaining({ service: 'gardening', standards: 'Beds weeded weekly from March to October', annualPayment: 120_000 }),
      expect.objectContaining({ service: 'window_cleaning', standards: 'Communal windows cleaned every two weeks', annualPayment: 80_000 }),
    ]);
    expect(view.body.decisions.find((d) => draft.id.endsWith(d.taskId))?.attachments).toEqual([approvalId]);
    await page.close();
  }, 90_000);

  it('shows a rule of the process refusing a decision, with the rule and where it comes from', async () => {
    const processId = await driveToPreparingAgreement(stack, cast, 'none');
    await decideNext(stack, processId, 'draft_agreement', cast.legal, 'approve', responsibilities);
    await nextTask(stack, processId, 'sign_agreement', cast.rep);
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.rep.token);
    await page.getByRole('link', { name: /^Sign the Community Cashback Agreement for the group/ }).click();
    await page.getByLabel('Sign', { exact: true }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Record the decision' }).click();
    const refusal = (await page.getByRole('alert').textContent()) ?? '';
    expect(refusal).toContain('This decision cannot be recorded');
    expect(refusal).toMatch(/LMA-R1: .*consultation.*\(PROCESSES\.md §1\.7\)/);
    await looked(page, 'task-refused');
    await page.close();
  }, 90_000);

  it('shows a programme manager a process stopped by an incident, and tries the failed step again from its page', async () => {
    // A decision PostgreSQL cannot store, sent past the API (which refuses it) as other code might.
    const processId = await startLma(stack, cast);
    const task = await nextTask(stack, processId, 'appoint_adviser', cast.housingManager);
    await stack.client.workflow.getHandle(processId).startUpdate(completeTaskUpdate, {
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
    const attempts = () =>
      eventually(async () => {
        const view = await callApi<{ incident?: { attempts: number } }>(stack.baseUrl, 'GET', `/processes/${processId}`, {
          as: cast.auditor,
        });
        if (!view.body.incident) throw new Error('no incident yet');
        return view.body.incident.attempts;
      });
    await expect(attempts()).resolves.toBe(1);
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.programmeManager.token);
    await page.goto(`${stack.baseUrl}/app/processes/${encodeURIComponent(processId)}`);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('This process is stopped by an incident');
    await looked(page, 'process-incident');
    await page.getByRole('button', { name: 'Try the failed step again' }).click();
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toContain(
      'The failed step is being tried again.',
    );
    // The data is as bad as before: tried once more, and the incident stays.
    await eventually(async () => expect(await attempts()).toBe(2));
    await page.close();
  }, 90_000);

  it('refuses a form posted without its CSRF token, changing nothing', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${stack.baseUrl}/app/sign-in`);
    // The same browser session, the token field left out: what a form on another site would send.
    const posted = await page.evaluate(async (url) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'token=anything',
      });
      return { status: response.status, text: await response.text() };
    }, `${stack.baseUrl}/app/sign-in`);
    expect(posted.status).toBe(403);
    expect(posted.text).toContain('This form has expired');
    await page.close();
  }, 60_000);

  it('sends a person whose session has passed its absolute end back to sign in, saying why', async () => {
    const ended = await stack.api({ web: { absoluteHours: 0 } });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${ended.baseUrl}/app/sign-in`);
    await page.getByLabel('API token').fill(cast.housingManager.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(new URL(page.url()).pathname).toBe('/app/sign-in');
    await expect(page.getByText('Your session ended. Sign in again to carry on.').isVisible()).resolves.toBe(true);
    await page.close();
    ended.close();
  }, 60_000);

  it('ends a session left idle: the next page asks to sign in again, saying why', async () => {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, cast.housingManager.token);
    expect(new URL(page.url()).pathname).toBe('/app/');
    // Every request of that page answered (each renews the session before it answers), so none renews it after this.
    await page.waitForLoadState('networkidle');
    // The store's expiry passes (as after WEB_SESSION_IDLE_MINUTES without a page), the browser's cookie kept.
    const expired = await stack.prisma
      .$executeRaw`UPDATE "session" SET expire = now() - interval '1 minute' WHERE sess->'person'->>'userId' = ${cast.housingManager.userId}`;
    expect(expired).toBe(1);
    await page.goto(`${stack.baseUrl}/app/`);
    expect(new URL(page.url()).pathname).toBe('/app/sign-in');
    await expect(page.getByText('Your session ended. Sign in again to carry on.').isVisible()).resolves.toBe(true);
    await page.close();
  }, 60_000);

  it('sends the security headers: a content security policy without inline script, and a session cookie scripts cannot read', async () => {
    const page = await (await browser.newContext()).newPage();
    const response = await page.goto(`${stack.baseUrl}/app/sign-in`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'hg.sid', httpOnly: true, sameSite: 'Lax', path: '/app' });
    await page.close();
  }, 60_000);
});
