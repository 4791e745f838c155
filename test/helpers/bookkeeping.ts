import assert from 'node:assert/strict';
import type { Db } from '../../src/db/open.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createTransactionsRepo, type NewTransaction } from '../../src/db/repos/transactions.ts';
import { tokenFor, type Agent } from './app.ts';

/** The id of the user with this email, read from the database the app writes to. */
export function userIdOf(db: Db, email: string): number {
  const row = db.prepare<[string], { id: number }>('SELECT id FROM users WHERE email = ?').get(email);
  if (!row) throw new Error(`no user ${email}`);
  return row.id;
}

/** The id of one of the user's categories by kind and name. */
export function categoryIdOf(db: Db, userId: number, kind: 'income' | 'expense', name: string): number {
  const found = createCategoriesRepo(db).findCategoryByName(userId, kind, name);
  if (!found) throw new Error(`no ${kind} category ${name} for user ${userId}`);
  return found.id;
}

/** Inserts rows directly (arrange step only, for histories too long to type through the form); returns their ids. */
export function insertTransactions(db: Db, userId: number, rows: readonly NewTransaction[]): number[] {
  const repo = createTransactionsRepo(db);
  return db.transaction(() => rows.map((row) => repo.createTransaction(userId, row)))();
}

/** Posts the add form with every field, including category, through the real form and CSRF token. */
export async function postTransaction(
  agent: Agent,
  fields: { type?: string; amount: string; date?: string; description?: string; category?: string },
) {
  const token = await tokenFor(agent, '/transactions/new');
  return agent.post('/transactions').type('form').send({
    _csrf: token,
    type: fields.type ?? 'expense',
    amount: fields.amount,
    date: fields.date ?? '',
    description: fields.description ?? '',
    category: fields.category ?? '',
  });
}

/** Ids of the rows a transactions list page shows, top to bottom (read from the row checkboxes). */
export function rowIdsFrom(html: string): number[] {
  return [...html.matchAll(/name="ids" value="(\d+)"/g)].map((m) => Number(m[1]));
}

/** The "Older" link of a list page, decoded as a browser would follow it; null on the last page. */
export function olderLinkFrom(html: string): string | null {
  const match = /<a href="([^"]+)" rel="next">Older/.exec(html);
  return match ? match[1]!.replaceAll('&amp;', '&') : null;
}

/** Text of the flash message on a page, if any. */
export function flashFrom(html: string): string | undefined {
  return /<p class="flash[^"]*"[^>]*>([^<]*)<\/p>/.exec(html)?.[1]?.replaceAll('&#34;', '"').replaceAll('&#39;', "'");
}

/**
 * Asserts that monthly_totals holds exactly the per (user, month, type, category) sums of the raw rows, and that the
 * all-time totals of every user agree with totalsForUserFromRows.
 */
export function assertMonthlyTotalsMatchRows(db: Db): void {
  const stored = db
    .prepare<[], { k: string; cents: number; n: number }>(
      `SELECT user_id || '|' || month || '|' || type || '|' || category_key AS k, total_cents AS cents, tx_count AS n
         FROM monthly_totals ORDER BY k`,
    )
    .all();
  const fromRows = db
    .prepare<[], { k: string; cents: number; n: number }>(
      `SELECT user_id || '|' || substr(occurred_on, 1, 7) || '|' || type || '|' || coalesce(category_id, 0) AS k,
              sum(amount_cents) AS cents, count(*) AS n
         FROM transactions GROUP BY k ORDER BY k`,
    )
    .all();
  assert.deepEqual(stored, fromRows, 'monthly_totals equals the sums of the raw rows');
  const repo = createTransactionsRepo(db);
  for (const { id } of db.prepare<[], { id: number }>('SELECT id FROM users').all()) {
    assert.deepEqual(repo.totalsForUser(id), repo.totalsForUserFromRows(id), `all-time totals of user ${id}`);
  }
}

/** Formats cents the way the test app (en-US, USD) shows money, computed independently of the app's formatter. */
export function usd(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const units = Math.trunc(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}$${units}.${String(abs % 100).padStart(2, '0')}`;
}
