import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TEST_PASSWORD } from '../helpers/app.ts';
import { browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

/** WCAG 1.4.12's text spacing: what a reader's own style sheet may set. */
const SPACING = '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }';

describe('text spacing overridden (WCAG 1.4.12)', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  test('the two month fields on /reports do not overlap at 400 px', async () => {
    const email = 'spacing@example.com';
    await (await registerInBrowser(web, email)).close();
    // The reader's style sheet is inline, which the app's CSP rightly refuses; a bookmarklet or extension is not bound by it.
    const context = await web.browser.newContext({ bypassCSP: true, viewport: { width: 400, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${web.baseUrl}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/dashboard/);
    await page.goto(`${web.baseUrl}/reports`);
    await page.addStyleTag({ content: SPACING });
    const box = async (label: string) => (await page.getByLabel(label, { exact: true }).boundingBox())!;
    const from = await box('From month');
    const to = await box('To month');
    const apart = from.x + from.width <= to.x + 0.5 || from.y + from.height <= to.y + 0.5;
    assert.ok(apart, `From (${JSON.stringify(from)}) and To (${JSON.stringify(to)}) overlap`);
    const sideways = await page.evaluate(() => {
      const win = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
      return win.document.documentElement.scrollWidth - win.innerWidth;
    });
    assert.ok(sideways <= 0, `the page scrolls sideways by ${sideways} px`);
    await screenshot(page, 'text-spacing-reports-400');
    await context.close();
  });
});
