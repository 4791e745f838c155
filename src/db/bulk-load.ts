import type { TransactionType } from '../domain/transactions.ts';
import type { Db } from './open.ts';

/**
 * Loading many rows fast, for the demo seeder and the benchmark: users in one statement each, transactions a
 * hundred to a statement, and for big loads the per-row work (the totals trigger, the index insertions) set aside
 * and redone in bulk, all inside one transaction so other connections never see the schema in between.
 */

/** Creates users with one shared password hash (hashing once keeps seeding fast); existing emails are reused. */
export function insertUsersOnce(db: Db, emails: readonly string[], passwordHash: string): number[] {
  const insert = db.prepare<[string, string]>('INSERT INTO users (email, password_hash) VALUES (?, ?) ON CONFLICT (email) DO NOTHING');
  const byEmail = db.prepare<[string], { id: number }>('SELECT id FROM users WHERE email = ?');
  return db.transaction(() =>
    emails.map((email) => {
      insert.run(email, passwordHash);
      const row = byEmail.get(email);
      if (!row) throw new Error(`could not create user ${email}`);
      return row.id;
    }),
  ).immediate();
}

/** One per-month total to add, as the insert trigger would have added it row by row. */
export interface MonthlyTotalDelta {
  readonly month: string;
  readonly type: TransactionType;
  /** 0 for uncategorised, as in monthly_totals. */
  readonly categoryKey: number;
  readonly cents: number;
  readonly count: number;
}

/** Writes one transaction row of the load. */
export type RowWriter = (type: TransactionType, amountCents: number, occurredOn: string, description: string, categoryId: number | null) => void;

export interface BulkLoadOptions {
  /**
   * 'bulk' sets the totals trigger aside and adds `totals()` once at the end; 'trigger' lets the trigger add them
   * row by row. Both give identical totals (test/integration/derived-totals).
   */
  readonly mode: 'bulk' | 'trigger';
  /** Bulk mode only: drop the secondary indexes of transactions and rebuild them by sorting afterwards. */
  readonly rebuildIndexes: boolean;
}

const TOTALS_INSERT_TRIGGER = 'transactions_totals_insert';
// Set aside with it in bulk mode: the per-account totals (added from the same deltas afterwards) and the owner check
// (every row goes into the user's own first account, read once below).
// The text index's insert trigger too: the new rows' descriptions are indexed in one statement after the load.
const ACCOUNT_TRIGGERS = ['transactions_account_totals_insert', 'transactions_account_owner_insert', 'transactions_account_category_insert', 'transactions_fts_insert'];
const ROWS_PER_STATEMENT = 100;

/**
 * Loads the rows `fill` writes for one user in one transaction; in bulk mode `totals` is read after the rows and
 * added to monthly_totals exactly as the trigger would have. Returns how many secondary indexes were rebuilt and
 * the milliseconds of each phase.
 */
export function bulkLoadTransactions(
  db: Db,
  userId: number,
  fill: (write: RowWriter) => void,
  totals: () => Iterable<MonthlyTotalDelta>,
  options: BulkLoadOptions,
): { rebuiltIndexes: number; phases: Record<string, number> } {
  const placeholders = Array.from({ length: ROWS_PER_STATEMENT }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
  const insertMany = db.prepare(
    `INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description, category_id) VALUES ${placeholders}`,
  );
  const insertOne = db.prepare(
    'INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description, category_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const account = db
    .prepare<[number], { id: number }>('SELECT id FROM accounts WHERE user_id = ? ORDER BY archived, position, id LIMIT 1')
    .get(userId);
  if (!account) throw new Error(`user ${userId} has no account to load transactions into`);
  const writeRows = () => {
    const params: (string | number | null)[] = [];
    let buffered = 0;
    fill((type, amountCents, occurredOn, description, categoryId) => {
      params.push(userId, account.id, type, amountCents, occurredOn, description, categoryId);
      if (++buffered === ROWS_PER_STATEMENT) {
        insertMany.run(params);
        params.length = 0;
        buffered = 0;
      }
    });
    for (let at = 0; at < params.length; at += 7) insertOne.run(params.slice(at, at + 7));
  };

  const phases: Record<string, number> = {};
  const timed = <T>(name: string, fn: () => T): T => {
    const t0 = performance.now();
    const out = fn();
    phases[name] = Math.round(performance.now() - t0);
    return out;
  };
  let rebuiltIndexes = 0;
  db.transaction(() => {
    const trigger =
      options.mode === 'bulk'
        ? db.prepare<[string], { sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?").get(TOTALS_INSERT_TRIGGER)
        : undefined;
    if (!trigger) {
      timed('insert', writeRows);
      return;
    }
    // The per-row work (the totals upsert in the trigger, one insertion into every index) is the bulk insert's
    // cost. The trigger and, if asked, the secondary indexes are set aside, the rows go in, the indexes are rebuilt
    // by sorting and the trigger is put back exactly as it was (same SQL), then the totals are added in one upsert
    // per group.
    const indexes = options.rebuildIndexes
      ? db
          .prepare<[], { name: string; sql: string }>(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'transactions' AND sql IS NOT NULL",
          )
          .all()
      : [];
    const accountTriggers = ACCOUNT_TRIGGERS.map(
      (name) => db.prepare<[string], { sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?").get(name)!,
    );
    const firstNewId = maxTransactionId(db) + 1;
    db.exec(`DROP TRIGGER ${TOTALS_INSERT_TRIGGER}`);
    for (const name of ACCOUNT_TRIGGERS) db.exec(`DROP TRIGGER ${name}`);
    for (const index of indexes) db.exec(`DROP INDEX "${index.name.replaceAll('"', '""')}"`);
    timed('insert', writeRows);
    timed('indexes', () => {
      for (const index of indexes) db.exec(index.sql);
    });
    rebuiltIndexes = indexes.length;
    timed('text index', () => {
      db.prepare<[number]>('INSERT INTO transactions_fts (rowid, description) SELECT user_id * 4294967296 + id, description FROM transactions WHERE id >= ?').run(firstNewId);
      // Filled in one statement, the index is many segments with merges pending, which every later write would
      // share (see migration 30): merged now, later writes do not pay for it. Only for a load that outweighs what
      // was there (the same test as rebuilding the indexes): the merge rewrites everyone's entries, and seeding many
      // small users would otherwise pay for the whole index again each time.
      if (options.rebuildIndexes) db.exec("INSERT INTO transactions_fts (transactions_fts) VALUES ('optimize')");
    });
    db.exec(trigger.sql);
    for (const t of accountTriggers) db.exec(t.sql);
    timed('totals', () => {
      // Upsert-adds, exactly as the trigger does, so totals of rows the user already had are kept.
      const upsert = db.prepare<[number, string, string, number, number, number]>(
        `INSERT INTO monthly_totals (user_id, month, type, category_key, total_cents, tx_count) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id, month, type, category_key)
         DO UPDATE SET total_cents = total_cents + excluded.total_cents, tx_count = tx_count + excluded.tx_count`,
      );
      const deltas = [...totals()];
      for (const t of deltas) upsert.run(userId, t.month, t.type, t.categoryKey, t.cents, t.count);
      // Every row went into one account, so the same deltas are that account's per-category totals.
      const upsertAccountCategory = db.prepare<[number, number, string, string, number, number, number]>(
        `INSERT INTO account_category_totals (user_id, account_id, month, type, category_key, total_cents, tx_count) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id, account_id, month, type, category_key)
         DO UPDATE SET total_cents = total_cents + excluded.total_cents, tx_count = tx_count + excluded.tx_count`,
      );
      for (const t of deltas) upsertAccountCategory.run(userId, account.id, t.month, t.type, t.categoryKey, t.cents, t.count);
      // The same deltas, summed per month, are the account's: all of these rows are in it, none cleared yet.
      const byMonth = new Map<string, { income: number; incomeCount: number; expense: number; expenseCount: number }>();
      for (const t of deltas) {
        const m = byMonth.get(t.month) ?? { income: 0, incomeCount: 0, expense: 0, expenseCount: 0 };
        if (t.type === 'income') {
          m.income += t.cents;
          m.incomeCount += t.count;
        } else {
          m.expense += t.cents;
          m.expenseCount += t.count;
        }
        byMonth.set(t.month, m);
      }
      const upsertAccount = db.prepare<[number, number, string, number, number, number, number, number, number]>(
        `INSERT INTO account_monthly_totals
           (user_id, account_id, month, net_cents, cleared_net_cents, income_cents, income_count, expense_cents, expense_count, tx_count)
         VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id, account_id, month) DO UPDATE SET
           net_cents = net_cents + excluded.net_cents, income_cents = income_cents + excluded.income_cents,
           income_count = income_count + excluded.income_count, expense_cents = expense_cents + excluded.expense_cents,
           expense_count = expense_count + excluded.expense_count, tx_count = tx_count + excluded.tx_count`,
      );
      for (const [month, m] of byMonth) {
        upsertAccount.run(userId, account.id, month, m.income - m.expense, m.income, m.incomeCount, m.expense, m.expenseCount, m.incomeCount + m.expenseCount);
      }
    });
  }).immediate();
  return { rebuiltIndexes, phases };
}

/** The highest transaction id so far (0 for none): the seeder compares a load's size with it. */
export function maxTransactionId(db: Db): number {
  return db.prepare<[], { n: number | null }>('SELECT max(id) AS n FROM transactions').get()?.n ?? 0;
}
