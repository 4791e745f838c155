import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { accountIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { assertAccessible, browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

/** The focused element's id, tag and text, once enhance.js has moved focus off the body (it runs at DOMContentLoaded). */
async function focused(page: Page): Promise<{ id: string; tag: string; text: string; label: string | null; inside: string | null }> {
  await page.waitForFunction(() => {
    const doc = (globalThis as unknown as { document: { activeElement: unknown; body: unknown } }).document;
    return doc.activeElement !== doc.body;
  });
  return page.evaluate(() => {
    type El = { id: string; tagName: string; textContent: string | null; getAttribute(n: string): string | null; closest(s: string): { id: string } | null };
    const el = (globalThis as unknown as { document: { activeElement: El } }).document.activeElement;
    return { id: el.id, tag: el.tagName, text: (el.textContent ?? '').trim(), label: el.getAttribute('aria-label'), inside: el.closest('[data-return-place]')?.id ?? null };
  });
}

describe('after an action, the result is heard and focus stays where the person was', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  test('quick add on the dashboard: the title starts with the result, the page comes back at the add form and focus is there', async () => {
    const page = await registerInBrowser(web, 'quick@example.com', { width: 375, height: 812 });
    await page.getByLabel('Amount').fill('12.50');
    await page.getByRole('button', { name: 'Add transaction' }).click();
    await page.waitForURL(/\/dashboard#add$/);
    assert.equal(await page.title(), 'Expense added · Dashboard · Ledgerly');
    assert.equal((await focused(page)).id, 'add', 'focus on the add form section, not the top of the page');
    const formTop = await page.locator('#add').evaluate((el) => (el as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top);
    assert.ok(formTop < 812 && formTop > -2, `the add form is in view (top ${formTop})`);
    await assertAccessible(page, 'dashboard after quick add');
    await screenshot(page, 'after-quick-add-375');
  });

  test('Mark cleared in a register: back at the row, focus on its button (now "Mark not cleared"), the title says what happened', async () => {
    const email = 'register@example.com';
    const page = await registerInBrowser(web, email);
    const userId = userIdOf(web.ctx.db, email);
    const today = web.ctx.today();
    const rows = Array.from({ length: 40 }, (_, i) => ({ type: 'expense' as const, amountCents: 1_000 + i, occurredOn: today, description: `Row ${i}` }));
    const ids = insertTransactions(web.ctx.db, userId, rows);
    const accountId = accountIdOf(web.ctx.db, userId, 'Main account');
    await page.goto(`${web.baseUrl}/accounts/${accountId}`);
    const target = ids[5]!;
    await page.locator(`#row-${target}`).getByRole('button', { name: /^Mark cleared/ }).click();
    await page.waitForURL(new RegExp(`/accounts/${accountId}#row-${target}$`));
    assert.match(await page.title(), /^Marked cleared · /);
    const now = await focused(page);
    assert.equal(now.inside, `row-${target}`);
    assert.equal(now.tag, 'BUTTON');
    assert.match(now.label ?? '', /^Mark not cleared/);
    assert.equal(web.ctx.db.prepare('SELECT status FROM transactions WHERE id = ?').pluck().get(target), 'cleared');
    await screenshot(page, 'after-mark-cleared');
  });

  test('without script the redirect still carries the fragment, so the browser scrolls back to the row', async () => {
    const email = 'noscript@example.com';
    const page = await registerInBrowser(web, email, { width: 1280, height: 600 });
    const userId = userIdOf(web.ctx.db, email);
    const today = web.ctx.today();
    const ids = insertTransactions(web.ctx.db, userId, Array.from({ length: 40 }, (_, i) => ({ type: 'expense' as const, amountCents: 500 + i, occurredOn: today, description: `Row ${i}` })));
    const accountId = accountIdOf(web.ctx.db, userId, 'Main account');
    const context = await web.browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 600 } });
    await context.addCookies(await page.context().cookies());
    const still = await context.newPage();
    await still.goto(`${web.baseUrl}/accounts/${accountId}`);
    const target = ids[0]!; // the oldest, at the bottom of the register
    await still.locator(`#row-${target}`).getByRole('button', { name: /^Mark cleared/ }).click();
    await still.waitForURL(new RegExp(`#row-${target}$`));
    const rowTop = await still.locator(`#row-${target}`).evaluate((el) => (el as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top);
    assert.ok(rowTop >= 0 && rowTop < 600, `the row is in view (top ${rowTop})`);
    await context.close();
  });

  test('without script, a mistake in the dashboard\'s add form on a phone comes back at the form, its message in view', async () => {
    const email = 'noscript-add@example.com';
    const page = await registerInBrowser(web, email, { width: 375, height: 812 });
    const userId = userIdOf(web.ctx.db, email);
    // Enough on the dashboard that its add form is far down a phone's page.
    insertTransactions(web.ctx.db, userId, Array.from({ length: 12 }, (_, i) => ({ type: 'expense' as const, amountCents: 500 + i, occurredOn: web.ctx.today(), description: `Row ${i}` })));
    const context = await web.browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 812 } });
    await context.addCookies(await page.context().cookies());
    const still = await context.newPage();
    await still.goto(`${web.baseUrl}/dashboard`);
    const add = still.locator('#add');
    await add.getByLabel('Amount').fill('abc');
    await add.getByRole('button', { name: 'Add transaction' }).click();
    await still.waitForURL(/\/transactions#add$/);
    const summary = still.locator('#add .form__summary');
    const top = await summary.evaluate((el) => (el as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top);
    assert.ok(top >= 0 && top < 812, `the form's message is in view (top ${top})`);
    await screenshot(still, 'after-actions-dashboard-add-error-no-script-375');
    await context.close();
  });

  test('with script, a refused amount in the dashboard\'s add form leaves focus on the amount, not the page (after the jump to #add)', async () => {
    const page = await registerInBrowser(web, 'quick-refused@example.com', { width: 375, height: 812 });
    const add = page.locator('#add');
    await add.getByLabel('Amount').fill('12.3.4');
    await add.getByRole('button', { name: 'Add transaction' }).click();
    // Focus is looked at once the page has loaded and the browser has scrolled to the fragment (which cleared it).
    await page.waitForURL(/\/transactions#add$/, { waitUntil: 'load' });
    await page.evaluate(() => new Promise<void>((resolve) => {
      const frame = (globalThis as unknown as { requestAnimationFrame: (then: () => void) => void }).requestAnimationFrame;
      frame(() => frame(resolve));
    }));
    const now = await page.evaluate(() => {
      const el = (globalThis as unknown as { document: { activeElement: { id: string; tagName: string; getAttribute(n: string): string | null; value?: string } } }).document.activeElement;
      return { id: el.id, tag: el.tagName, invalid: el.getAttribute('aria-invalid'), value: el.value };
    });
    assert.deepEqual(now, { id: 'tx-amount', tag: 'INPUT', invalid: 'true', value: '12.3.4' }, 'focus is on the refused amount, as typed');
  });

  test('a message with no place to return to takes focus itself, and an error message makes the title start with "Error:"', async () => {
    const page = await registerInBrowser(web, 'flash@example.com');
    await page.goto(`${web.baseUrl}/transactions/new`);
    await page.getByLabel('Amount').fill('3.00');
    await page.getByRole('button', { name: 'Add transaction' }).click();
    await page.waitForURL(/\/transactions$/);
    assert.equal(await page.title(), 'Expense added · Transactions · Ledgerly');
    const now = await focused(page);
    assert.equal(now.text, 'Expense added.');
  });
});
