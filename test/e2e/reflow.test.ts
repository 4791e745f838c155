import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accountIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { assertAccessible, browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

describe('tables at 150–200% zoom (641–900 CSS px) scroll inside their own region, not the page', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  test('/transactions and an account register never scroll the page sideways, and their table is a labelled, focusable region', async () => {
    const email = 'zoom@example.com';
    const page = await registerInBrowser(web, email);
    const userId = userIdOf(web.ctx.db, email);
    const today = web.ctx.today();
    insertTransactions(web.ctx.db, userId, Array.from({ length: 60 }, (_, i) => ({
      type: i % 3 === 0 ? ('income' as const) : ('expense' as const),
      amountCents: 123_456_789 + i,
      occurredOn: today,
      description: `A rather long description of a purchase, number ${i}`,
    })));
    const pages = [
      { path: '/transactions', region: 'Transactions, newest first (scrolls sideways)' },
      { path: `/accounts/${accountIdOf(web.ctx.db, userId, 'Main account')}`, region: /^Transactions of Main account.*\(scrolls sideways\)$/ },
    ];
    for (const { path, region } of pages) {
      for (const width of [641, 768, 900]) {
        await page.setViewportSize({ width, height: 800 });
        await page.goto(`${web.baseUrl}${path}`);
        const sideways = await page.evaluate(() => {
          const win = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
          return win.document.documentElement.scrollWidth - win.innerWidth;
        });
        assert.ok(sideways <= 0, `${path} at ${width} px scrolls the page sideways by ${sideways} px`);
        const scroller = page.getByRole('region', { name: region });
        assert.equal(await scroller.getAttribute('tabindex'), '0', `${path}: the table's region can be reached to scroll it`);
      }
      await assertAccessible(page, `${path} at 900 px`);
      await screenshot(page, `reflow-${path.split('/')[1]}-900`);
    }
  });
});
