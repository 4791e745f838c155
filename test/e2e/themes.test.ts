import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accountIdOf, categoryIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { assertAccessible, browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

/** The pages a signed-in person reads, with data on them. */
const PAGES = ['/dashboard', '/transactions', '/accounts', '/budgets', '/scheduled', '/scheduled/new', '/reports?from=2026-01&to=2026-03&trend=1', '/categories', '/import', '/account'];

describe('light and dark themes in a real browser', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  test('every page passes axe, colour contrast included, in the dark theme of the device and of the setting, with no CSP violation', async () => {
    web.ctx.clock.set(Date.UTC(2026, 2, 15, 12));
    const page = await registerInBrowser(web, 'night@example.com', { width: 1280, height: 900 });
    const userId = userIdOf(web.ctx.db, 'night@example.com');
    const cat = (name: string) => categoryIdOf(web.ctx.db, userId, 'expense', name);
    insertTransactions(web.ctx.db, userId, [
      { type: 'income', amountCents: 320_000, occurredOn: '2026-03-01', description: 'Salary', categoryId: categoryIdOf(web.ctx.db, userId, 'income', 'Salary') },
      { type: 'expense', amountCents: 120_000, occurredOn: '2026-03-02', description: 'Rent', categoryId: cat('Housing') },
      { type: 'expense', amountCents: 8_450, occurredOn: '2026-02-03', description: 'Market', categoryId: cat('Groceries') },
    ]);
    web.ctx.db.prepare('INSERT INTO budgets (user_id, category_id, month, amount_cents) VALUES (?, ?, ?, ?)').run(userId, cat('Groceries'), '2026-03', 10_000);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
    });

    // The device asks for dark; no theme is chosen yet.
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const path of [...PAGES, `/accounts/${accountIdOf(web.ctx.db, userId, 'Main account')}`]) {
      await page.goto(`${web.baseUrl}${path}`);
      const background = await page.evaluate(() => {
        const g = globalThis as unknown as { getComputedStyle: (el: unknown) => { backgroundColor: string }; document: { body: unknown } };
        return g.getComputedStyle(g.document.body).backgroundColor;
      });
      assert.equal(background, 'rgb(17, 22, 20)', `${path} is dark`);
      await assertAccessible(page, `${path} (dark, from the device)`);
    }
    // Forms and confirmations, in dark too.
    const accountId = accountIdOf(web.ctx.db, userId, 'Main account');
    const txId = Number(web.ctx.db.prepare('SELECT max(id) FROM transactions WHERE user_id = ?').pluck().get(userId));
    for (const path of ['/transactions/new', `/transactions/${txId}/edit`, `/transactions/${txId}/delete`, '/transfers/new', `/accounts/${accountId}/edit`, `/accounts/${accountId}/reconcile`, `/categories/${cat('Groceries')}/edit`, '/budgets/2026-02']) {
      await page.goto(`${web.baseUrl}${path}`);
      await assertAccessible(page, `${path} (dark, from the device)`);
    }
    // A schedule's form and confirmation, and an import's mapping and finished pages.
    await page.goto(`${web.baseUrl}/scheduled/new`);
    await page.getByLabel('Amount').fill('900');
    await page.getByLabel('Description').fill('Rent');
    await page.getByLabel('Start date').fill('2026-04-01');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.waitForURL(/\/scheduled$/);
    const scheduleId = Number(web.ctx.db.prepare('SELECT max(id) FROM schedules').pluck().get());
    for (const path of [`/scheduled/${scheduleId}/edit`, `/scheduled/${scheduleId}/delete`]) {
      await page.goto(`${web.baseUrl}${path}`);
      await assertAccessible(page, `${path} (dark, from the device)`);
    }
    await page.goto(`${web.baseUrl}/import`);
    await page.getByLabel('CSV file').setInputFiles({ name: 'bank.csv', mimeType: 'text/csv', buffer: Buffer.from('date,type,amount,description\n2026-03-05,expense,12.50,Bread\n2026-02-30,expense,1,Bad day\n') });
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.waitForURL(/\/import\/[0-9a-f]{32}$/);
    await assertAccessible(page, 'import mapping (dark, from the device)');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    await assertAccessible(page, 'import finished (dark, from the device)');

    // A visitor's pages follow the device as well.
    const visitor = await web.browser.newPage({ colorScheme: 'dark', viewport: { width: 375, height: 800 } });
    for (const path of ['/login', '/register']) {
      await visitor.goto(`${web.baseUrl}${path}`);
      await assertAccessible(visitor, `${path} (dark, visitor)`);
    }
    await screenshot(visitor, 'theme-register-dark-phone');
    await visitor.close();
    await page.goto(`${web.baseUrl}/dashboard`);
    await screenshot(page, 'theme-dashboard-dark-desktop');
    await page.setViewportSize({ width: 375, height: 800 });
    await screenshot(page, 'theme-dashboard-dark-phone');
    await page.goto(`${web.baseUrl}/budgets`);
    await screenshot(page, 'theme-budgets-dark-phone');

    // The setting wins over the device: light chosen on a dark device is light, dark chosen on a light one dark.
    await page.goto(`${web.baseUrl}/account`);
    await page.getByLabel('Light').check();
    await page.getByRole('button', { name: 'Save theme' }).click();
    await page.waitForURL(/\/account$/);
    await assertAccessible(page, 'account (light chosen, dark device)');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByLabel('Dark', { exact: true }).check();
    await page.getByRole('button', { name: 'Save theme' }).click();
    await page.waitForURL(/\/account$/);
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    for (const path of ['/dashboard', '/budgets', '/scheduled']) {
      await page.goto(`${web.baseUrl}${path}`);
      await assertAccessible(page, `${path} (dark, from the setting)`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${web.baseUrl}/dashboard`);
    await screenshot(page, 'theme-dashboard-dark-setting');
    // And the light theme, on a light device, for comparison.
    await page.goto(`${web.baseUrl}/account`);
    await page.getByLabel('System (follows your device)').check();
    await page.getByRole('button', { name: 'Save theme' }).click();
    await page.waitForURL(/\/account$/);
    for (const path of PAGES) {
      await page.goto(`${web.baseUrl}${path}`);
      await assertAccessible(page, `${path} (light)`);
    }
    await page.goto(`${web.baseUrl}/dashboard`);
    await screenshot(page, 'theme-dashboard-light-desktop');
    assert.deepEqual(violations, [], 'no CSP violations in the console');
    await page.close();
  });
});
