import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accountIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

describe('reconciling in Ukrainian hryvnias in a real browser', { skip: availability.skip }, () => {
  const web = useBrowserApp({ CURRENCY: 'UAH' });

  test('ticking a row rewrites the cleared balance and the difference exactly as the server writes them, «₴» and all', async () => {
    const page = await registerInBrowser(web, 'oksana@example.com', { width: 375, height: 812 });
    const userId = userIdOf(web.ctx.db, 'oksana@example.com');
    web.ctx.db.prepare("UPDATE users SET language = 'uk' WHERE id = ?").run(userId);
    const main = accountIdOf(web.ctx.db, userId, 'Main account');
    insertTransactions(web.ctx.db, userId, [
      { type: 'expense', amountCents: 250_000, occurredOn: web.ctx.today(), description: 'Оренда', accountId: main },
      { type: 'income', amountCents: 1_234_567, occurredOn: web.ctx.today(), description: 'Зарплата', accountId: main },
    ]);

    await page.goto(`${web.baseUrl}/accounts/${main}/reconcile`);
    await page.getByLabel('Баланс за випискою').fill('9 845,67');
    await page.getByRole('button', { name: 'Почати звірку' }).click();
    const cleared = page.locator('[data-reconcile="cleared"]');
    const difference = page.locator('[data-reconcile="difference"]');
    assert.equal(await cleared.innerText(), '0,00\u00a0₴');

    // Ticked in the browser: the script writes the amounts.
    await page.getByRole('checkbox', { name: /Оренда/ }).check();
    await difference.getByText('12\u00a0345,67\u00a0₴').waitFor();
    const byScript = { cleared: await cleared.innerText(), difference: await difference.innerText() };
    assert.equal(byScript.cleared, '\u22122\u00a0500,00\u00a0₴');
    await screenshot(page, 'reconcile-uk-ticked-375');

    // The same ticks saved: the server writes them, and they read the same.
    await page.getByRole('button', { name: 'Оновити різницю' }).click();
    await page.getByRole('checkbox', { name: /Оренда/ }).waitFor();
    assert.deepEqual({ cleared: await cleared.innerText(), difference: await difference.innerText() }, byScript);

    await page.getByRole('checkbox', { name: /Зарплата/ }).check();
    await difference.getByText('0,00\u00a0₴').waitFor();
    assert.equal(await cleared.innerText(), '9\u00a0845,67\u00a0₴');
    const said = await page.locator('[data-reconcile="announce"]').textContent();
    assert.equal(said, 'Різниця 0,00\u00a0₴: збігається. Завершіть звірку, щоб вибрані рядки стали звіреними.');
    await page.close();
  });
});
