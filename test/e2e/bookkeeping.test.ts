import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { RowDraft as NewTransaction } from '../helpers/bookkeeping.ts';
import { categoryIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { assertAccessible, browserAvailability, openMenu, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

describe('bookkeeping in a real browser', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  const signedInPage = (email: string, width: number): Promise<Page> => registerInBrowser(web, email, { width, height: 800 });

  function seed(email: string): void {
    const userId = userIdOf(web.ctx.db, email);
    const cat = (kind: 'income' | 'expense', name: string) => categoryIdOf(web.ctx.db, userId, kind, name);
    const today = web.ctx.today().slice(0, 7);
    const rows: NewTransaction[] = [
      { type: 'income', amountCents: 320_000, occurredOn: `${today}-01`, description: 'Salary', categoryId: cat('income', 'Salary') },
      { type: 'expense', amountCents: 120_000, occurredOn: `${today}-02`, description: 'Rent', categoryId: cat('expense', 'Housing') },
      { type: 'expense', amountCents: 8_450, occurredOn: `${today}-03`, description: 'Weekly groceries at the market', categoryId: cat('expense', 'Groceries') },
      { type: 'expense', amountCents: 2_300, occurredOn: `${today}-04`, description: 'Bus pass', categoryId: null },
      { type: 'expense', amountCents: 4_200, occurredOn: `${today}-05`, description: 'Dinner out', categoryId: cat('expense', 'Eating out') },
      { type: 'expense', amountCents: 1_999, occurredOn: `${today}-06`, description: 'Streaming', categoryId: null },
    ];
    insertTransactions(web.ctx.db, userId, rows);
  }

  // The whole flow on a phone, where the layout is tightest; the desktop test below checks the same pages wide.
  for (const [width, label] of [[375, 'phone']] as const) {
    test(`on a ${label}, a user filters, sets a category on selected rows, deletes with confirmation and reads the dashboard`, async () => {
      const email = `${label}@example.com`;
      const page = await signedInPage(email, width);
      seed(email);

      await page.goto(`${web.baseUrl}/dashboard`);
      await assertAccessible(page, 'dashboard');
      await screenshot(page, `bookkeeping-dashboard-${label}`);

      await page.goto(`${web.baseUrl}/transactions`);
      await assertAccessible(page, 'transactions');
      await screenshot(page, `bookkeeping-transactions-${label}`);

      // Filter to uncategorised expenses: the filters open from their summary.
      await page.getByText('Filter and search').click();
      await page.getByLabel('Category', { exact: true }).first().selectOption({ label: 'Uncategorised' });
      await page.getByLabel('Type', { exact: true }).selectOption('expense');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.waitForURL(/category=none/);
      assert.match(await page.locator('#match-count').innerText(), /^2 transactions match these filters/);
      const exportHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
      assert.equal(exportHref, '/transactions/export.csv?type=expense&category=none');

      // Select both rows by their labels and set a category.
      await page.getByLabel(/^Select expense of \$23\.00/).check();
      await page.getByLabel(/^Select expense of \$19\.99/).check();
      // Slips first. Set category with no category chosen: the list comes back (422) with both rows still ticked,
      // the category list marked and focused, an "Error:" title, and nothing changed.
      const uncategorised = () => web.ctx.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM transactions WHERE category_id IS NULL').get()!.n;
      const before = uncategorised();
      await page.getByRole('button', { name: 'Set category' }).click();
      await page.getByRole('alert').filter({ hasText: 'Choose a category to set' }).waitFor();
      const focusedId = () => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id);
      assert.equal(await focusedId(), 'bulk-category');
      assert.equal(await page.getByLabel('Category for selected').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.getByLabel(/^Select expense of \$23\.00/).isChecked(), true);
      assert.equal(await page.getByLabel(/^Select expense of \$19\.99/).isChecked(), true);
      assert.match(await page.title(), /^Error: Transactions/);
      assert.equal(uncategorised(), before);
      await assertAccessible(page, 'refused bulk action');
      await screenshot(page, `bookkeeping-bulk-refused-${label}`);
      // Enter in a ticked box, with no action chosen: the sentence saying what to choose takes focus; ticks kept.
      await page.getByLabel(/^Select expense of \$23\.00/).press('Enter');
      await page.getByRole('alert').filter({ hasText: 'Choose Delete selected or Set category' }).waitFor();
      assert.equal(await focusedId(), 'bulk-error');
      assert.equal(await page.getByLabel(/^Select expense of \$19\.99/).isChecked(), true);
      assert.equal(uncategorised(), before);
      await page.getByLabel('Category for selected').selectOption({ label: 'Transport' });
      await page.getByRole('button', { name: 'Set category' }).click();
      await page.waitForURL(/category=none/);
      assert.match(await page.getByRole('status').innerText(), /“Transport” set on 2 transactions/);
      assert.match(await page.locator('#match-count').innerText(), /^0 transactions/);
      await screenshot(page, `bookkeeping-after-bulk-${label}`);
      // The change can be undone: its link opens a page that asks first (not pressed here: the rows stay in Transport).
      await page.getByRole('status').getByRole('link', { name: 'Undo' }).click();
      await page.getByRole('heading', { name: 'Undo the last category change?' }).waitFor();
      assert.match(await page.locator('main').innerText(), /“Transport” was set on 2 transactions\./);
      await assertAccessible(page, 'category change undo');
      await screenshot(page, `bookkeeping-category-undo-${label}`);
      // An expense category on a selection holding an income asks what becomes of the income; Cancel changes nothing.
      await page.goto(`${web.baseUrl}/transactions`);
      await page.getByLabel(/^Select income of \$3,200\.00/).check();
      await page.getByLabel('Category for selected').selectOption({ label: 'Housing' });
      await page.getByRole('button', { name: 'Set category' }).click();
      await page.getByRole('heading', { name: '1 of the selected transactions is an income' }).waitFor();
      await assertAccessible(page, 'incomes among a bulk category change');
      await screenshot(page, `bookkeeping-bulk-incomes-${label}`);
      const incomesSideways = await page.evaluate(() => {
        const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
        return doc.documentElement.scrollWidth - doc.documentElement.clientWidth;
      });
      assert.ok(incomesSideways <= 0, `the incomes question is ${incomesSideways}px wider than the screen`);
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.waitForURL(/\/transactions$/);
      assert.equal(web.ctx.db.prepare("SELECT c.name FROM transactions t JOIN categories c ON c.id = t.category_id WHERE t.description = 'Salary'").pluck().get(), 'Salary');

      // Delete one row through the confirmation page.
      await page.goto(`${web.baseUrl}/transactions?q=dinner`);
      await page.getByLabel(/^Select expense of \$42\.00/).check();
      await page.getByRole('button', { name: 'Delete selected' }).click();
      await page.getByRole('heading', { name: 'Delete 1 transaction?' }).waitFor();
      await assertAccessible(page, 'bulk delete confirmation');
      await screenshot(page, `bookkeeping-bulk-delete-${label}`);
      await page.getByRole('button', { name: 'Delete 1 transaction' }).click();
      await page.waitForURL(/q=dinner/);
      assert.match(await page.getByRole('status').innerText(), /Deleted 1 transaction\./);
      // Back shows the confirmation's own address again (a GET): the row is gone, said plainly, not a form to resubmit.
      await page.goBack();
      await page.getByText('None of the selected transactions exist.').waitFor();
      await page.goForward();

      // Edit a row; saving returns to the same filtered list.
      await page.goto(`${web.baseUrl}/transactions?q=rent`);
      await page.getByRole('link', { name: /^Edit expense of \$1,200\.00/ }).click();
      await page.getByLabel('Amount').fill('1250');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(/\/transactions\?q=rent$/);
      assert.match(await page.getByRole('status').innerText(), /Transaction saved/);
      assert.match(await page.content(), /−\$1,250\.00/);

      // Categories page and the delete confirmation count.
      await page.goto(`${web.baseUrl}/categories`);
      await assertAccessible(page, 'categories');
      await screenshot(page, `bookkeeping-categories-${label}`);
      await page.getByRole('link', { name: 'Delete Transport' }).click();
      assert.match(await page.locator('#uncategorised-count').innerText(), /2 transactions will become uncategorised/);
      await screenshot(page, `bookkeeping-category-delete-${label}`);

      // Nothing overflows sideways on a phone.
      if (width === 375) {
        for (const url of ['/dashboard', '/transactions', '/categories', '/transactions/bulk/undo']) {
          await page.goto(`${web.baseUrl}${url}`);
          const overflow = await page.evaluate(() => {
            const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
            return doc.documentElement.scrollWidth - doc.documentElement.clientWidth;
          });
          assert.ok(overflow <= 0, `${url} scrolls sideways by ${overflow}px`);
        }
      }
      await page.close();
    });
  }

  test('on a desktop, the dashboard, the list, the bulk confirmation and the categories lay out wide and pass axe', async () => {
    const email = 'desktop@example.com';
    const page = await signedInPage(email, 1280);
    seed(email);
    for (const [url, name] of [
      ['/dashboard', 'dashboard'],
      ['/transactions', 'transactions'],
      ['/categories', 'categories'],
    ] as const) {
      await page.goto(`${web.baseUrl}${url}`);
      await assertAccessible(page, `${name} (desktop)`);
      await screenshot(page, `bookkeeping-${name}-desktop`);
    }
    await page.goto(`${web.baseUrl}/transactions?q=dinner`);
    await page.getByLabel(/^Select expense of \$42\.00/).check();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await page.getByRole('heading', { name: 'Delete 1 transaction?' }).waitFor();
    await assertAccessible(page, 'bulk delete confirmation (desktop)');
    await screenshot(page, 'bookkeeping-bulk-delete-desktop');
    await page.close();
  });

  test('money in accounts: a savings account, a transfer of 250.00 that leaves income and expenses alone while both balances move, and a reconciliation', async () => {
    const page = await registerInBrowser(web, 'saver@example.com', { width: 375, height: 812 });
    const totals = async () => {
      await page.goto(`${web.baseUrl}/dashboard`);
      const read = async (label: string) => (await page.locator(`dt:text-is("${label}") + dd`).first().innerText()).trim();
      return { income: await read('Income'), expenses: await read('Expenses') };
    };
    await page.goto(`${web.baseUrl}/dashboard`);
    await page.getByLabel('Amount').fill('1,000.00');
    await page.getByLabel('Type').selectOption('income');
    await page.getByRole('button', { name: 'Add transaction' }).click();
    await page.getByText('Income added.').waitFor();

    await openMenu(page);
    await page.getByRole('link', { name: 'Accounts', exact: true }).click();
    await page.getByLabel('Name').fill('Savings');
    await page.getByLabel('Kind').selectOption({ label: 'Savings' });
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.getByText('Account “Savings” added.').waitFor();
    await assertAccessible(page, 'accounts page');
    await screenshot(page, 'accounts-375');
    const before = await totals();

    await page.goto(`${web.baseUrl}/accounts`);
    await page.getByRole('link', { name: 'Main account', exact: true }).click();
    await page.getByRole('link', { name: 'Transfer money', exact: true }).click();
    await page.getByLabel('To account').selectOption({ label: 'Savings' });
    await page.getByLabel('Amount').fill('250.00');
    await page.getByLabel(/^Description/).fill('Rainy-day fund');
    await page.getByRole('button', { name: 'Transfer', exact: true }).click();
    await page.getByText('Transfer recorded.').waitFor();
    await page.getByText('To Savings').waitFor();
    await assertAccessible(page, 'account register');
    await screenshot(page, 'register-375');

    assert.deepEqual(await totals(), before, 'income and expenses unchanged by the transfer');
    await page.goto(`${web.baseUrl}/accounts`);
    const balance = async (name: string) => (await page.getByRole('row', { name: new RegExp(name) }).locator('.account__balance').innerText()).trim();
    assert.equal(await balance('Main account'), '$750.00');
    assert.equal(await balance('Savings'), '$250.00');

    // Reconcile Savings against a statement that shows the transfer.
    await page.getByRole('link', { name: 'Savings', exact: true }).click();
    await page.getByRole('link', { name: 'Reconcile', exact: true }).click();
    await page.getByLabel('Statement balance').fill('250.00');
    await page.getByRole('button', { name: 'Start reconciling' }).click();
    await page.locator('[data-reconcile="difference"]').getByText('$250.00').waitFor();
    await page.getByRole('checkbox', { name: /Rainy-day fund/ }).check();
    // The script updates the difference as the row is ticked; the button does the same without it.
    await page.locator('[data-reconcile="difference"]').getByText('$0.00').waitFor();
    // One sentence is announced, whole; the figures themselves are no live region (bare numbers were read out).
    assert.equal(await page.locator('.reconcile .totals[aria-live]').count(), 0);
    const said = page.locator('[role="status"][aria-atomic="true"][data-reconcile="announce"]');
    assert.equal(await said.textContent(), 'Difference $0.00: balanced. Finish to mark the ticked rows reconciled.');
    await page.getByRole('checkbox', { name: /Rainy-day fund/ }).uncheck();
    assert.equal(await said.textContent(), 'Difference $250.00: not balanced yet (cleared balance $0.00).');
    await page.getByRole('checkbox', { name: /Rainy-day fund/ }).check();
    await assertAccessible(page, 'reconciliation');
    await screenshot(page, 'reconcile-375');
    await page.getByRole('button', { name: 'Finish reconciling' }).click();
    await page.getByText('Reconciled 1 row.').waitFor();
    await page.getByText('reconciled', { exact: true }).waitFor();

    // A long history is reconciled a page at a time: a tick survives going to another page, and every row can be
    // ticked at once. Main holds its 2 rows and 230 more of 1.00 from an import: 750.00 - 230.00 on the statement.
    const ownerId = web.ctx.db.prepare("SELECT user_id FROM accounts WHERE name = 'Savings'").pluck().get() as number;
    const mainId = web.ctx.db.prepare("SELECT id FROM accounts WHERE user_id = ? AND name = 'Main account'").pluck().get(ownerId) as number;
    const history = web.ctx.db.prepare('SELECT min(occurred_on) FROM transactions WHERE account_id = ?').pluck().get(mainId) as string;
    insertTransactions(web.ctx.db, ownerId, Array.from({ length: 230 }, (_, i) => ({ type: 'expense' as const, amountCents: 100, occurredOn: history, description: `Imported ${i}`, accountId: mainId })));
    await page.goto(`${web.baseUrl}/accounts/${mainId}/reconcile`);
    await page.getByLabel('Statement balance').fill('520.00');
    await page.getByRole('button', { name: 'Start reconciling' }).click();
    await page.getByRole('button', { name: 'Later »' }).waitFor();
    await page.getByText(/^Showing the rows from /).waitFor();
    await page.getByRole('checkbox', { name: /Imported 0\b/ }).check();
    await page.locator('[data-reconcile="difference"]').getByText('$521.00').waitFor();
    // The script writes a negative amount as the server does: with the minus sign (U+2212), marked negative.
    assert.equal(await page.locator('[data-reconcile="cleared"]').innerText(), '\u2212$1.00');
    assert.match(String(await page.locator('.total:has([data-reconcile="cleared"])').getAttribute('class')), /total--negative/);
    // The balances stay in view while ticking further down a long page.
    await page.getByRole('checkbox', { name: /Imported 150\b/ }).scrollIntoViewIfNeeded();
    const totalsTop = await page.locator('.reconcile > .totals').evaluate((el) => (el as unknown as { getBoundingClientRect: () => { top: number } }).getBoundingClientRect().top);
    assert.ok(totalsTop >= 0 && totalsTop < 5, `the totals are at the top of the screen: ${totalsTop}`);
    await page.evaluate(() => (globalThis as unknown as { scrollTo: (x: number, y: number) => void }).scrollTo(0, 0));
    await assertAccessible(page, 'reconciliation, first of two pages');
    await screenshot(page, 'reconcile-pages-375');
    await page.getByRole('button', { name: 'Later »' }).click();
    await page.getByRole('button', { name: '‹ Earlier' }).waitFor();
    await page.locator('[data-reconcile="difference"]').getByText('$521.00').waitFor();
    await page.getByRole('button', { name: '‹ Earlier' }).click();
    assert.equal(await page.getByRole('checkbox', { name: /Imported 0\b/ }).isChecked(), true, 'the tick was saved on the way to the next page');
    await page.getByRole('button', { name: /^Tick every row up to / }).click();
    await page.getByText('Ticked 231 rows.').waitFor();
    await page.locator('[data-reconcile="difference"]').getByText('$0.00').waitFor();
    await page.setViewportSize({ width: 1280, height: 900 });
    await assertAccessible(page, 'reconciliation, every row ticked, desktop');
    await screenshot(page, 'reconcile-pages-1280');
    await page.setViewportSize({ width: 375, height: 812 });
    await page.getByRole('button', { name: 'Finish reconciling' }).click();
    await page.getByText('Reconciled 232 rows.').waitFor();

    // The other new pages, at 375 px: accessible and without sideways scrolling.
    const savingsId = web.ctx.db.prepare("SELECT id FROM accounts WHERE name = 'Savings'").pluck().get() as number;
    const transferId = web.ctx.db.prepare('SELECT max(id) FROM transfers').pluck().get() as number;
    for (const path of [`/transfers/new?from=${savingsId}`, `/transfers/${transferId}/edit`, `/transfers/${transferId}/delete`, `/accounts/${savingsId}/edit`, `/accounts/${savingsId}/delete`]) {
      await page.goto(`${web.baseUrl}${path}`);
      await assertAccessible(page, path);
      const sideways = await page.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return root.scrollWidth - root.clientWidth;
      });
      assert.ok(sideways <= 0, `${path} scrolls sideways by ${sideways}px`);
    }

    // A statement balance typed wrong is corrected in place; stopping asks first, on a page of its own.
    await page.goto(`${web.baseUrl}/accounts/${savingsId}/reconcile`);
    await page.getByLabel('Statement balance').fill('25.00');
    await page.getByRole('button', { name: 'Start reconciling' }).click();
    await page.getByRole('heading', { name: 'Correct the statement' }).waitFor();
    await page.getByLabel('Statement balance').fill('250.00');
    await page.getByRole('button', { name: 'Save the statement' }).click();
    await page.getByText(/^Statement corrected: /).waitFor();
    await page.locator('[data-reconcile="difference"]').getByText('$0.00').waitFor();
    await assertAccessible(page, 'reconciliation with its statement corrected');
    await page.getByRole('link', { name: 'Stop reconciling' }).click();
    await page.getByRole('heading', { name: 'Stop reconciling Savings?' }).waitFor();
    await assertAccessible(page, 'stop reconciling');
    await screenshot(page, 'reconcile-stop-375');
    const stopSideways = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    assert.ok(stopSideways <= 0, `the stop page scrolls sideways by ${stopSideways}px`);
    await page.getByRole('button', { name: 'Stop reconciling' }).click();
    await page.getByText('Reconciliation stopped; the ticked rows stay cleared.').waitFor();

    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${web.baseUrl}/accounts`);
    await screenshot(page, 'accounts-1280');
    await page.getByRole('link', { name: 'Savings', exact: true }).click();
    await screenshot(page, 'register-1280');
    await page.close();
  });
});
