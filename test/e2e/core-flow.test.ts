import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { addTransaction, registerUser, TEST_PASSWORD } from '../helpers/app.ts';
import { assertAccessible as assertPassesAxe, browserAvailability, describeViolations, runAxe, screenshot, useBrowserApp } from '../helpers/browser.ts';
import { insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { XSS_PAYLOADS } from '../helpers/payloads.ts';
import { logInAgent } from '../helpers/security.ts';

const availability = browserAvailability();
const NEW_PASSWORD = 'a brand new passphrase';

async function totals(page: Page): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const label of ['Income', 'Expenses', 'Net']) {
    out[label] = (await page.locator(`dt:text-is("${label}") + dd`).innerText()).trim();
  }
  return out;
}

/** Signs in through the login form as pat, whom the first test registers, and waits for the dashboard. */
async function signInAsPat(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill('pat@example.com');
  await page.getByLabel('Password').fill('a long enough passphrase');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/dashboard$/);
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
    assert.deepEqual(await totals(page), { Income: '$0.00', Expenses: '$0.00', 'Net': '$0.00' });

    await page.getByLabel('Type').selectOption({ label: 'Income' });
    await page.getByLabel('Amount').fill('2,500.00');
    await page.getByLabel('Description').fill('Salary');
    await page.getByRole('button', { name: 'Add transaction' }).click();
    // Back at the add form (#add), ready for the next one.
    await page.waitForURL(/\/dashboard#add$/);
    await page.getByRole('status').filter({ hasText: 'Income added.' }).waitFor();

    await page.getByLabel('Type').selectOption({ label: 'Expense' });
    await page.getByLabel('Amount').fill('12.3');
    await page.getByLabel('Description').fill('Lunch');
    await page.getByRole('button', { name: 'Add transaction' }).click();
    await page.getByRole('status').filter({ hasText: 'Expense added.' }).waitFor();
    assert.deepEqual(await totals(page), { Income: '$2,500.00', Expenses: '$12.30', 'Net': '$2,487.70' });

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
    assert.deepEqual(await totals(page), { Income: '$2,500.00', Expenses: '$0.00', 'Net': '$2,500.00' });

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(`${web.baseUrl}/dashboard`);
    assert.match(page.url(), /\/login$/, 'after logout the dashboard needs a login again');

    await page.getByLabel('Email').fill('pat@example.com');
    await page.getByLabel('Password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/dashboard$/);
    assert.deepEqual(await totals(page), { Income: '$2,500.00', Expenses: '$0.00', 'Net': '$2,500.00' });
    assert.deepEqual(cspErrors, [], 'no console errors (CSP violations show up here)');
    await page.close();
  });

  test('the dashboard is usable at 375 px wide without sideways scrolling', async () => {
    const context = await web.browser.newContext({ viewport: { width: 375, height: 812 } });
    const page = await context.newPage();
    await signInAsPat(page, web.baseUrl);
    const overflow = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
    assert.ok(await page.getByRole('button', { name: 'Add transaction' }).isVisible());
    await screenshot(page, 'dashboard-375');

    // The places sit behind one Menu button: the header is one row (it was four), and the page starts right under it.
    const headerHeight = async () => (await page.locator('.site-header').boundingBox())!.height;
    assert.ok((await headerHeight()) <= 72, `the header is ${await headerHeight()} px tall on a phone`);
    const menu = page.locator('summary', { hasText: 'Menu' });
    assert.equal(await page.getByRole('link', { name: 'Budgets' }).isVisible(), false, 'closed, the menu hides its places');
    await menu.click();
    await screenshot(page, 'dashboard-375-menu');
    for (const name of ['Dashboard', 'Transactions', 'Accounts', 'Budgets', 'Scheduled', 'Reports', 'Categories', 'Import', 'Account']) {
      const box = (await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).boundingBox())!;
      assert.ok(box.height >= 44 && box.width >= 200, `${name} is a full-width target, ${box.width} x ${box.height}`);
    }
    assert.ok(await page.getByRole('button', { name: 'Log out' }).isVisible());
    assert.equal(await headerHeight() <= 72, true, 'the open menu drops over the page instead of pushing it down');
    await assertAccessible(page, 'the dashboard with the phone menu open');
    // Escape closes it and gives focus back to its button; a tap outside closes it too.
    await page.keyboard.press('Escape');
    assert.equal(await page.getByRole('link', { name: 'Budgets' }).isVisible(), false);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } } }).document.activeElement.tagName), 'SUMMARY');
    await menu.click();
    await page.locator('h1').click();
    assert.equal(await page.getByRole('link', { name: 'Budgets' }).isVisible(), false, 'a tap outside closes the menu');
    // Tabbing on past its last place closes it, so the next control is not focused under it.
    await menu.click();
    await page.getByRole('button', { name: 'Log out' }).focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.getByRole('link', { name: 'Budgets' }).isVisible(), false, 'focus leaving the menu closes it');
    await menu.click();
    await page.getByRole('link', { name: 'Budgets' }).click();
    await page.waitForURL(/\/budgets$/);
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Budgets' }).isVisible(), false, 'the next page starts with the menu closed');
    await context.close();

    // Without script the menu is the browser's own details element: it still opens, and its links still lead.
    const noScript = await web.browser.newContext({ viewport: { width: 375, height: 812 }, javaScriptEnabled: false });
    const plain = await noScript.newPage();
    await signInAsPat(plain, web.baseUrl);
    await plain.locator('summary', { hasText: 'Menu' }).click();
    await plain.getByRole('link', { name: 'Reports' }).click();
    await plain.waitForURL(/\/reports$/);
    await noScript.close();
  });

  test('on a wide screen every place shows in the header, with no menu button to open', async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInAsPat(page, web.baseUrl);
    assert.equal(await page.locator('summary', { hasText: 'Menu' }).isVisible(), false);
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const name of ['Dashboard', 'Transactions', 'Accounts', 'Budgets', 'Scheduled', 'Reports', 'Categories', 'Import', 'Account']) {
      assert.ok(await nav.getByRole('link', { name, exact: true }).isVisible(), `${name} shows at 1280 px`);
    }
    // The keyboard reaches them in order, after the brand.
    await page.locator('.brand').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent), 'Dashboard');
    await page.close();
  });

  test('a person changes the password and logs out other sessions by the labels, and the page passes axe', async () => {
    await registerUser(web.ctx.app, 'ann@example.com');
    await logInAgent(web.ctx.app, 'ann@example.com', TEST_PASSWORD);
    const phone = await logInAgent(web.ctx.app, 'ann@example.com', TEST_PASSWORD);
    const page = await web.browser.newPage();
    await page.goto(`${web.baseUrl}/login`);
    await page.getByLabel('Email').fill('ann@example.com');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    await page.waitForURL(/\/account$/);
    assert.match(await page.locator('main').innerText(), /also signed in on 3 other devices/);
    await assertPassesAxe(page, 'account page');

    await page.getByLabel('Current password').fill('not the password');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('That is not your current password.').waitFor();
    await screenshot(page, 'account-password-error');

    await page.getByLabel('Current password').fill(TEST_PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    assert.match(await page.locator('main').innerText(), /only device signed in/);
    await screenshot(page, 'account-page');
    assert.equal((await phone.get('/dashboard')).status, 303, 'the other session ended');
    await page.close();
  });

  test('stored script and HTML payloads run nothing on the dashboard and the list, and show as text', async () => {
    const agent = await registerUser(web.ctx.app, 'mallory@example.com');
    for (const payload of XSS_PAYLOADS) await addTransaction(agent, { amount: '2.00', description: payload });
    // No dialog watch: the CSP stops inline script whatever the escaping, so an alert could never show. What
    // escaping alone must do is checked below: the payloads are text, and no element of theirs is on the page.
    const page = await web.browser.newPage();
    await page.goto(`${web.baseUrl}/login`);
    await page.getByLabel('Email').fill('mallory@example.com');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/dashboard$/);
    for (const path of ['/dashboard', '/transactions']) {
      await page.goto(`${web.baseUrl}${path}`);
      await page.waitForLoadState('load');
      const text = await page.locator('main').innerText();
      assert.ok(text.includes('<script>alert(1)</script>'), `${path} shows the payload as text`);
      assert.equal(await page.locator('main img[src="x"], main svg[onload], main script').count(), 0, `${path} has injected elements`);
    }
    await screenshot(page, 'attack-xss-transactions');
    await page.close();
  });

  test('a Ukrainian household: signs up from a Ukrainian browser, adds 12,50, reads every page in Ukrainian, then switches to English', async () => {
    const context = await web.browser.newContext({ locale: 'uk-UA', viewport: { width: 375, height: 812 } });
    const page = await context.newPage();
    const overflow = () =>
      page.evaluate(() => {
        const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number }; querySelectorAll: (s: string) => Iterable<{ scrollWidth: number; clientWidth: number; textContent: string; closest: (s: string) => { clientWidth: number } | null }> } }).document;
        // Sideways scrolling of the page, and any label, button or heading whose text is wider than its box. (A phone's
        // table header is hidden from sight only, a 1 px box kept for screen readers: its cells are not on screen.)
        const clipped = [...doc.querySelectorAll('h1, h2, dt, dd, label, legend, .button, .site-nav a, th, td, .chip, .card--flush:not([role="region"])')]
          .filter((el) => el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1 && (el.closest('thead')?.clientWidth ?? 2) > 1)
          .map((el) => el.textContent.trim());
        // A chart's value labels sit left of its plot: each must lie inside the box that clips it (or the window),
        // or a cut-off "-500 тис." reads as "500 тис.".
        type Box = { left: number; right: number };
        type Node = { getBoundingClientRect: () => Box; parentElement: Node | null; textContent: string };
        const g = globalThis as unknown as { getComputedStyle: (el: Node) => { overflowX: string }; document: { querySelectorAll: (s: string) => Iterable<Node> } };
        // (No named functions in here: the test build would wrap them in a helper the page does not have.)
        for (const text of g.document.querySelectorAll('.chart__ticks--y text')) {
          const box = text.getBoundingClientRect();
          let within: Box = { left: 0, right: doc.documentElement.clientWidth };
          for (let up = text.parentElement; up; up = up.parentElement) {
            if (g.getComputedStyle(up).overflowX !== 'visible') {
              within = up.getBoundingClientRect();
              break;
            }
          }
          if (box.left < within.left - 0.5 || box.right > within.right + 0.5) clipped.push(`chart label ${text.textContent}`);
        }
        return { page: doc.documentElement.scrollWidth - doc.documentElement.clientWidth, clipped };
      });

    await page.goto(`${web.baseUrl}/register`);
    assert.equal(await page.getAttribute('html', 'lang'), 'uk');
    await page.getByRole('heading', { name: 'Реєстрація' }).waitFor();
    await page.getByLabel('Електронна пошта').fill('olena@example.com');
    // Switching language with the form half filled keeps the email typed (never the password).
    await page.getByLabel('Пароль', { exact: true }).fill('довга парольна фраза');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Create account' }).waitFor();
    assert.equal(await page.getByLabel('Email').inputValue(), 'olena@example.com');
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '');
    await page.getByRole('button', { name: 'Українська' }).click();
    await page.getByRole('heading', { name: 'Реєстрація' }).waitFor();
    assert.equal(await page.getByLabel('Електронна пошта').inputValue(), 'olena@example.com');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length), 0, 'nothing kept once read');
    await page.getByLabel('Пароль', { exact: true }).fill('довга парольна фраза');
    await page.getByLabel('Повторіть пароль').fill('довга парольна фраза');
    await page.getByRole('button', { name: 'Зареєструватися' }).click();
    await page.getByRole('heading', { name: 'Огляд' }).waitFor();
    await page.getByText('Вітаємо! Ваш обліковий запис готовий.').waitFor();

    await page.getByLabel('Сума').fill('12,50');
    await page.getByLabel('Категорія').selectOption({ label: 'Продукти' });
    await page.getByLabel(/^Опис/).fill('Хліб і молоко');
    await page.getByRole('button', { name: 'Додати операцію' }).click();
    await page.getByText('Витрату додано.').waitFor();
    assert.equal((await page.locator('dt:text-is("Витрати") + dd').innerText()).trim(), '12,50\u00a0USD');
    const stored = web.ctx.db.prepare("SELECT amount_cents AS cents FROM transactions t JOIN users u ON u.id = t.user_id WHERE u.email = 'olena@example.com'").get();
    assert.deepEqual(stored, { cents: 1250 });
    // A debt of a million and more, so the charts' value labels are long and negative: "−1,5 млн $".
    const olena = userIdOf(web.ctx.db, 'olena@example.com');
    insertTransactions(web.ctx.db, olena, [
      { type: 'expense', amountCents: 123_456_789, occurredOn: web.ctx.today(), description: 'Іпотека' },
      // Long words beside long Ukrainian dates, amounts and buttons: the description column must keep room for them.
      { type: 'expense', amountCents: 4_250, occurredOn: web.ctx.today(), description: 'Супермаркет продовольчих товарів' },
    ]);

    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${web.baseUrl}/dashboard`);
      assert.deepEqual(await overflow(), { page: 0, clipped: [] }, `Ukrainian dashboard at ${width} px`);
      // The period's heading as shown: the year's abbreviation stays a small "р.", not capitalised with the month.
      assert.match(await page.locator('#totals-heading').innerText(), /^[А-ЯІЇЄҐ][а-яіїєґ']+ \d{4} р\.$/);
      // No category name or description is split inside a word to make room for what stands beside it.
      const splitWords = await page.evaluate(() => {
        type Rects = { length: number };
        type Text = { textContent: string };
        const g = globalThis as unknown as { document: { querySelectorAll: (s: string) => Iterable<{ firstChild: Text | null }>; createRange: () => { setStart: (n: Text, o: number) => void; setEnd: (n: Text, o: number) => void; getClientRects: () => Rects } } };
        const split: string[] = [];
        for (const name of g.document.querySelectorAll('.share__name, .tx__desc')) {
          const text = name.firstChild;
          if (!text) continue;
          for (const match of text.textContent.matchAll(/\S+/g)) {
            const range = g.document.createRange();
            range.setStart(text, match.index);
            range.setEnd(text, match.index + match[0].length);
            if (range.getClientRects().length > 1) split.push(match[0]);
          }
        }
        return split;
      });
      assert.deepEqual(splitWords, [], `Ukrainian dashboard at ${width} px: category names or descriptions split inside a word`);
      await screenshot(page, `dashboard-uk-${width}`);
    }
    await page.setViewportSize({ width: 375, height: 812 });
    const main = web.ctx.db.prepare("SELECT a.id FROM accounts a JOIN users u ON u.id = a.user_id WHERE u.email = 'olena@example.com'").pluck().get() as number;
    for (const [path, heading] of [[`/accounts/${main}`, 'Основний рахунок'], [`/accounts/${main}/reconcile`, 'Звірка рахунку «Основний рахунок»'], [`/transfers/new?from=${main}`, 'Переказ між рахунками'], ['/dashboard', 'Огляд'], ['/transactions', 'Операції'], ['/transactions/new', 'Нова операція'], ['/categories', 'Категорії'], ['/accounts', 'Рахунки'], ['/import', 'Імпорт операцій'], ['/account', 'Профіль']]) {
      await page.goto(`${web.baseUrl}${path}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      const violations = await runAxe(page);
      assert.equal(violations.length, 0, `axe on the Ukrainian ${path}:\n${describeViolations(violations)}`);
      assert.deepEqual(await overflow(), { page: 0, clipped: [] }, `Ukrainian ${path} at 375 px`);
    }

    await page.getByLabel('Мова інтерфейсу').selectOption({ label: 'English' });
    await page.getByRole('button', { name: 'Зберегти мову' }).click();
    await page.getByText('Language saved.').waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${web.baseUrl}/dashboard`);
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      assert.equal((await page.locator('dt:text-is("Expenses") + dd').innerText()).trim(), '$1,234,622.89');
      assert.deepEqual(await overflow(), { page: 0, clipped: [] }, `English dashboard at ${width} px`);
      await screenshot(page, `dashboard-en-${width}`);
    }
    const violations = await runAxe(page);
    assert.equal(violations.length, 0, describeViolations(violations));
    await context.close();
  });
});
