import type { Browser, Page } from 'playwright-core';
import { inboxTaskId } from '../workflows/common/engine-types';
import { launchBrowser, looked, signIn } from './support/browser';
import { contractCast, PARTNERS, type ContractCast } from './support/communitycontract';
import { eventually } from './support/eventually';
import { callApi, startTestStack, type TestStack } from './support/stack';
import { decide, openTask, viewOf } from './support/tasks';

// The community contract's pages, which come from its definition alone: a standard set out on its
// form, a partner's officer signing in by an emailed link to act for their organisation, and the
// champions' report. In a real browser on the real stack, each page checked by axe.

let stack: TestStack;
let browser: Browser;
let cast: ContractCast;
beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack(), launchBrowser()]);
});
beforeEach(async () => {
  cast = await contractCast(stack);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const h1 = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();
const taskPage = (page: Page, processId: string, taskId: string) =>
  page.goto(`${stack.baseUrl}/app/tasks/${encodeURIComponent(inboxTaskId(processId, taskId))}`);
/** Chooses the outcome on a task's page and continues to its form. */
async function choose(page: Page, outcome: string): Promise<void> {
  await page.getByLabel(outcome, { exact: true }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
}
async function record(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await expect(page.locator('.govuk-panel__title').textContent()).resolves.toContain('Decision recorded');
}

/** A contract for Plains Farm with street services alone, its one priority (street lighting) agreed. */
async function streetLightingContract(): Promise<string> {
  const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
    as: cast.programmeManager,
    body: {
      kind: 'communitycontract',
      council: cast.council,
      neighbourhood: 'Plains Farm',
      area: 'the Plains Farm estate',
      group: 'Plains Farm Residents Association',
      partners: [PARTNERS.streets],
    },
  });
  expect(started.status).toBe(201);
  const processId = started.body.processId;
  await decide(stack, processId, 'y1-priorities-1', cast.residents, 'report', {
    engagement: [{ method: 'walkabout', heldOn: '2026-10-12', tookPart: 11, heard: 'Six lights out' }],
    priorities: [{ topic: 'street_lighting', why: 'dark streets' }],
  });
  await decide(stack, processId, 'y1-agree-priorities-1', cast.programmeManager, 'agree', {
    agreedOn: '2026-10-20',
    agreedWith: 'Street Services',
    priorities: [{ topic: 'street_lighting' }],
    baseline: { complaintsLastYear: 30, satisfactionPercent: 40 },
  });
  return processId;
}

describe('the community contract’s pages', () => {
  it('lets a manager set out a standard, a partner’s officer sign in by email and sign for their organisation only, and the champions report a standard missed', async () => {
    const processId = await streetLightingContract();

    // The standard, on the form its schema gives: a row with a yes-or-no question and money in pounds.
    const manager = await (await browser.newContext()).newPage();
    await signIn(manager, stack.baseUrl, cast.programmeManager.token);
    await taskPage(manager, processId, 'y1-standards-1');
    await choose(manager, 'Set');
    const row = manager.getByRole('group', { name: 'Standards 1' });
    await row.getByLabel('Priority', { exact: true }).fill('street_lighting');
    await row.getByLabel('Partner', { exact: true }).fill('Street Services');
    await row.getByLabel('What is done', { exact: true }).fill('a broken street light repaired');
    await row.getByLabel('Within working days (optional)', { exact: true }).fill('5');
    await row.getByLabel('Reporting').check();
    await row.getByLabel('What residents do', { exact: true }).fill('report every light out');
    await row.getByLabel('Put right within working days', { exact: true }).fill('5');
    await row.getByRole('group', { name: 'Apology' }).getByLabel('Yes').check();
    await row.getByLabel('Compensation up to (optional)', { exact: true }).fill('50');
    await looked(manager, 'contract-standards-form');
    await record(manager);
    const standards = await eventually(async () => {
      const view = await viewOf(stack, processId, cast.auditor);
      expect(view.stage).toBe('signing');
      return (view.details as { standards: unknown[] }).standards;
    });
    expect(standards).toEqual([
      expect.objectContaining({
        key: 'street_lighting/street-services',
        partner: 'org:street-services',
        withinWorkingDays: 5,
        residentsCommit: ['reporting'],
        redress: { putRightWithinWorkingDays: 5, apology: true, compensationUpToPence: 5_000 },
      }),
    ]);

    // The partner's officer: a link by email, then their organisation's tasks in their words.
    const partner = await (await browser.newContext()).newPage();
    await partner.goto(`${stack.baseUrl}/app/sign-in/email`);
    await partner.getByLabel('Email address').fill(cast.partners.streets.email);
    await partner.getByRole('button', { name: 'Email me a link' }).click();
    const mail = await stack.mailbox.waitFor(
      (m) => m.to.includes(cast.partners.streets.email) && m.subject === 'Your link to sign in to housing governance',
    );
    await partner.goto(/(http:\/\/\S+\/app\/sign-in\/email\/[A-Za-z0-9_-]+)/.exec(mail.text)![1]!);
    await partner.getByRole('button', { name: 'Continue' }).click();
    await expect(h1(partner)).resolves.toBe('Your organisation’s tasks');
    // Their own commitments only: no processes to browse, no other organisation's tasks.
    await expect(partner.getByRole('link', { name: 'Processes', exact: true }).count()).resolves.toBe(0);
    await expect(partner.locator('main').textContent()).resolves.not.toContain('residents’ group');
    await looked(partner, 'partner-inbox');
    await partner.getByRole('link', { name: 'Sign the community contract for Plains Farm for Street Services' }).click();
    await expect(partner.locator('.govuk-summary-list').first().textContent()).resolves.toMatch(/For\s+Your organisation/);
    await expect(partner.locator('.govuk-summary-list').first().textContent()).resolves.not.toContain('Process');
    await looked(partner, 'partner-task');
    await choose(partner, 'Sign');
    await partner.getByLabel('Signatory').fill('Pat Okafor');
    await partner.getByLabel('Post').fill('Head of street services');
    await record(partner);
    // The residents' group's signature is not theirs to give.
    const residents = await partner.goto(`${stack.baseUrl}/app/tasks/${encodeURIComponent(inboxTaskId(processId, 'y1-sign-1-residents'))}`);
    expect(residents?.status()).toBe(404);

    await decide(stack, processId, 'y1-sign-1-residents', cast.residents, 'sign', { signatory: 'Ann Reid', post: 'Chair' });

    // A month on, the champions' report: a row for each standard, filled in from the contract.
    await openTask(stack, processId, 'y1-report-1', cast.residents);
    const champion = await (await browser.newContext()).newPage();
    await signIn(champion, stack.baseUrl, cast.residents.token);
    await taskPage(champion, processId, 'y1-report-1');
    await choose(champion, 'Report');
    const reported = champion.getByRole('group', { name: 'Reports 1' });
    await expect(reported.getByLabel('Standard', { exact: true }).inputValue()).resolves.toBe('street_lighting/street-services');
    await reported.getByLabel('Missed').check();
    await reported.getByLabel('What happened (optional)', { exact: true }).fill('Three lights out on Plains Road');
    await looked(champion, 'champions-report-form');
    await record(champion);

    // It opens a redress case: the partner's to acknowledge, on the contract's page for the council.
    await partner.goto(`${stack.baseUrl}/app/`);
    await eventually(async () => {
      await partner.reload();
      await expect(partner.getByRole('link', { name: /^Acknowledge redress case 1 \(stage 1\)/ }).count()).resolves.toBe(1);
    });
    await manager.goto(`${stack.baseUrl}/app/processes/${encodeURIComponent(processId)}`);
    await expect(manager.locator('main').textContent()).resolves.toContain('Open, stage 1');
    await looked(manager, 'community-contract-process');

    await callApi(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, {
      as: cast.programmeManager,
      body: { reasons: 'end of the test' },
    });
    await Promise.all([manager.close(), partner.close(), champion.close()]);
  }, 120_000);
});
