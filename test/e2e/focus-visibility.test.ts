import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { accountIdOf, categoryIdOf, insertTransactions, userIdOf, type RowDraft } from '../helpers/bookkeeping.ts';
import { browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

/**
 * Whether the focused element can be seen: the topmost element at its centre is the element itself, inside it, or
 * its own label (WCAG 2.4.11: focus is not hidden under sticky content).
 */
/** The little of the DOM these checks use (the project's TypeScript has no DOM library). */
interface Box { left: number; top: number; width: number; height: number }
interface El { tagName: string; className: string; textContent: string | null; control?: El; getAttribute(name: string): string | null; getBoundingClientRect(): Box; contains(other: El): boolean; closest(selector: string): El | null }
interface Doc { activeElement: El | null; elementFromPoint(x: number, y: number): El | null }

function focusedUncovered(page: Page): Promise<{ ok: boolean; what: string }> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: Doc }).document;
    const el = doc.activeElement!;
    const r = el.getBoundingClientRect();
    const top = doc.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const ok = !!top && (top === el || el.contains(top) || (top.tagName === 'LABEL' && top.control === el));
    return { ok, what: `${el.tagName} ${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 40)} under ${top?.tagName}.${top?.className}` };
  });
}

describe('a focused control is never hidden under sticky content', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  function seed(email: string): number {
    const userId = userIdOf(web.ctx.db, email);
    const groceries = categoryIdOf(web.ctx.db, userId, 'expense', 'Groceries');
    const housing = categoryIdOf(web.ctx.db, userId, 'expense', 'Housing');
    const month = web.ctx.today().slice(0, 7);
    const [y, m] = month.split('-').map(Number) as [number, number];
    const rows: RowDraft[] = [];
    for (let i = 0; i < 40; i++) {
      const back = new Date(Date.UTC(y, m - 1 - (i % 12), 1 + (i % 27))).toISOString().slice(0, 10);
      rows.push({ type: 'expense', amountCents: 1_000 + i * 37, occurredOn: back, description: `Shop ${i}`, categoryId: i % 2 ? groceries : housing });
    }
    insertTransactions(web.ctx.db, userId, rows);
    return userId;
  }

  test('reconciling at 320 px: tabbing back up the rows never leaves the focused box under the sticky balances', async () => {
    const email = 'sticky-reconcile@example.com';
    const page = await registerInBrowser(web, email, { width: 320, height: 640 });
    const userId = seed(email);
    await page.goto(`${web.baseUrl}/accounts/${accountIdOf(web.ctx.db, userId, 'Main account')}/reconcile`);
    await page.getByLabel('Statement balance').fill('100.00');
    await page.getByRole('button', { name: 'Start reconciling' }).click();
    const boxes = page.locator('.reconcile__row input[type="checkbox"]');
    await boxes.last().waitFor();
    await boxes.last().focus();
    const hidden: string[] = [];
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Shift+Tab');
      const seen = await focusedUncovered(page);
      if (!seen.ok) hidden.push(seen.what);
    }
    await screenshot(page, 'focus-reconcile-320');
    assert.deepEqual(hidden, []);
  });

  test('the report table: tabbing back along a row never leaves the focused amount under the sticky first column', async () => {
    const email = 'sticky-report@example.com';
    const page = await registerInBrowser(web, email, { width: 800, height: 700 });
    seed(email);
    await page.goto(`${web.baseUrl}/reports`);
    const links = page.locator('.report-table--matrix a');
    await links.first().waitFor();
    const count = await links.count();
    assert.ok(count > 12, `only ${count} links in the table`);
    await links.nth(count - 1).focus();
    const hidden: string[] = [];
    let checked = 0;
    for (let i = 0; i < Math.min(count - 1, 40); i++) {
      await page.keyboard.press('Shift+Tab');
      const inTable = await page.evaluate(() => !!(globalThis as unknown as { document: Doc }).document.activeElement?.closest('.report-table--matrix'));
      if (!inTable) continue;
      checked++;
      const seen = await focusedUncovered(page);
      if (!seen.ok) hidden.push(seen.what);
    }
    await screenshot(page, 'focus-report-matrix-800');
    // Focus that left the table (its links out of the tab order) would check nothing: it must stay in the row.
    assert.ok(checked >= 12, `focus was in the table ${checked} times of ${Math.min(count - 1, 40)}`);
    assert.deepEqual(hidden, []);
  });
});
