import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { userIdOf } from '../helpers/bookkeeping.ts';
import { assertAccessible, browserAvailability, registerInBrowser, screenshot, useBrowserApp } from '../helpers/browser.ts';
import { ofx1, type FixtureEntry } from '../helpers/statement-fixtures.ts';

const availability = browserAvailability();

const march: FixtureEntry[] = [
  { day: '2026-03-02', cents: 250_000, name: 'ACME PAYROLL', memo: 'March', bankId: 'F-1' },
  { day: '2026-03-10', cents: -4_550, name: 'CORNER MARKET #42', memo: '', bankId: 'F-2' },
];
const april: FixtureEntry[] = [march[1]!, { day: '2026-04-09', cents: -3_120, name: 'CORNER MARKET #42', memo: '', bankId: 'F-3' }];

describe('bank statements and rules in a real browser', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  test('a statement goes into a new account, a category set by hand becomes a rule, and the next statement is categorised by it with the overlap skipped', async () => {
    const page = await registerInBrowser(web, 'statements@example.com');
    const userId = userIdOf(web.ctx.db, 'statements@example.com');
    const uploadStatement = async (name: string, entries: FixtureEntry[]) => {
      await page.goto(`${web.baseUrl}/import`);
      await page.getByLabel('Statement or CSV file').setInputFiles({
        name,
        mimeType: 'application/x-ofx',
        buffer: Buffer.from(ofx1({ account: { bank: '021000021', number: '998877' }, currency: 'USD', entries })),
      });
      await page.getByRole('button', { name: 'Upload and preview' }).click();
      await page.getByRole('heading', { name: 'Import: OFX statement' }).waitFor();
    };

    // A new account for the card, then March's statement into it.
    await page.goto(`${web.baseUrl}/accounts`);
    await page.getByLabel('Name').fill('Everyday card');
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.waitForURL(/\/accounts$/);
    await uploadStatement('march.ofx', march);
    await page.getByLabel('Import into').selectOption({ label: 'Everyday card' });
    await assertAccessible(page, 'statement page');
    await screenshot(page, 'statements-1-preview');
    await page.getByRole('button', { name: 'Import the statement' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    await page.getByText('Statements from 021000021 998877 will go into Everyday card from now on.').waitFor();

    // Categorise the market row by hand; the app offers a rule, filled in, and it is added.
    const id = Number(web.ctx.db.prepare("SELECT id FROM transactions WHERE user_id = ? AND description = 'CORNER MARKET #42'").pluck().get(userId));
    await page.goto(`${web.baseUrl}/transactions/${id}/edit`);
    await page.getByLabel('Category').selectOption({ label: 'Groceries' });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'Make it a rule' }).click();
    await page.waitForURL(/\/rules\?/);
    assert.equal(await page.getByLabel('Text').inputValue(), 'CORNER MARKET #42');
    // A rule with no condition is refused, and the focus goes to the conditions (not left on the page's body).
    await page.getByLabel('Text').fill('');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('.form__summary').waitFor();
    const focused = await page.evaluate(() => {
      const active = (globalThis as unknown as { document: { activeElement: { tagName: string; closest: (s: string) => unknown } | null } }).document.activeElement;
      return active ? { tag: active.tagName, inGroup: active.closest('.field--invalid') !== null } : null;
    });
    assert.ok(focused && focused.tag !== 'BODY' && focused.inGroup, `focus: ${JSON.stringify(focused)}`);
    await page.getByLabel('Text').fill('corner market');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByText('Rule added.').waitFor();
    await assertAccessible(page, 'rules page');
    await screenshot(page, 'statements-2-rule');

    // April's statement: it opens on the remembered account, March's row is skipped, the new one is categorised.
    await uploadStatement('april.ofx', april);
    assert.equal(await page.getByLabel('Import into').inputValue(), String(web.ctx.db.prepare("SELECT id FROM accounts WHERE user_id = ? AND name = 'Everyday card'").pluck().get(userId)));
    await page.getByText('1 entry was imported before and will be skipped; 1 new will be imported.').waitFor();
    await page.getByText('set by your rules').first().waitFor();
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await screenshot(page, `statements-3-next-${width}`);
    }
    await page.getByRole('button', { name: 'Import the statement' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    await page.getByText('1 entry was imported before and was skipped.').waitFor();
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await screenshot(page, `statements-4-result-${width}`);
    }
    const april9 = web.ctx.db.prepare("SELECT c.name FROM transactions t JOIN categories c ON c.id = t.category_id WHERE t.user_id = ? AND t.occurred_on = '2026-04-09'").pluck().all(userId);
    assert.deepEqual(april9, ['Groceries']);
    assert.equal(Number(web.ctx.db.prepare("SELECT count(*) FROM transactions WHERE user_id = ? AND description LIKE 'CORNER MARKET%'").pluck().get(userId)), 2);

    // A rule written later, run over what is already in: the preview first, then the change.
    await page.goto(`${web.baseUrl}/rules`);
    await page.getByLabel('Text').fill('acme payroll');
    await page.getByLabel('Set the category').selectOption({ label: 'Salary' });
    await page.getByLabel('Rename to').fill('ACME payroll');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByText('Rule added.').waitFor();
    await page.getByRole('link', { name: 'Run them on transactions you already have' }).click();
    await page.getByLabel('From', { exact: true }).fill('2026-03-01');
    await page.getByLabel('To', { exact: true }).fill('2026-04-30');
    await page.getByRole('button', { name: 'Show what would change' }).click();
    await page.getByText('1 of 1 transactions would change.').waitFor();
    assert.equal(web.ctx.db.prepare("SELECT category_id FROM transactions WHERE user_id = ? AND description LIKE 'ACME PAYROLL%'").pluck().get(userId), null, 'the preview changed nothing');
    await assertAccessible(page, 'rules run preview');
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await screenshot(page, `statements-5-run-${width}`);
    }
    await page.getByRole('button', { name: 'Apply this change' }).click();
    await page.getByText('1 transaction was changed by your rules.').waitFor();
    assert.deepEqual(
      web.ctx.db.prepare("SELECT t.description, c.name AS category FROM transactions t JOIN categories c ON c.id = t.category_id WHERE t.user_id = ? AND t.occurred_on = '2026-03-02'").get(userId),
      { description: 'ACME payroll', category: 'Salary' },
    );
  });
});
