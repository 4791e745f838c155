import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserAvailability, describeViolations, runAxe, screenshot, useBrowserApp } from '../helpers/browser.ts';

const availability = browserAvailability();

async function totals(page: Page): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const label of ['Income', 'Expenses', 'Balance']) {
    out[label] = (await page.locator(`dt:text-is("${label}") + dd`).innerText()).trim();
  }
  return out;
}

async function assertAccessible(page: Page, name: string): Promise<void> {
  const violations = await runAxe(page);
  assert.equal(violations.length, 0, `axe found problems on ${name}:\n${describeViolations(violations)}`);
}

describe('a person using the tracker in a real browser', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  test('registers, adds income and an expense, reads the totals, deletes one, logs out and back in', async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const cspErrors: string[] = [];
    page.on('pageerror', (err) => cspErrors.push(err.message));
    page.on('console', (msg) => {
      // Form errors answer 422/401 on purpose; anything else (a CSP refusal, a missing file) is a defect.
      if (msg.type() === 'error' && !/status of (422|401) /.test(msg.text())) cspErrors.push(msg.text());
    });

    await page.goto(`${web.baseUrl}/`);
    assert.match(page.url(), /\/login$/);
    await assertAccessible(page, 'login');
    await screenshot(page, 'login');

    await page.getByRole('link', { name: 'Create an account' }).click();
    await assertAccessible(page, 'register');
    await page.getByLabel('Email').fill('Pat@Example.com');
    await page.getByLabel('Password', { exact: true }).fill('a long enough passphrase');
    await page.getByLabel('Confirm password').fill('a different passphrase');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('The two passwords do not match.').waitFor();
    assert.equal(await page.getByLabel('Email').inputValue(), 'pat@example.com');
    await screenshot(page, 'register-error');
    await assertAccessible(page, 'register with errors');

    await page.getByLabel('Password', { exact: true }).fill('a long enough passphrase');
    await page.getByLabel('Confirm password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/dashboard$/);
    assert.deepEqual(await totals(page), { Income: '$0.00', Expenses: '$0.00', Balance: '$0.00' });

    await page.getByLabel('Type').selectOption({ label: 'Income' });
    await page.getByLabel('Amount').fill('2,500.00');
    await page.getByLabel('Description').fill('Salary');
    await page.getByRole('button', { name: 'Add transaction' }).click();
    await page.waitForURL(/\/dashboard$/);

    await page.getByLabel('Type').selectOption({ label: 'Expense' });
    await page.getByLabel('Amount').fill('12.3');
    await page.getByLabel('Description').fill('Lunch');
    await page.getByRole('button', { name: 'Add transaction' }).click();
    await page.waitForURL(/\/dashboard$/);
    assert.deepEqual(await totals(page), { Income: '$2,500.00', Expenses: '$12.30', Balance: '$2,487.70' });

    // An invalid amount shows the message beside the field and keeps what was typed.
    await page.getByLabel('Amount').fill('12.345');
    await page.getByLabel('Description').fill('Too precise');
    await page.getByRole('button', { name: 'Add transaction' }).click();
    await page.getByText('Use at most two decimal places.').waitFor();
    assert.equal(await page.getByLabel('Description').inputValue(), 'Too precise');
    await screenshot(page, 'add-error');
    await assertAccessible(page, 'dashboard with a form error');

    await page.goto(`${web.baseUrl}/dashboard`);
    await assertAccessible(page, 'dashboard');
    await screenshot(page, 'dashboard');

    await page.getByRole('link', { name: /^Delete expense of \$12\.30/ }).click();
    await page.getByRole('heading', { name: 'Delete this transaction?' }).waitFor();
    await screenshot(page, 'confirm-delete');
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/dashboard$/);
    assert.deepEqual(await totals(page), { Income: '$2,500.00', Expenses: '$0.00', Balance: '$2,500.00' });

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(`${web.baseUrl}/dashboard`);
    assert.match(page.url(), /\/login$/, 'after logout the dashboard needs a login again');

    await page.getByLabel('Email').fill('pat@example.com');
    await page.getByLabel('Password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/dashboard$/);
    assert.deepEqual(await totals(page), { Income: '$2,500.00', Expenses: '$0.00', Balance: '$2,500.00' });
    assert.deepEqual(cspErrors, [], 'no console errors (CSP violations show up here)');
    await page.close();
  });

  test('the dashboard is usable at 375 px wide without sideways scrolling', async () => {
    const context = await web.browser.newContext({ viewport: { width: 375, height: 812 } });
    const page = await context.newPage();
    await page.goto(`${web.baseUrl}/login`);
    await page.getByLabel('Email').fill('pat@example.com');
    await page.getByLabel('Password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/dashboard$/);
    const overflow = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
    assert.ok(await page.getByRole('button', { name: 'Add transaction' }).isVisible());
    await screenshot(page, 'dashboard-375');
    await context.close();
  });
});
