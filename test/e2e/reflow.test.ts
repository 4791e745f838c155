import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accountIdOf, categoryIdOf, insertTransactions, userIdOf } from '../helpers/bookkeeping.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createTransfersRepo } from '../../src/db/repos/transfers.ts';
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

describe('long names without spaces and amounts near a billion fit the page and their cards (uk, 375 and 1280 px)', { skip: availability.skip }, () => {
  const web = useBrowserApp();

  test('no page scrolls sideways, every table fits its card at 1280 px, and no figure breaks inside itself or runs into another', async () => {
    web.ctx.clock.set(Date.UTC(2026, 11, 5, 12));
    const email = 'long-names@example.com';
    const page = await registerInBrowser(web, email);
    const db = web.ctx.db;
    const userId = userIdOf(db, email);
    const accounts = createAccountsRepo(db);
    const card = accounts.createAccount(userId, { name: 'Кредитнакарткамонобанкплатинумзолота', kind: 'credit_card', openingBalanceCents: 0, openingOn: '2025-01-01' });
    const current = accounts.createAccount(userId, { name: 'Поточний рахунок ПриватБанк «Універсальна» на щодень', kind: 'checking', openingBalanceCents: 0, openingOn: '2025-01-01' });
    const utilities = createCategoriesRepo(db).createCategory(userId, 'expense', 'Комунальніпослугитаінтернеттелебачення').id;
    const housing = categoryIdOf(db, userId, 'expense', 'Housing');
    insertTransactions(db, userId, [
      { type: 'expense', amountCents: 12_345, occurredOn: '2026-11-03', description: 'Оплатазакомунальніпослугиквітень', categoryId: utilities, accountId: current },
      { type: 'expense', amountCents: 12_346, occurredOn: '2026-12-03', description: 'Оплатазакомунальніпослугиквітень', categoryId: utilities, accountId: current },
      { type: 'expense', amountCents: 99_999_999_999, occurredOn: '2026-12-04', description: 'Купівля будинку', categoryId: housing, accountId: current },
      { type: 'expense', amountCents: 12_78, occurredOn: '2025-12-04', description: 'Житло', categoryId: housing },
    ]);
    createTransfersRepo(db).createTransfer(userId, { fromAccountId: current, toAccountId: card, amountCents: 99_999_999_999, occurredOn: '2026-12-02', description: 'Погашення кредитки' });
    db.prepare('INSERT INTO budgets (user_id, category_id, month, amount_cents) VALUES (?, ?, ?, ?)').run(userId, housing, '2026-12', 500_000);
    db.prepare('INSERT INTO budgets (user_id, category_id, month, amount_cents) VALUES (?, ?, ?, ?)').run(userId, utilities, '2026-12', 100_000_000);
    db.prepare("UPDATE users SET language = 'uk' WHERE id = ?").run(userId);

    const paths = ['/dashboard', '/transactions', '/transfers', `/accounts/${current}`, `/accounts/${card}`, '/accounts', '/budgets/2026-12', '/reports?from=2026-01&to=2026-12'];
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of paths) {
        await page.goto(`${web.baseUrl}${path}`);
        const found = await page.evaluate(() => {
          type Box = { left: number; right: number; top: number; bottom: number };
          type El = { scrollWidth: number; clientWidth: number; className: string; textContent: string | null; getBoundingClientRect: () => Box; closest: (s: string) => El | null };
          const d = (globalThis as unknown as { document: { scrollingElement: El; querySelectorAll: (s: string) => El[]; createRange: () => { selectNodeContents: (n: El) => void; getClientRects: () => Box[] } } }).document;
          // Tables that scroll by design: months across (the reports), and a chart's numbers.
          const tables = [...d.querySelectorAll('table:not(.report-table--matrix):not(.chart__table)')]
            .map((t) => ({ t, box: t.closest('.card--flush, .report-scroll') }))
            .filter(({ t, box }) => box && t.scrollWidth > box.clientWidth + 1)
            .map(({ t, box }) => `${t.className}: ${t.scrollWidth} px in ${box!.clientWidth}`);
          const brokenFigures = [...d.querySelectorAll('.total dd')].filter((dd) => {
            const range = d.createRange();
            range.selectNodeContents(dd);
            return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
          }).map((dd) => dd.textContent);
          // A comparison's figures, each inside its own cell and clear of the others in its row.
          const cells = [...d.querySelectorAll('.report-table--compare td')];
          const overflowing = cells.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent);
          const overlapping: string[] = [];
          for (const row of d.querySelectorAll('.report-table--compare tbody tr')) {
            const boxes = [...(row as unknown as { querySelectorAll: (s: string) => El[] }).querySelectorAll('td')].map((c) => ({ c, b: c.getBoundingClientRect() }));
            for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
              const [a, b] = [boxes[i]!.b, boxes[j]!.b];
              if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlapping.push(`${boxes[i]!.c.textContent} / ${boxes[j]!.c.textContent}`);
            }
          }
          return { sideways: d.scrollingElement.scrollWidth - d.scrollingElement.clientWidth, tables, brokenFigures, overflowing, overlapping };
        });
        const at = `${path} at ${width} px`;
        assert.ok(found.sideways <= 0, `${at} scrolls the page sideways by ${found.sideways} px`);
        if (width === 1280) assert.deepEqual(found.tables, [], `${at}: a table is wider than its card`);
        assert.deepEqual(found.brokenFigures, [], `${at}: a total breaks inside its figure`);
        assert.deepEqual(found.overflowing, [], `${at}: a comparison's figure runs out of its cell`);
        assert.deepEqual(found.overlapping, [], `${at}: a comparison's figures overlap`);
      }
    }
    // Percentages in the page's number format: grouped as its amounts are.
    const report = await page.locator('.report-table--compare').innerText();
    assert.match(report, /\+\d{1,3}([\u00a0\u202f]\d{3})+%/, 'a change of thousands of percent is grouped');
    assert.doesNotMatch(report, /\d{4}%/, 'no percentage is written ungrouped');
    await screenshot(page, 'reflow-reports-long-names-1280');
  });
  test('a long unbroken name or address in a flash, a form summary or a field message breaks inside its card instead of widening the page or the field', async () => {
    const email = 'long-messages@example.com';
    const page = await registerInBrowser(web, email, { width: 375, height: 900 });
    const db = web.ctx.db;
    const userId = userIdOf(db, email);
    db.prepare("UPDATE users SET language = 'uk' WHERE id = ?").run(userId);
    const name = '\u0428'.repeat(60);
    const url = `https://example.com/${'a'.repeat(180)}`;
    /** Fails when a message's text reaches past its card (or the page), or the page scrolls sideways. */
    const assertMessagesFit = async (what: string, expected: number) => {
      for (const width of [375, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        const found = await page.evaluate(() => {
          type Box = { left: number; right: number };
          type El = { className: string; getBoundingClientRect: () => Box; closest: (s: string) => El | null };
          const d = (globalThis as unknown as { document: { scrollingElement: { scrollWidth: number; clientWidth: number }; querySelectorAll: (s: string) => El[]; createRange: () => { selectNodeContents: (n: El) => void; getBoundingClientRect: () => Box } } }).document;
          const messages = [...d.querySelectorAll('.flash, .form__summary, .field__error')];
          const outside = messages.flatMap((m) => {
            const range = d.createRange();
            range.selectNodeContents(m);
            const text = range.getBoundingClientRect();
            // The message's own box, its field's and its card's: the text stays inside each.
            const boxes = [m, m.closest('.field'), m.closest('.card, .page')].filter((b): b is El => b !== null);
            return boxes.filter((b) => text.right > b.getBoundingClientRect().right + 1 || text.left < b.getBoundingClientRect().left - 1)
              .map((b) => `${m.className} past ${b.className} (${Math.round(text.right)} > ${Math.round(b.getBoundingClientRect().right)})`);
          });
          return { count: messages.length, outside, sideways: d.scrollingElement.scrollWidth - d.scrollingElement.clientWidth };
        });
        assert.equal(found.count, expected, `${what}: the messages are on the page`);
        assert.ok(found.sideways <= 0, `${what} at ${width} px scrolls the page sideways by ${found.sideways} px`);
        assert.deepEqual(found.outside, [], `${what} at ${width} px: a message runs out of its box`);
      }
      await page.setViewportSize({ width: 375, height: 900 });
    };

    // A flash naming a new category, then the field's message naming it again.
    await page.goto(`${web.baseUrl}/categories`);
    await page.getByLabel('\u041d\u0430\u0437\u0432\u0430').fill(name);
    await page.getByRole('button', { name: '\u0414\u043e\u0434\u0430\u0442\u0438 \u043a\u0430\u0442\u0435\u0433\u043e\u0440\u0456\u044e' }).click();
    await page.waitForSelector('.flash');
    await assertMessagesFit('a flash', 1);
    await page.getByLabel('\u041d\u0430\u0437\u0432\u0430').fill(name);
    await page.getByRole('button', { name: '\u0414\u043e\u0434\u0430\u0442\u0438 \u043a\u0430\u0442\u0435\u0433\u043e\u0440\u0456\u044e' }).click();
    await page.waitForSelector('.field__error');
    await assertMessagesFit('a field message', 2);

    // The summaries of an edit saved after another tab changed the row: they quote its description.
    const [txId] = insertTransactions(db, userId, [{ type: 'expense', amountCents: 1000, occurredOn: web.ctx.today(), description: 'Short' }]);
    await page.goto(`${web.baseUrl}/transactions/${txId}/edit`);
    db.prepare('UPDATE transactions SET description = ? WHERE id = ?').run(url, txId);
    await page.getByRole('button', { name: '\u0417\u0431\u0435\u0440\u0435\u0433\u0442\u0438 \u0437\u043c\u0456\u043d\u0438' }).click();
    await page.waitForSelector('.form__summary');
    await assertMessagesFit('a transaction changed elsewhere', 1);
    const accounts = createAccountsRepo(db);
    const from = accounts.createAccount(userId, { name, kind: 'checking', openingBalanceCents: 0, openingOn: '2025-01-01' });
    const to = accounts.createAccount(userId, { name: '\u0429'.repeat(60), kind: 'savings', openingBalanceCents: 0, openingOn: '2025-01-01' });
    const transferId = createTransfersRepo(db).createTransfer(userId, { fromAccountId: from, toAccountId: to, amountCents: 500, occurredOn: web.ctx.today(), description: 'Short' });
    await page.goto(`${web.baseUrl}/transfers/${transferId}/edit`);
    db.prepare('UPDATE transactions SET description = ? WHERE transfer_id = ?').run(url, transferId);
    await page.getByRole('button', { name: '\u0417\u0431\u0435\u0440\u0435\u0433\u0442\u0438 \u0437\u043c\u0456\u043d\u0438' }).click();
    await page.waitForSelector('.form__summary');
    await assertMessagesFit('a transfer changed elsewhere', 1);
    await screenshot(page, 'reflow-long-messages-phone');
    await page.close();
  });
  test('on a phone in Ukrainian, a report row\'s six-digit total and average are on screen beside its name, the currency code under the figure', async () => {
    web.ctx.clock.set(Date.UTC(2026, 11, 5, 12));
    const email = 'uk-report@example.com';
    const page = await registerInBrowser(web, email, { width: 375, height: 900 });
    const db = web.ctx.db;
    const userId = userIdOf(db, email);
    const rows = [];
    for (const [name, cents] of [['Housing', 27_394_731], ['Groceries', 4_512_377], ['Transport', 998_012]] as const) {
      for (const month of ['2026-03', '2026-06', '2026-09']) rows.push({ type: 'expense' as const, amountCents: cents, occurredOn: `${month}-10`, description: name, categoryId: categoryIdOf(db, userId, 'expense', name) });
    }
    insertTransactions(db, userId, rows);
    db.prepare("UPDATE users SET language = 'uk' WHERE id = ?").run(userId);
    await page.goto(`${web.baseUrl}/reports?from=2026-01&to=2026-11`);
    const region = await page.getByRole('region', { name: 'Витрати за категоріями та місяцями (прокручується вбік)' }).boundingBox();
    const table = page.getByRole('table', { name: 'Витрати за категоріями та місяцями' });
    for (const name of ['Housing', 'Разом']) {
      for (const cell of (await table.getByRole('row', { name: new RegExp(`^${name}`) }).getByRole('cell').all()).slice(0, 2)) {
        const box = await cell.boundingBox();
        const text = await cell.innerText();
        assert.ok(box && region && box.x + box.width <= region.x + region.width + 1, `${name}: ${text} is on screen beside its name: ${JSON.stringify(box)} in ${JSON.stringify(region)}`);
        assert.doesNotMatch(text, /\d\s*\n\s*\d/, 'the figure itself never breaks');
      }
    }
    await screenshot(page, 'reflow-reports-uk-phone');
    await page.close();
  });
});
