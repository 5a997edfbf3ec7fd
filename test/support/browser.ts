import { mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { testEnv } from './env';

// The web pages in a real browser (Debian's Chromium, driven by playwright-core): every page a test
// looks at is checked by axe-core against WCAG 2.2 AA and photographed for the reader.

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: testEnv('chromium'), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Checks the page against WCAG 2.2 AA (no violation), and keeps a screenshot of it. */
export async function looked(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** Signs in at `baseUrl` with an API token (the sign-in without an identity provider). */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/app/sign-in`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
