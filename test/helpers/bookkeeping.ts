import { createRulesRepo } from '../../src/db/repos/rules.ts';
import { createRuleService } from '../../src/services/rules.ts';
import { createImportRowsRepo } from '../../src/db/repos/import-rows.ts';
import { createCsvMappingsRepo } from '../../src/db/repos/csv-mappings.ts';
import assert from 'node:assert/strict';
import type { Db } from '../../src/db/open.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createSchedulesRepo } from '../../src/db/repos/schedules.ts';
import { createTransfersRepo } from '../../src/db/repos/transfers.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createTransactionsRepo, type NewRow } from '../../src/db/repos/transactions.ts';
import { createJobsRepo } from '../../src/db/repos/jobs.ts';
import { createTransactionRunner } from '../../src/db/unit-of-work.ts';
import type { FilteredTotals, Totals, TransactionFilter, TransactionWithCategory } from '../../src/domain/transactions.ts';
import { createJobRunner } from '../../src/jobs/runner.ts';
import { createLogger } from '../../src/logger.ts';
import { createImportService, type ImportService } from '../../src/services/imports.ts';
import { manualClock } from './clock.ts';
import { tokenFor, type Agent } from './app.ts';

/** The id of the user with this email, read from the database the app writes to. */
export function userIdOf(db: Db, email: string): number {
  const row = db.prepare<[string], { id: number }>('SELECT id FROM users WHERE email = ?').get(email);
  if (!row) throw new Error(`no user ${email}`);
  return row.id;
}

/** The id of one of the user's (money) accounts by name. */
export function accountIdOf(db: Db, userId: number, name: string): number {
  const id = db.prepare<[number, string], number>('SELECT id FROM accounts WHERE user_id = ? AND name = ?').pluck().get(userId, name);
  if (id === undefined) throw new Error(`no account ${name} for user ${userId}`);
  return id;
}

/** The id of one of the user's categories by kind and name. */
export function categoryIdOf(db: Db, userId: number, kind: 'income' | 'expense', name: string): number {
  const found = createCategoriesRepo(db).findCategoryByName(userId, kind, name);
  if (!found) throw new Error(`no ${kind} category ${name} for user ${userId}`);
  return found.id;
}

/** A transaction to arrange, uncategorised and in the user's first account unless it says otherwise. */
export type RowDraft = Omit<NewRow, 'categoryId'> & { categoryId?: number | null };

/** Inserts rows directly (arrange step only, for histories too long to type through the form); returns their ids. */
export function insertTransactions(db: Db, userId: number, rows: readonly RowDraft[]): number[] {
  const repo = createTransactionsRepo(db);
  return db.transaction(() => rows.map((row) => repo.createTransaction(userId, { ...row, categoryId: row.categoryId ?? null })))();
}

/** The user's all-time totals summed over every raw row: the oracle the derived per-month totals are checked against. */
export function totalsForUserFromRows(db: Db, userId: number): Totals {
  const row = db
    .prepare<[number], { income: number; expense: number }>(
      `SELECT coalesce(sum(CASE WHEN type = 'income' THEN amount_cents END), 0) AS income,
              coalesce(sum(CASE WHEN type = 'expense' THEN amount_cents END), 0) AS expense
         FROM transactions WHERE user_id = ?`,
    )
    .get(userId) ?? { income: 0, expense: 0 };
  return { incomeCents: row.income, expenseCents: row.expense, balanceCents: row.income - row.expense };
}

/** A filter's totals summed over every matching raw row, written independently of the app's query builder. */
export function totalsForFilterFromRows(db: Db, userId: number, filter: TransactionFilter): FilteredTotals {
  const where = ['user_id = ?'];
  const params: unknown[] = [userId];
  if (filter.accountId !== undefined) (where.push('account_id = ?'), params.push(filter.accountId));
  if (filter.fromOn !== undefined) (where.push('occurred_on >= ?'), params.push(filter.fromOn));
  if (filter.toOn !== undefined) (where.push('occurred_on <= ?'), params.push(filter.toOn));
  if (filter.type !== undefined) (where.push('type = ?'), params.push(filter.type));
  if (filter.categoryId === 'none') where.push('category_id IS NULL');
  else if (filter.categoryId !== undefined) (where.push('category_id = ?'), params.push(filter.categoryId));
  // SQLite's LIKE ignores the case of ASCII letters only; the oracle folds the same letters in JavaScript.
  const fold = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const search = filter.search === undefined || filter.search === '' ? undefined : fold(filter.search);
  const rows = (
    db
      .prepare(`SELECT type, amount_cents AS cents, description FROM transactions WHERE ${where.join(' AND ')}`)
      .all(...params) as { type: string; cents: number; description: string }[]
  ).filter((row) => search === undefined || fold(row.description).includes(search));
  let incomeCents = 0;
  let expenseCents = 0;
  for (const row of rows) {
    if (row.type === 'income') incomeCents += row.cents;
    else expenseCents += row.cents;
  }
  return { incomeCents, expenseCents, netCents: incomeCents - expenseCents, count: rows.length };
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

/** Text of the flash message on a page, if any (without the link of an offer after it, such as Undo). */
export function flashFrom(html: string): string | undefined {
  return /<p class="flash[^"]*"[^>]*>([^<]*?)(?: <a href="[^"]*">[^<]*<\/a>)?<\/p>/.exec(html)?.[1]?.replaceAll('&#34;', '"').replaceAll('&#39;', "'");
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
         FROM transactions WHERE type IN ('income', 'expense') GROUP BY k ORDER BY k`,
    )
    .all();
  assert.deepEqual(stored, fromRows, 'monthly_totals equals the sums of the raw rows (transfer legs never in them)');
  const perAccount = db
    .prepare(
      `SELECT user_id || '|' || account_id || '|' || month || '|' || type || '|' || category_key AS k, total_cents AS cents, tx_count AS n
         FROM account_category_totals ORDER BY k`,
    )
    .all();
  const perAccountFromRows = db
    .prepare(
      `SELECT user_id || '|' || account_id || '|' || substr(occurred_on, 1, 7) || '|' || type || '|' || coalesce(category_id, 0) AS k,
              sum(amount_cents) AS cents, count(*) AS n
         FROM transactions WHERE type IN ('income', 'expense') GROUP BY k ORDER BY k`,
    )
    .all();
  assert.deepEqual(perAccount, perAccountFromRows, 'account_category_totals equals the sums of the raw rows per account');
  assertAccountTotalsMatchRows(db);
  const repo = createTransactionsRepo(db);
  for (const { id } of db.prepare<[], { id: number }>('SELECT id FROM users').all()) {
    assert.deepEqual(repo.totalsForUser(id), totalsForUserFromRows(db, id), `all-time totals of user ${id}`);
  }
}

/** The per-account monthly totals (balances, cleared balances, income, expense and transfers in per account) against the raw rows. */
export function assertAccountTotalsMatchRows(db: Db): void {
  const columns = 'net_cents, cleared_net_cents, income_cents, income_count, expense_cents, expense_count, tx_count, transfer_in_cents, transfer_in_count';
  const stored = db
    .prepare(`SELECT user_id || '|' || account_id || '|' || month AS k, ${columns} FROM account_monthly_totals ORDER BY k`)
    .all();
  const signed = "CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END";
  const fromRows = db
    .prepare(
      `SELECT user_id || '|' || account_id || '|' || substr(occurred_on, 1, 7) AS k,
              sum(${signed}) AS net_cents, sum(CASE WHEN status = 'uncleared' THEN 0 ELSE ${signed} END) AS cleared_net_cents,
              sum(CASE WHEN type = 'income' THEN amount_cents ELSE 0 END) AS income_cents, sum(type = 'income') AS income_count,
              sum(CASE WHEN type = 'expense' THEN amount_cents ELSE 0 END) AS expense_cents, sum(type = 'expense') AS expense_count,
              count(*) AS tx_count,
              sum(CASE WHEN type = 'transfer_in' THEN amount_cents ELSE 0 END) AS transfer_in_cents, sum(type = 'transfer_in') AS transfer_in_count
         FROM transactions GROUP BY k ORDER BY k`,
    )
    .all();
  assert.deepEqual(stored, fromRows, 'account_monthly_totals equals the sums of the raw rows');
}

/**
 * Formats cents the way the test app (en-US, USD) shows money, computed independently of the app's formatter: a
 * negative amount with the minus sign (U+2212).
 */
export function usd(cents: number): string {
  const sign = cents < 0 ? '\u2212' : '';
  const abs = Math.abs(cents);
  const units = Math.trunc(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}$${units}.${String(abs % 100).padStart(2, '0')}`;
}

/** Every transaction of the user, newest first, as the list page orders them. */
export function allTransactionsOf(db: Db, userId: number): TransactionWithCategory[] {
  return createTransactionsRepo(db).listFilteredTransactionsPage(userId, {}, Number.MAX_SAFE_INTEGER).rows;
}

/** The import service on a database, with a runner that is never started: for importing files without HTTP. */
export function importServiceOn(db: Db, uploadDir: string, options: { rules?: boolean } = {}): ImportService {
  const clock = manualClock();
  const inTransaction = createTransactionRunner(db);
  const rules = options.rules
    ? createRuleService({ rules: createRulesRepo(db), categories: createCategoriesRepo(db), accounts: createAccountsRepo(db), transactions: createTransactionsRepo(db), transfers: createTransfersRepo(db), inTransaction, clock })
    : undefined;
  return createImportService({
    ...(rules ? { rules: (userId: number) => rules.applierFor(userId, { suggest: true }) } : {}),
    transactions: createTransactionsRepo(db),
    categories: createCategoriesRepo(db),
    accounts: createAccountsRepo(db),
    transfers: createTransfersRepo(db),
    schedules: createSchedulesRepo(db),
    jobs: createJobsRepo(db),
    runner: createJobRunner({ jobs: createJobsRepo(db), clock, logger: createLogger('silent') }),
    inTransaction,
    clock,
    mappings: createCsvMappingsRepo(db),
    importRows: createImportRowsRepo(db),
    uploadDir,
    currency: 'USD',
  });
}

/** Every index and trigger with its SQL, sorted by name: to prove a bulk load put the schema back exactly. */
export function listSchemaOf(db: Db): { type: string; name: string; sql: string | null }[] {
  return db
    .prepare<[], { type: string; name: string; sql: string | null }>(
      "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger') ORDER BY name",
    )
    .all();
}

/** How many groups monthly_totals holds for the user (so a check can tell "equal" from "both empty"). */
export function countMonthlyTotalGroups(db: Db, userId: number): number {
  return db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM monthly_totals WHERE user_id = ?').get(userId)?.n ?? 0;
}
