import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { categoryIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

interface AxNode { ignored: boolean; role?: { value: string }; name?: { value: string } }

/** The page's accessibility tree as Chromium gives it to a screen reader (nodes not ignored). */
async function axNodes(page: Page): Promise<AxNode[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AxNode[] };
    return nodes.filter((n) => !n.ignored);
  } finally {
    await cdp.detach();
  }
}

describe('tables on a phone (375 px) keep their column headers and words for a screen reader', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  test('every card-style table still has column headers in the accessibility tree, and a row still says "Expense"', async () => {
    const email = 'phone-tables@example.com';
    const page = await registerInBrowser(web, email, { width: 375, height: 812 });
    const userId = userIdOf(web.ctx.db, email);
    const groceries = categoryIdOf(web.ctx.db, userId, 'expense', 'Groceries');
    insertTransactions(web.ctx.db, userId, [{ type: 'expense', amountCents: 4_200, occurredOn: web.ctx.today(), description: 'Market', categoryId: groceries }]);
    // A rule and a schedule, so their tables show: the rule through its form's POST, the schedule as a person adds it.
    const rulesPage = await page.request.get(`${web.baseUrl}/rules`);
    const token = /name="_csrf" value="([^"]+)"/.exec(await rulesPage.text())![1]!;
    const rule = await page.request.post(`${web.baseUrl}/rules`, {
      form: { _csrf: token, textMatch: 'contains', text: 'Market', amountFrom: '', amountTo: '', type: '', account: '', category: String(groceries), transfer: '', rename: '' },
      maxRedirects: 0,
    });
    assert.equal(rule.status(), 303);
    await page.goto(`${web.baseUrl}/scheduled/new`);
    await page.getByLabel('Amount').fill('50.00');
    await page.getByLabel('Description').fill('Phone bill');
    await page.getByLabel('Start date').fill(web.ctx.today());
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.waitForURL(/\/scheduled$/);

    for (const path of ['/transactions', '/accounts', '/budgets', '/scheduled', '/rules']) {
      await page.goto(`${web.baseUrl}${path}`);
      const headers = (await axNodes(page)).filter((n) => n.role?.value === 'columnheader');
      assert.ok(headers.length >= 2, `${path} at 375 px has ${headers.length} column headers in the accessibility tree`);
    }
    await page.goto(`${web.baseUrl}/transactions`);
    const words = (await axNodes(page)).filter((n) => n.role?.value === 'StaticText').map((n) => n.name?.value);
    assert.ok(words.includes('Expense'), 'the row still says Expense to a screen reader');
    assert.ok((await page.getByRole('cell', { name: 'Expense', exact: true }).count()) >= 1, 'the type is a cell of its row');
    const sideways = await page.evaluate(() => {
      const win = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
      return win.document.documentElement.scrollWidth - win.innerWidth;
    });
    assert.ok(sideways <= 0, `/transactions scrolls sideways by ${sideways} px`);
    await screenshot(page, 'phone-tables-transactions-375');
  });
});
