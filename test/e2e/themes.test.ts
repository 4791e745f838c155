import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import * as OTPAuth from 'otpauth';
import { TEST_PASSWORD } from '../helpers/app.ts';
import { accountIdOf, categoryIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { ofx1, qif } from '../helpers/statement-fixtures.ts';
import { assertAccessible, browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

/** The body's background in each theme (app.css: --bg). */
const BACKGROUND = { light: 'rgb(246, 247, 245)', dark: 'rgb(17, 22, 20)' } as const;
const WIDTHS = [1280, 375] as const;

type Probe = { background: string; overflow: number; smallTargets: string[]; scrollingCards: string[] };

/** The body's background colour, how far the page is wider than the window, and buttons, fields and links on a line of their own smaller than 44 x 44 px. */
function probe(page: Page): Promise<Probe> {
  return page.evaluate(() => {
    const g = globalThis as unknown as {
      getComputedStyle: (el: unknown) => { backgroundColor: string };
      document: {
        body: unknown;
        documentElement: { scrollWidth: number; clientWidth: number };
        querySelectorAll: (s: string) => { getBoundingClientRect: () => { width: number; height: number }; textContent: string | null }[];
      };
    };
    // (A visually hidden button is no target: the bulk form's default button, there for Enter in a checkbox.)
    const smallTargets = [...g.document.querySelectorAll('.button, button:not(.visually-hidden), .site-nav a, .section-head > a, .account-balance > a, summary, select, input:not([type="checkbox"]):not([type="radio"]):not([type="hidden"])')]
      .map((el) => ({ text: (el.textContent ?? '').trim().slice(0, 30), box: el.getBoundingClientRect() }))
      .filter((b) => b.box.width > 0 && (b.box.height < 43.5 || b.box.width < 43.5))
      .map((b) => `${b.text} (${Math.round(b.box.width)}x${Math.round(b.box.height)})`);
    // Checkboxes and radios: square, and at least WCAG 2.2's 24 x 24 px (their label is often hidden in a table).
    for (const box of [...(g.document.querySelectorAll('input[type="checkbox"], input[type="radio"]') as unknown as { getBoundingClientRect: () => { width: number; height: number }; name: string }[])]) {
      const { width, height } = box.getBoundingClientRect();
      if (width > 0 && (Math.abs(width - height) > 0.5 || width < 23.5)) smallTargets.push(`${box.name} box (${Math.round(width)}x${Math.round(height)})`);
    }
    // A card scrolls sideways only when it says so (a labelled, focusable scroll region around a wide table).
    const scrollingCards = [...(g.document.querySelectorAll('.card--flush:not([role="region"])') as unknown as { scrollWidth: number; clientWidth: number; className: string }[])]
      .filter((el) => el.scrollWidth > el.clientWidth + 1)
      .map((el) => `${el.className} (${el.scrollWidth} px in ${el.clientWidth})`);
    return { background: g.getComputedStyle(g.document.body).backgroundColor, overflow: g.document.documentElement.scrollWidth - g.document.documentElement.clientWidth, smallTargets, scrollingCards };
  });
}

/**
 * The page as it stands, in both colour schemes of the device and at both widths: the theme applied, no horizontal
 * scrolling on a phone, and axe with no violation. Every rule runs once in each theme and at each width (light on a
 * desktop, dark on a phone); colour contrast, the only rule a theme changes, runs in all four.
 */
async function checkEveryWay(page: Page, what: string, shotIndex: number): Promise<void> {
  // A page reached by pressing a button is checked once its stylesheet has loaded, not as soon as its heading shows.
  await page.waitForLoadState('load');
  let combination = 0;
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: width === 375 ? 800 : 900 });
      const { background, overflow, smallTargets, scrollingCards } = await probe(page);
      const label = `${what} (${scheme}, ${width} px)`;
      assert.equal(background, BACKGROUND[scheme], `${label}: the ${scheme} theme applies`);
      assert.ok(overflow <= 0, `${label} is ${overflow} px wider than the window`);
      assert.deepEqual(scrollingCards, [], `${label}: a card scrolls sideways`);
      // On a phone every button and menu item is a tap target of at least 44 x 44 px.
      if (width === 375) assert.deepEqual(smallTargets, [], `${label}: tap targets under 44 px`);
      const full = (scheme === 'light') === (width === 1280);
      await assertAccessible(page, label, full ? {} : { rules: ['color-contrast'] });
      // One screenshot per page, taking the four ways in turn, so every way is looked at across the pages.
      const name = what.replace(/[0-9a-f]{32}/, `upload-${shotIndex}`).replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');
      if (combination++ === shotIndex % 4) await screenshot(page, `theme-${name}-${scheme}-${width}`);
    }
  }
}

describe('light and dark themes in a real browser', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  test('every page, light and dark, at 375 and 1280 px: the theme applies, nothing scrolls sideways, axe finds nothing, and no CSP violation', async () => {
    web.ctx.clock.set(Date.UTC(2026, 2, 15, 12));
    const page = await registerInBrowser(web, 'night@example.com', { width: 1280, height: 900 });
    const userId = userIdOf(web.ctx.db, 'night@example.com');
    const cat = (name: string) => categoryIdOf(web.ctx.db, userId, 'expense', name);
    insertTransactions(web.ctx.db, userId, [
      { type: 'income', amountCents: 320_000, occurredOn: '2026-03-01', description: 'Salary', categoryId: categoryIdOf(web.ctx.db, userId, 'income', 'Salary') },
      { type: 'expense', amountCents: 120_000, occurredOn: '2026-03-02', description: 'Rent', categoryId: cat('Housing') },
      { type: 'expense', amountCents: 8_450, occurredOn: '2026-02-03', description: 'A long description of a market visit with many words in it', categoryId: cat('Groceries') },
    ]);
    web.ctx.db.prepare('INSERT INTO budgets (user_id, category_id, month, amount_cents) VALUES (?, ?, ?, ?)').run(userId, cat('Groceries'), '2026-03', 10_000);
    // February's groceries budget rolls over, so March's budget page carries its note (a long line on a phone).
    web.ctx.db.prepare('INSERT INTO budgets (user_id, category_id, month, amount_cents) VALUES (?, ?, ?, ?)').run(userId, cat('Groceries'), '2026-02', 10_000);
    web.ctx.db.prepare("INSERT INTO budget_rollover_settings (user_id, category_id, month, rollover) VALUES (?, ?, '2026-02', 1)").run(userId, cat('Groceries'));
    // A category name near the 60-character limit: the bulk bar's category list grew to fit it, past a phone's width.
    createCategoriesRepo(web.ctx.db).createCategory(userId, 'expense', 'Entertainment, concerts and evenings out with friends');
    // Housing overspent in March: the budget row's "Over by" line must wrap on a phone, not run off it.
    web.ctx.db.prepare('INSERT INTO budgets (user_id, category_id, month, amount_cents) VALUES (?, ?, ?, ?)').run(userId, cat('Housing'), '2026-03', 100_000);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
    });

    // A savings account and a transfer into it, a schedule, and two imports (one left at its mapping, one finished).
    await page.goto(`${web.baseUrl}/accounts`);
    await page.getByLabel('Name').fill('Savings');
    await page.getByLabel('Kind').selectOption({ label: 'Savings' });
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.waitForURL(/\/accounts$/);
    await page.goto(`${web.baseUrl}/transfers/new`);
    await page.getByLabel('To account').selectOption({ label: 'Savings' });
    await page.getByLabel('Amount').fill('250');
    await page.getByRole('button', { name: 'Transfer', exact: true }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/transfers'));
    assert.equal(Number(web.ctx.db.prepare('SELECT count(*) FROM transfers').pluck().get()), 1, 'the transfer was recorded');
    // An archived account still holding money: the accounts page's second table, and the dashboard's list.
    const accounts = createAccountsRepo(web.ctx.db);
    accounts.setAccountArchived(userId, accounts.createAccount(userId, { name: 'Old travel card', kind: 'credit_card', openingBalanceCents: -4_210, openingOn: '2026-01-05' }), true);
    await page.goto(`${web.baseUrl}/scheduled/new`);
    await page.getByLabel('Amount').fill('900');
    await page.getByLabel('Description').fill('Rent');
    await page.getByLabel('Start date').fill('2026-04-01');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.waitForURL(/\/scheduled$/);
    const upload = async (name: string) => {
      await page.goto(`${web.baseUrl}/import`);
      await page.getByLabel('Statement or CSV file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from('date,type,amount,description\n2026-03-05,expense,12.50,Bread\n2026-02-30,expense,1,Bad day\n') });
      await page.getByRole('button', { name: 'Upload and preview' }).click();
      await page.waitForURL(/\/import\/[0-9a-f]{32}$/);
      return new URL(page.url()).pathname;
    };
    const mapping = await upload('bank.csv');
    const finished = await upload('bank-2.csv');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    const finishedPath = new URL(page.url()).pathname;
    // A bank statement: its page, then its finished result with the balance check.
    await page.goto(`${web.baseUrl}/import`);
    await page.getByLabel('Statement or CSV file').setInputFiles({
      name: 'march.ofx',
      mimeType: 'application/x-ofx',
      buffer: Buffer.from(ofx1({ account: { bank: '021000021', number: '123456789' }, closing: { cents: 50_000, day: '2026-03-31' }, entries: [{ day: '2026-03-09', cents: -2_599, name: 'Corner Market', memo: 'Card 1234', bankId: 'F-1' }] })),
    });
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.waitForURL(/\/import\/[0-9a-f]{32}$/);
    const statementPath = new URL(page.url()).pathname;
    await page.goto(`${web.baseUrl}/import`);
    await page.getByLabel('Statement or CSV file').setInputFiles({
      name: 'april.qif',
      mimeType: 'text/plain',
      buffer: Buffer.from(qif({ account: { number: 'x' }, entries: [{ day: '2026-03-10', cents: -1_250, name: 'Bakery', memo: '', bankId: '' }] })),
    });
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.getByRole('button', { name: 'Import the statement' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    const statementFinishedPath = new URL(page.url()).pathname;

    // A rule, so its list has a row and its edit page exists.
    await page.goto(`${web.baseUrl}/rules`);
    await page.getByLabel('Text').fill('Corner Market');
    await page.getByLabel('Set the category').selectOption({ label: 'Groceries' });
    await page.getByLabel('Rename to').fill('Corner shop');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.waitForURL(/\/rules$/);
    const ruleId = Number(web.ctx.db.prepare('SELECT max(id) FROM rules WHERE user_id = ?').pluck().get(userId));
    const accountId = accountIdOf(web.ctx.db, userId, 'Main account');
    const one = (sql: string) => Number(web.ctx.db.prepare(sql).pluck().get(userId));
    const txId = one("SELECT max(id) FROM transactions WHERE user_id = ? AND type = 'expense'");
    const transferId = one('SELECT max(id) FROM transfers WHERE user_id = ?');
    const scheduleId = one('SELECT max(id) FROM schedules WHERE user_id = ?');
    const pages = [
      '/dashboard',
      '/transactions',
      '/transactions/new',
      `/transactions/${txId}/edit`,
      `/transactions/${txId}/delete`,
      '/transfers',
      '/transfers/new',
      `/transfers/${transferId}/edit`,
      `/transfers/${transferId}/delete`,
      '/accounts',
      `/accounts/${accountId}`,
      `/accounts/${accountId}/edit`,
      `/accounts/${accountId}/delete`,
      `/accounts/${accountId}/reconcile`,
      '/budgets',
      '/budgets/2026-02',
      '/scheduled',
      '/scheduled/new',
      `/scheduled/${scheduleId}/edit`,
      `/scheduled/${scheduleId}/delete`,
      '/reports?from=2026-01&to=2026-03&trend=' + cat('Groceries'),
      '/categories',
      `/categories/${cat('Groceries')}/edit`,
      `/categories/${cat('Groceries')}/delete`,
      '/rules',
      '/rules/run',
      `/rules/${ruleId}/edit`,
      `/rules/${ruleId}/delete`,
      '/import',
      mapping,
      finishedPath,
      finishedPath.replace(/\/progress$/, '/undo'),
      statementPath,
      statementFinishedPath,
      '/account',
      '/no-such-page',
    ];
    assert.notEqual(mapping, finished);
    let index = 0;
    for (const path of pages) {
      await page.goto(`${web.baseUrl}${path}`);
      await checkEveryWay(page, path, index++);
    }
    // Two-factor set-up, the recovery codes, and the code page at sign-in.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${web.baseUrl}/account`);
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await page.getByRole('heading', { name: 'Set up two-factor sign-in' }).waitFor();
    await checkEveryWay(page, '/account/two-factor/setup', index++);
    const key = (await page.locator('#totp-key').innerText()).replace(/\s/g, '');
    await page.getByLabel(/Enter the code the app shows now/).fill(new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key) }).generate({ timestamp: web.ctx.clock.now() }));
    await page.getByLabel(/Your password, to confirm/).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    await checkEveryWay(page, '/account/two-factor/recovery-codes', index++);
    await page.goto(`${web.baseUrl}/account`);
    await checkEveryWay(page, '/account (two-factor on)', index++);
    // API tokens: the page that shows a new token this once (with a long token to fit on a phone), then the list.
    await page.goto(`${web.baseUrl}/account/api-tokens`);
    await page.getByLabel('Name').fill('Phone shortcut');
    await page.getByLabel('Your password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Make token' }).click();
    await page.getByRole('heading', { name: /Your new token/ }).waitFor();
    await checkEveryWay(page, '/account/api-tokens (a new token shown)', index++);
    await page.goto(`${web.baseUrl}/account/api-tokens`);
    assert.equal(await page.getByRole('heading', { name: /Your new token/ }).count(), 0, 'a new token is shown once');
    await checkEveryWay(page, '/account/api-tokens', index++);
    const second = await web.browser.newPage();
    await second.goto(`${web.baseUrl}/login`);
    await second.getByLabel('Email').fill('night@example.com');
    await second.getByLabel('Password').fill(TEST_PASSWORD);
    await second.getByRole('button', { name: 'Log in' }).click();
    await second.getByRole('heading', { name: 'Enter your sign-in code' }).waitFor();
    await checkEveryWay(second, '/login/code', index++);
    await second.close();

    // A visitor's pages follow the device as well.
    const visitor = await web.browser.newPage();
    for (const path of ['/login', '/register']) {
      await visitor.goto(`${web.baseUrl}${path}`);
      await checkEveryWay(visitor, path, index++);
    }
    await visitor.close();
    assert.deepEqual(violations, [], 'no CSP violations in the console');
    await page.close();
  });

  test('the setting wins over the device: light chosen on a dark device is light, dark chosen on a light one dark, with the same colours as the device themes', async () => {
    const page = await registerInBrowser(web, 'choice@example.com', { width: 375, height: 800 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${web.baseUrl}/account`);
    await page.getByLabel('Light').check();
    await page.getByRole('button', { name: 'Save appearance' }).click();
    await page.waitForURL(/\/account$/);
    for (const path of ['/account', '/dashboard', '/budgets']) {
      await page.goto(`${web.baseUrl}${path}`);
      assert.equal((await probe(page)).background, BACKGROUND.light, `${path}: light, chosen`);
      await assertAccessible(page, `${path} (light chosen, dark device)`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${web.baseUrl}/account`);
    await page.getByLabel('Dark', { exact: true }).check();
    await page.getByRole('button', { name: 'Save appearance' }).click();
    await page.waitForURL(/\/account$/);
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of ['/dashboard', '/transactions', '/budgets', '/scheduled', '/reports']) {
        await page.goto(`${web.baseUrl}${path}`);
        const { background, overflow } = await probe(page);
        assert.equal(background, BACKGROUND.dark, `${path}: dark, chosen`);
        assert.ok(overflow <= 0, `${path} at ${width} px is ${overflow} px wider than the window`);
        await assertAccessible(page, `${path} (dark chosen, light device, ${width} px)`);
      }
    }
    await page.goto(`${web.baseUrl}/dashboard`);
    await screenshot(page, 'theme-dashboard-dark-setting-1280');
    await page.close();
  });
});
