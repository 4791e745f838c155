import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

/** Computed styles of the first element a selector finds (of its ::before with `pseudo`). */
function styleOf(page: Page, selector: string, pseudo: string | null = null): Promise<{ background: string; color: string; border: string; decoration: string }> {
  return page.evaluate(
    ([sel, pse]) => {
      const win = globalThis as unknown as {
        document: { querySelector(s: string): unknown };
        getComputedStyle(el: unknown, pseudo: string | null): { backgroundColor: string; color: string; borderTopColor: string; borderTopStyle: string; textDecorationLine: string };
      };
      const el = win.document.querySelector(sel!);
      if (!el) throw new Error(`nothing matches ${sel}`);
      const s = win.getComputedStyle(el, pse ?? null);
      return { background: s.backgroundColor, color: s.color, border: `${s.borderTopStyle} ${s.borderTopColor}`, decoration: s.textDecorationLine };
    },
    [selector, pseudo] as const,
  );
}

describe('forced colours (Windows high contrast)', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  test('chart keys keep their colour, and the current period and place stand out from the others', async () => {
    const email = 'forced@example.com';
    const page = await registerInBrowser(web, email);
    const userId = userIdOf(web.ctx.db, email);
    const today = web.ctx.today();
    insertTransactions(web.ctx.db, userId, [
      { type: 'income', amountCents: 300_000, occurredOn: today, description: 'Pay' },
      { type: 'expense', amountCents: 12_000, occurredOn: today, description: 'Shop' },
    ]);
    await page.emulateMedia({ forcedColors: 'active' });
    await page.goto(`${web.baseUrl}/dashboard`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { matchMedia(q: string): { matches: boolean } }).matchMedia('(forced-colors: active)').matches), true);

    const income = await styleOf(page, '.chart__key--income', '::before');
    const expense = await styleOf(page, '.chart__key--expense', '::before');
    const canvas = (await styleOf(page, 'body')).background;
    assert.notEqual(income.background, 'rgba(0, 0, 0, 0)', 'the income key has a colour');
    assert.notEqual(income.background, expense.background, 'the two keys differ');
    assert.notEqual(income.background, canvas);
    assert.match(income.border, /^solid /, 'the key is outlined');

    const current = await styleOf(page, '.periods a[aria-current="page"]');
    const other = await styleOf(page, '.periods a:not([aria-current])');
    assert.notEqual(current.background, other.background, 'the current period looks different from the others');
    const place = await styleOf(page, '.site-nav a[aria-current="page"]');
    const otherPlace = await styleOf(page, '.site-nav a:not([aria-current])');
    assert.equal(place.decoration, 'underline');
    assert.notEqual(otherPlace.decoration, 'underline');
    await screenshot(page, 'forced-colors-dashboard');

    await page.goto(`${web.baseUrl}/budgets`);
    const month = await styleOf(page, '.periods a[aria-current="page"]');
    const otherMonth = await styleOf(page, '.periods a:not([aria-current])');
    assert.notEqual(month.background, otherMonth.background, 'the current month on /budgets looks different');
    await screenshot(page, 'forced-colors-budgets');
  });
});
