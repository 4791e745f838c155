import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { categoryIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

/** Every name and text in the page's accessibility tree, as Chromium gives it to a screen reader. */
async function spokenText(page: Page): Promise<string> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { ignored: boolean; name?: { value: string } }[] };
    return nodes.filter((n) => !n.ignored).map((n) => n.name?.value ?? '').join('\n');
  } finally {
    await cdp.detach();
  }
}

describe('decorative glyphs are shown but not read out', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  test('the disclosure arrows and the over-budget warning sign have empty alternative text', async () => {
    const email = 'glyphs@example.com';
    const page = await registerInBrowser(web, email);
    const userId = userIdOf(web.ctx.db, email);
    insertTransactions(web.ctx.db, userId, [{ type: 'expense', amountCents: 4_200, occurredOn: web.ctx.today(), description: 'Market', categoryId: categoryIdOf(web.ctx.db, userId, 'expense', 'Groceries') }]);
    await page.goto(`${web.baseUrl}/budgets`);
    await page.getByLabel('Budget for Groceries').fill('10');
    await page.getByRole('button', { name: 'Save budget' }).click();
    await page.getByRole('status').waitFor();
    assert.equal(await page.locator('.budget--over').count(), 1, 'Groceries is over budget');
    const visible = await page.locator('.budget--over .budget__name').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown, p: string): { content: string } }).getComputedStyle(el, '::after').content);
    assert.match(visible, /⚠/, 'the sign is still drawn');
    assert.doesNotMatch(await spokenText(page), /⚠/);
    await screenshot(page, 'glyphs-budgets');

    for (const path of ['/transactions', '/dashboard']) {
      await page.goto(`${web.baseUrl}${path}`);
      assert.doesNotMatch(await spokenText(page), /▸/, `${path} reads no arrow`);
    }
  });
});
