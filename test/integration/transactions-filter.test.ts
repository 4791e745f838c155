import assert from 'node:assert/strict';
import { describe, test, type TestContext as NodeTestContext } from 'node:test';
import type { RowDraft as NewTransaction } from '../helpers/bookkeeping.ts';
import { createTestContext, postForm, registerUser, totalsFrom, type Agent, type TestContext } from '../helpers/app.ts';
import { categoryIdOf, insertTransactions, olderLinkFrom, rowIdsFrom, usd, userIdOf } from '../helpers/bookkeeping.ts';

interface Made extends Omit<NewTransaction, 'accountId'> {
  id: number;
}

type Query = { from?: string; to?: string; type?: 'income' | 'expense'; category?: string; q?: string };

const DESCRIPTIONS = [
  'Rent',
  'rent deposit',
  'Paid 50% deposit',
  '5000 bonus',
  'a_b',
  'axb',
  'Café latte',
  'CAFÉ',
  'Groceries',
  '',
  'Corner coffee',
  'Кава з молоком',
  'КАВА',
  'М’ясо з ринку',
  'ЇЖА НА ВИНОС',
  'Ірпінь таксі',
  "O'Brien's",
  'Здоровʼя',
  'État civil',
  'ΟΔΟΣ',
  'ＦＵＬＬ width',
  'say "hi" OR NOT',
];

/** Small seeded generator, so a failure reproduces with the same rows. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function setup(t: NodeTestContext): TestContext {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  return ctx;
}

/** Creates `count` varied rows for the user over Nov 2025 .. Mar 2026 and returns them with their ids. */
function makeHistory(ctx: TestContext, userId: number, count: number, seed: number): Made[] {
  const random = seeded(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const cats = {
    income: [categoryIdOf(ctx.db, userId, 'income', 'Salary'), categoryIdOf(ctx.db, userId, 'income', 'Other income')],
    expense: ['Groceries', 'Housing', 'Transport'].map((n) => categoryIdOf(ctx.db, userId, 'expense', n)),
  };
  const months = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03'];
  const rows: Omit<NewTransaction, 'accountId'>[] = [];
  for (let i = 0; i < count; i += 1) {
    const type = random() < 0.3 ? 'income' : 'expense';
    const month = pick(months);
    const lastDay = month === '2026-02' ? 28 : month === '2025-11' ? 30 : 31;
    rows.push({
      type,
      amountCents: 1 + Math.floor(random() * 500_000),
      occurredOn: `${month}-${String(1 + Math.floor(random() * lastDay)).padStart(2, '0')}`,
      description: pick(DESCRIPTIONS),
      categoryId: random() < 0.25 ? null : pick(cats[type]),
    });
  }
  const ids = insertTransactions(ctx.db, userId, rows);
  return rows.map((row, i) => ({ ...row, id: ids[i]! }));
}

/**
 * Text as a search compares it: case set aside in any script, accents on Latin letters (the marks Ukrainian letters
 * such as й and ї carry stay), and every kind of apostrophe one.
 */
const fold = (text: string) =>
  text
    .toLowerCase()
    .normalize('NFD')
    .replace(/(?<=[a-z])\p{M}+/gu, '')
    .normalize('NFC')
    .replace(/[’ʼ]/g, "'")
    .replace(/ς/g, 'σ');

/** Whether a row matches a search, whatever its length: its description or its category's name holds the text. */
function searchMatches(row: Made, search: string, categoryName: (id: number | null) => string): boolean {
  return fold(row.description).includes(fold(search)) || fold(categoryName(row.categoryId ?? null)).includes(fold(search));
}

/** The reference: which rows the filter should show, newest first, computed here without the database. */
function expected(rows: readonly Made[], q: Query, categoryName: (id: number | null) => string = () => ''): Made[] {
  return rows
    .filter((r) => (q.from === undefined || r.occurredOn >= q.from) && (q.to === undefined || r.occurredOn <= q.to))
    .filter((r) => q.type === undefined || r.type === q.type)
    .filter((r) => q.category === undefined || (q.category === 'none' ? r.categoryId === null : String(r.categoryId) === q.category))
    .filter((r) => q.q === undefined || searchMatches(r, q.q, categoryName))
    .sort((a, b) => (a.occurredOn === b.occurredOn ? b.id - a.id : a.occurredOn < b.occurredOn ? 1 : -1));
}

/** The query string in the app's canonical order (from, to, type, category, q), as its links write it. */
function toSearch(q: Query): string {
  const params = new URLSearchParams();
  for (const key of ['from', 'to', 'type', 'category', 'q'] as const) if (q[key] !== undefined) params.set(key, q[key]);
  return params.toString();
}

/** The page's "Newer" link, if it has one. */
function newerLinkFrom(html: string): string | null {
  const match = /<a href="([^"]+)" rel="prev">/.exec(html);
  return match ? match[1]!.replaceAll('&amp;', '&') : null;
}

/**
 * Follows the Older links from the first page; returns every page's row ids and the first page's HTML. Then checks
 * the way back: each page's Newer link shows exactly the page before it (the second page has none: Newest is it).
 */
async function walkPages(agent: Agent, firstUrl: string): Promise<{ pages: number[][]; first: string }> {
  const pages: number[][] = [];
  const htmls: string[] = [];
  let url: string | null = firstUrl;
  while (url) {
    const res = await agent.get(url);
    assert.equal(res.status, 200, url);
    htmls.push(res.text);
    pages.push(rowIdsFrom(res.text));
    url = olderLinkFrom(res.text);
    assert.ok(pages.length < 50, 'pagination ends');
  }
  for (let i = 0; i < htmls.length; i++) {
    const newer = newerLinkFrom(htmls[i]!);
    if (i < 2) {
      assert.equal(newer, null, `page ${i + 1} of ${firstUrl} has no Newer link`);
      continue;
    }
    assert.ok(newer?.startsWith(firstUrl.includes('?') ? `${firstUrl}&after=` : '/transactions?after='), `the Newer link keeps the filter: ${newer}`);
    assert.deepEqual(rowIdsFrom((await agent.get(newer!)).text), pages[i - 1], `Newer from page ${i + 1} of ${firstUrl}`);
  }
  return { pages, first: htmls[0] ?? '' };
}

describe('filtering the transactions page', () => {
  test('every combination of date range, type, category and search shows exactly the matching rows and their totals', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const rows = makeHistory(ctx, userId, 260, 20261125);
    // Another user's rows, in the same months and categories by name, must never show up.
    await registerUser(ctx.app, 'bob@example.com');
    makeHistory(ctx, userIdOf(ctx.db, 'bob@example.com'), 60, 7);
    const groceries = String(categoryIdOf(ctx.db, userId, 'expense', 'Groceries'));
    const salary = String(categoryIdOf(ctx.db, userId, 'income', 'Salary'));

    const queries: Query[] = [
      {},
      { from: '2026-01-01' },
      { to: '2025-12-31' },
      { from: '2025-12-01', to: '2026-02-28' },
      { from: '2025-11-17', to: '2026-02-09' },
      { from: '2026-01-05', to: '2026-01-20' },
      { from: '2026-01-31', to: '2026-02-01' },
      { to: '2026-03-30' },
      { from: '2025-11-30', to: '2026-01-30' },
      { from: '2025-12-02', type: 'expense', category: 'none' },
      { type: 'income' },
      { type: 'expense', from: '2025-12-15' },
      { category: groceries },
      { category: 'none' },
      { category: 'none', type: 'income', to: '2026-01-10' },
      { category: salary, from: '2025-12-02', to: '2026-03-30' },
      { category: salary, type: 'expense' },
      { q: 'rent' },
      { q: 'RENT', type: 'expense', from: '2026-02-01' },
      { q: '50%' },
      { q: 'a_b' },
      { q: 'café', category: groceries },
      { q: 'deposit', from: '2025-11-03', to: '2026-03-29', type: 'expense', category: groceries },
      { from: '2030-01-01' },
      // The trigram index: a part of a word, accents and case set aside, any script; quotes and words of its query
      // syntax are text; a category's name matches its rows; two characters are compared row by row.
      { q: 'off' },
      { q: 'cafe' },
      { q: 'КАВА' },
      { q: '"hi" OR' },
      { q: 'housing', from: '2026-01-01' },
      { q: 'ax' },
      // Case in any script, accents and apostrophes set aside at any length, in descriptions and category names
      // (a Ukrainian-named category below): one and two characters are compared row by row, three or more in the index.
      { q: 'ка' },
      { q: 'Ї' },
      { q: 'ір' },
      { q: 'É' },
      { q: 'e', type: 'income' },
      { q: "м'ясо" },
      { q: "o’brien" },
      { q: 'здоров’я' },
      { q: "'" },
      { q: 'прод' },
      { q: 'ПРОДУКТИ', from: '2026-01-01' },
      { q: 'пр' },
      // Decomposed, three code points fold to two characters: compared row by row, as two typed precomposed are.
      { q: 'e\u0301t' },
      { q: 'ος' },
      { q: 'ｆｕ' },
    ];
    // A category named in Ukrainian, holding some of the expenses: its rows match a search for its name in any case.
    assert.equal((await postForm(agent, '/categories', '/categories', { kind: 'expense', name: 'Продукти' })).status, 303);
    const produkty = categoryIdOf(ctx.db, userId, 'expense', 'Продукти');
    const moved = rows.filter((r, i) => r.type === 'expense' && i % 5 === 0);
    for (const r of moved) {
      ctx.db.prepare('UPDATE transactions SET category_id = ? WHERE id = ?').run(produkty, r.id);
      r.categoryId = produkty;
    }
    assert.ok(moved.length > 10);
    const names = new Map((ctx.db.prepare('SELECT id, name FROM categories WHERE user_id = ?').all(userId) as { id: number; name: string }[]).map((c) => [c.id, c.name]));
    const categoryName = (id: number | null) => (id === null ? '' : (names.get(id) ?? ''));
    let nonEmpty = 0;
    for (const q of queries) {
      const want = expected(rows, q, categoryName);
      if (want.length > 0) nonEmpty += 1;
      const search = toSearch(q);
      const { pages, first } = await walkPages(agent, `/transactions${search ? `?${search}` : ''}`);
      const label = JSON.stringify(q);
      assert.deepEqual(pages.flat(), want.map((r) => r.id), `rows for ${label}`);
      for (const page of pages.slice(0, -1)) assert.equal(page.length, 50, `full pages of 50 for ${label}`);
      const income = want.filter((r) => r.type === 'income').reduce((s, r) => s + r.amountCents, 0);
      const expense = want.filter((r) => r.type === 'expense').reduce((s, r) => s + r.amountCents, 0);
      assert.deepEqual(totalsFrom(first), { Income: usd(income), Expenses: usd(expense), Net: usd(income - expense) }, `totals for ${label}`);
      assert.match(first, new RegExp(`${want.length} transactions? ${search ? "match these filters" : "in all"}`), `${label}: ${/id="match-count">([^<]*)/.exec(first)?.[1]} vs ${want.length}`);
      // The filter survives into the Older link and the export link.
      if (search) {
        assert.match(first, new RegExp(`href="/transactions/export.csv\\?${search.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('&', '&amp;')}"`), label);
        const older = olderLinkFrom(first);
        if (older) assert.ok(older.startsWith(`/transactions?${search}&after=`), `older link keeps ${label}`);
      }
    }
    assert.ok(nonEmpty >= queries.length - 3, 'the generated history exercises most filters with real matches');
  });

  test('the filter form shows the current filter, and invalid parts are reported beside their field and ignored', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const rows = makeHistory(ctx, userId, 30, 3);
    const page = await agent.get('/transactions?from=2026-02-30&to=2026-01-31&type=transfer&category=abc&q=rent');
    assert.equal(page.status, 200);
    // February has no 30th: the date is written right, so the message says the day does not exist.
    assert.match(page.text, /id="filter-from-error">(<span[^>]*>[^<]*<\/span>)?There is no such start date: enter a real calendar date between 1900 and 2999; it was ignored\./);
    assert.match(page.text, /id="filter-type-error"/);
    assert.match(page.text, /id="filter-category-error"/);
    assert.match(page.text, /name="q" type="search" value="rent"/);
    // Only the valid part (the search and the end date) applies.
    const want = expected(rows, { to: '2026-01-31', q: 'rent' });
    assert.deepEqual(rowIdsFrom(page.text), want.slice(0, 50).map((r) => r.id));

    const written = await agent.get('/transactions?from=1.2.2026&to=0001-01-01');
    assert.match(written.text, /id="filter-from-error">(<span[^>]*>[^<]*<\/span>)?Enter the start date as YYYY-MM-DD; it was ignored\./);
    assert.match(written.text, /id="filter-to-error">(<span[^>]*>[^<]*<\/span>)?There is no such end date/);

    const reversed = await agent.get('/transactions?from=2026-03-01&to=2026-01-01');
    assert.equal(reversed.status, 200);
    assert.match(reversed.text, /The end date is before the start date/);
    assert.deepEqual(rowIdsFrom(reversed.text), expected(rows, {}).slice(0, 50).map((r) => r.id));

    const repeated = await agent.get('/transactions?type=income&type=expense');
    assert.equal(repeated.status, 200);
  });

  test('every filter field with a message is marked invalid and names its message, so a screen reader hears it and script can focus it', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    for (const query of ['category=999999', 'account=999999', `q=${'x'.repeat(150)}`, 'from=2026-02-30&type=transfer', 'from=2026-03-01&to=2026-01-01']) {
      const html = (await agent.get(`/transactions?${query}`)).text;
      const fields = [...html.matchAll(/<div class="field[^"]*field--invalid[^"]*">([\s\S]*?)<\/div>/g)].map((m) => m[1]!);
      assert.ok(fields.length > 0, `${query}: a field says what is wrong`);
      for (const field of fields) {
        const control = /<(input|select)[^>]*>/.exec(field)?.[0] ?? '';
        const describedBy = /aria-describedby="([^"]+)"/.exec(control)?.[1];
        assert.match(control, /aria-invalid="true"/, `${query}: ${control}`);
        assert.ok(describedBy && new RegExp(`id="${describedBy}"[^>]*>`).test(field), `${query}: ${control} names the message beside it`);
      }
    }
  });

  test("filtering by another user's category shows none of their rows", async (t) => {
    const ctx = setup(t);
    await registerUser(ctx.app, 'bob@example.com');
    const bobId = userIdOf(ctx.db, 'bob@example.com');
    makeHistory(ctx, bobId, 20, 11);
    const bobGroceries = categoryIdOf(ctx.db, bobId, 'expense', 'Groceries');
    const ann = await registerUser(ctx.app, 'ann@example.com');
    makeHistory(ctx, userIdOf(ctx.db, 'ann@example.com'), 20, 12);
    const page = await ann.get(`/transactions?category=${bobGroceries}`);
    assert.equal(page.status, 200);
    assert.deepEqual(rowIdsFrom(page.text), []);
    assert.match(page.text, /That category does not exist/);
    assert.deepEqual(totalsFrom(page.text), { Income: '$0.00', Expenses: '$0.00', Net: '$0.00' });
  });

  test('an empty result says what to do: clear the filters, or add or import the first transactions', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const fresh = await agent.get('/transactions');
    assert.match(fresh.text, /No transactions yet/);
    assert.match(fresh.text, /href="\/transactions\/new">Add your first income or expense/);
    assert.match(fresh.text, /href="\/import">import a CSV file/);
    makeHistory(ctx, userIdOf(ctx.db, 'ann@example.com'), 5, 1);
    const none = await agent.get('/transactions?q=zzz-no-such-text');
    assert.match(none.text, /No transactions match these filters/);
    assert.match(none.text, /href="\/transactions">clear all filters/);
  });
});

describe('keyset pagination', () => {
  test('paging through while rows are added between page loads shows every original row once, in order', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const userId = userIdOf(ctx.db, 'ann@example.com');
    const original = makeHistory(ctx, userId, 180, 99);
    const random = seeded(5);
    const seen: number[] = [];
    const seenKeys: string[] = [];
    const added: Made[] = [];
    const byId = new Map(original.map((r) => [r.id, r]));
    let url: string | null = '/transactions';
    let pages = 0;
    while (url) {
      const res = await agent.get(url);
      const ids = rowIdsFrom(res.text);
      seen.push(...ids);
      for (const id of ids) {
        const row = byId.get(id);
        assert.ok(row, `row ${id} is one of the user's`);
        seenKeys.push(`${row.occurredOn}.${String(row.id).padStart(8, '0')}`);
      }
      url = olderLinkFrom(res.text);
      pages += 1;
      // Between page loads, someone adds rows: some newer than everything, some on the cursor's own date, some older.
      const cursorDate = url ? decodeURIComponent(/after=([^&]+)/.exec(url)![1]!).slice(0, 10) : '2026-01-01';
      const fresh: Omit<NewTransaction, 'accountId'>[] = [
        { type: 'expense', amountCents: 100, occurredOn: '2026-12-31', description: 'newer', categoryId: null },
        { type: 'income', amountCents: 200, occurredOn: cursorDate, description: 'same day', categoryId: null },
        { type: 'expense', amountCents: 300, occurredOn: `2025-1${Math.floor(random() * 2) + 1}-0${1 + Math.floor(random() * 9)}`, description: 'older', categoryId: null },
      ];
      const ids2 = insertTransactions(ctx.db, userId, fresh);
      fresh.forEach((row, i) => {
        const made = { ...row, id: ids2[i]! };
        added.push(made);
        byId.set(made.id, made);
      });
    }
    assert.ok(pages >= 4, 'several pages were loaded');
    assert.equal(new Set(seen).size, seen.length, 'no row appears twice');
    for (const row of original) assert.ok(seen.includes(row.id), `original row ${row.id} was not skipped`);
    const sorted = [...seenKeys].sort().reverse();
    assert.deepEqual(seenKeys, sorted, 'rows come strictly newest first across pages');
    // Rows added older than the cursor show up on later pages; rows added above it never do.
    assert.ok(seen.some((id) => added.find((r) => r.id === id && r.description === 'older')), 'older rows added later are reached');
    assert.ok(!seen.some((id) => added.find((r) => r.id === id && r.description === 'newer')), 'rows added above the cursor stay above it');
  });

  test('a malformed cursor starts from the newest page', async (t) => {
    const ctx = setup(t);
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const rows = makeHistory(ctx, userIdOf(ctx.db, 'ann@example.com'), 60, 4);
    const newest = expected(rows, {}).slice(0, 50).map((r) => r.id);
    for (const after of ['junk', '2026-02-30.5', '2026-01-01.0', '2026-01-01.99999999999999999999']) {
      const res = await agent.get(`/transactions?after=${encodeURIComponent(after)}`);
      assert.equal(res.status, 200, after);
      assert.deepEqual(rowIdsFrom(res.text), newest, after);
    }
  });
});
