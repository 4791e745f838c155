import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertAccessible, browserAvailability, openMenu, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

describe('planning in a real browser: budgets and scheduled transactions', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  /** Adds an expense through the real add form. */
  async function addExpense(page: Page, amount: string, category: string, description: string): Promise<void> {
    await page.goto(`${web.baseUrl}/transactions/new`);
    await page.getByLabel('Amount').fill(amount);
    await page.getByLabel('Category').selectOption({ label: category });
    await page.getByLabel('Description').fill(description);
    await page.getByRole('button', { name: 'Add transaction' }).click();
    await page.waitForURL(/\/transactions/);
  }

  test('on a phone, a person sets a budget, spends, sees what remains and the overspend, and a monthly schedule from three months ago posts three rows', async () => {
    // Mid-March 2026 in the app's clock (UTC), so "three months ago" is a fixed day.
    web.ctx.clock.set(Date.UTC(2026, 2, 15, 12));
    const page = await registerInBrowser(web, 'planner@example.com', { width: 375, height: 800 });

    // Set this month's budget for two categories.
    await openMenu(page);
    await page.getByRole('link', { name: 'Budgets' }).click();
    await page.getByRole('heading', { name: 'Budget for March 2026' }).waitFor();
    await page.getByLabel('Budget for Groceries').fill('100');
    await page.getByLabel('Budget for Eating out').fill('50');
    await page.getByRole('button', { name: 'Save budget' }).click();
    await page.waitForURL(/\/budgets\/2026-03$/);
    assert.match(await page.getByRole('status').innerText(), /Budget for March 2026 saved\./);

    // Spend in both; the second overspends.
    await addExpense(page, '30.25', 'Groceries', 'Market');
    await addExpense(page, '60', 'Eating out', 'Birthday dinner');

    await page.goto(`${web.baseUrl}/budgets`);
    const groceries = page.getByRole('row', { name: /^Groceries/ });
    assert.match(await groceries.innerText(), /Remaining: \$69\.75/);
    const eatingOut = page.getByRole('row', { name: /^Eating out/ });
    assert.match(await eatingOut.innerText(), /Over by \$10\.00/, 'over budget is said in words, not only colour');
    assert.match(await page.locator('.totals__note').innerText(), /Budgeted \$150\.00; 60% of what is available is spent\./);
    await assertAccessible(page, 'budgets');
    await screenshot(page, 'planning-budgets-phone');

    // A monthly rent from three months ago: its three past occurrences are posted at once.
    await openMenu(page);
    await page.getByRole('link', { name: 'Scheduled' }).click();
    await page.getByRole('link', { name: 'New schedule' }).click();
    await page.getByLabel('Amount').fill('1,200.00');
    await page.getByLabel('Description').fill('Rent');
    await page.getByLabel('Category').selectOption({ label: 'Housing' });
    await page.getByLabel('Start date').fill('2025-12-20');
    await assertAccessible(page, 'new schedule');
    await screenshot(page, 'planning-schedule-form-phone');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.waitForURL(/\/scheduled$/);
    assert.match(await page.getByRole('status').innerText(), /Schedule saved; 3 past occurrences were posted\./);
    assert.match(await page.getByRole('row', { name: /^Rent/ }).innerText(), /Every month on day 20[\s\S]*Mar 20, 2026/);
    await assertAccessible(page, 'scheduled');
    await screenshot(page, 'planning-scheduled-phone');
    // Its edit page (with what it posted) and its delete confirmation.
    await page.getByRole('link', { name: 'Edit Rent' }).click();
    await page.getByRole('heading', { name: 'Posted so far' }).waitFor();
    assert.match(await page.locator('.schedule-history').innerText(), /Posted: 3\. Skipped: 0\./);
    await assertAccessible(page, 'edit schedule');
    await screenshot(page, 'planning-schedule-edit-phone');
    await page.goto(`${web.baseUrl}/scheduled`);
    await page.getByRole('link', { name: 'Delete Rent' }).click();
    assert.match(await page.locator('main').innerText(), /The 3 transactions it posted stay unless you tick the box below\./);
    assert.equal(await page.getByLabel('Also delete the 3 transactions it posted').isChecked(), false, 'what it posted stays unless asked');
    await assertAccessible(page, 'delete schedule');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(/\/scheduled$/);

    await page.goto(`${web.baseUrl}/transactions?q=rent`);
    assert.match(await page.locator('#match-count').innerText(), /^3 transactions match these filters/);
    const dates = await page.locator('.tx__date time').evaluateAll((els) => els.map((el) => el.getAttribute('datetime')));
    assert.deepEqual(dates, ['2026-02-20', '2026-01-20', '2025-12-20']);

    // The dashboard: this month's budget against spending, and what is coming up.
    await page.goto(`${web.baseUrl}/dashboard`);
    assert.match(await page.locator('.dashboard-budget').innerText(), /Spent \$90\.25 of \$150\.00 \(60%\)/);
    assert.match(await page.locator('.dashboard-upcoming').innerText(), /Rent[\s\S]*\$1,200\.00/);
    assert.match(await page.locator('.dashboard-upcoming').innerText(), /Expected bills: \$1,200\.00\./);
    await assertAccessible(page, 'dashboard with plans');
    await screenshot(page, 'planning-dashboard-phone');

    // The same pages on a desktop.
    await page.setViewportSize({ width: 1280, height: 900 });
    for (const [path, name] of [['/budgets', 'budgets'], ['/scheduled', 'scheduled'], ['/dashboard', 'dashboard'], ['/reports?from=2025-12&to=2026-03&trend=4', 'reports']] as const) {
      await page.goto(`${web.baseUrl}${path}`);
      await assertAccessible(page, `${name} (desktop)`);
      await screenshot(page, `planning-${name}-desktop`);
    }
    // Nothing on the phone page is wider than the phone.
    await page.setViewportSize({ width: 375, height: 800 });
    for (const path of ['/budgets', '/scheduled', '/scheduled/new', '/scheduled/1/edit', '/scheduled/1/delete', '/dashboard', '/reports?from=2025-12&to=2026-03&trend=4', '/transactions', '/account']) {
      await page.goto(`${web.baseUrl}${path}`);
      const overflow = await page.evaluate(() => {
        const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
        return doc.documentElement.scrollWidth - doc.documentElement.clientWidth;
      });
      assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the screen`);
      // Every button and menu item is a tap target of at least 44 x 44 px.
      const small = await page.evaluate(() => {
        const doc = (globalThis as unknown as { document: { querySelectorAll: (s: string) => { getBoundingClientRect: () => { width: number; height: number }; textContent: string | null }[] } }).document;
        // (A visually hidden button is no target: the bulk form's default button, there for Enter in a checkbox.)
        return [...doc.querySelectorAll('.button, button:not(.visually-hidden), .site-nav a, summary')]
          .map((el) => ({ text: (el.textContent ?? '').trim().slice(0, 30), ...(({ width, height }) => ({ width, height }))(el.getBoundingClientRect()) }))
          .filter((b) => b.width > 0 && (b.height < 43.5 || b.width < 43.5));
      });
      assert.deepEqual(small, [], `${path}: tap targets under 44 px`);
    }
    // The comparison of two ranges is a card a row on a phone: every figure of a row on screen, each named.
    await page.goto(`${web.baseUrl}/reports?from=2025-12&to=2026-03&trend=4`);
    const compare = page.getByRole('table', { name: /^Compared with/ });
    const expenses = compare.getByRole('row', { name: /^Expenses/ });
    for (const cell of await expenses.getByRole('cell').all()) {
      const box = await cell.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `${await cell.innerText()} is on screen: ${JSON.stringify(box)}`);
    }
    const named = await expenses.getByRole('cell').evaluateAll((cells) =>
      cells.map((cell) => (globalThis as unknown as { getComputedStyle: (el: unknown, pseudo: string) => { content: string } }).getComputedStyle(cell, '::before').content));
    assert.deepEqual(named, ['"This range"', '"Before"', '"Change"', '"Change %"'], 'each figure is named on the phone');
    // The category x month table opens with each category's total and monthly average on screen beside its name;
    // the months scroll after them.
    const matrix = page.getByRole('table', { name: 'Expenses by category and month' });
    const total = matrix.getByRole('row', { name: /^Total/ });
    const [sum, average] = await total.getByRole('cell').all();
    for (const cell of [sum!, average!]) {
      const box = await cell.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `${await cell.innerText()} is on screen: ${JSON.stringify(box)}`);
    }
    await assertAccessible(page, 'reports (phone)');
    await screenshot(page, 'planning-reports-phone');

    // A start typed two years back: asked first, on a page that fits the phone; going back to edit saves nothing.
    await page.goto(`${web.baseUrl}/scheduled/new`);
    await page.getByLabel('Amount').fill('30.00');
    await page.getByLabel('Description').fill('Gym');
    await page.getByLabel('Start date').fill('2024-03-16');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByRole('heading', { name: 'Post 24 past occurrences now?' }).waitFor();
    assert.match(await page.locator('main').innerText(), /24 transactions will be posted, \$720\.00 in all\./);
    const wider = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
      return doc.documentElement.scrollWidth - doc.documentElement.clientWidth;
    });
    assert.ok(wider <= 0, `the question is ${wider}px wider than the screen`);
    await assertAccessible(page, 'past occurrences question (phone)');
    await screenshot(page, 'planning-schedule-backlog-phone');
    await page.getByRole('button', { name: 'Go back and edit' }).click();
    await page.getByLabel('Start date').waitFor();
    assert.equal(await page.getByLabel('Start date').inputValue(), '2024-03-16');
    assert.equal(Number(web.ctx.db.prepare("SELECT count(*) FROM schedules WHERE description = 'Gym'").pluck().get()), 0, 'nothing was saved');
    await page.close();
  });
  test('a pressed Skip disables every button of its form, Post now beside it too, and sends the one pressed', async () => {
    web.ctx.clock.set(Date.UTC(2026, 2, 15, 12));
    const page = await registerInBrowser(web, 'presser@example.com', { width: 1280, height: 800 });
    await page.goto(`${web.baseUrl}/scheduled/new`);
    await page.getByLabel('Amount').fill('9.99');
    await page.getByLabel('Description').fill('Music');
    await page.getByLabel('Start date').fill('2026-03-20');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.waitForURL(/\/scheduled$/);
    // The page is kept (the submission is cancelled after the app's own handler has seen it), so its buttons can be
    // looked at as they are while a slow post is on its way.
    // (Browser code as text: the tests' types have no DOM.)
    await page.evaluate(`window.addEventListener('submit', (event) => { event.preventDefault(); window.pressed = event.submitter ? event.submitter.getAttribute('value') : null; })`);
    const form = page.locator('form').filter({ has: page.getByRole('button', { name: /^Skip/ }) }).first();
    await form.getByRole('button', { name: /^Skip/ }).click();
    await page.waitForFunction(`(() => { const b = [...document.querySelectorAll('form button[name="action"]')].slice(0, 2); return b.length === 2 && b.every((x) => x.disabled); })()`);
    assert.equal(await page.evaluate('window.pressed'), 'skip');
    await page.close();
  });
});
