import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createTransfersRepo } from '../../src/db/repos/transfers.ts';
import { addDays } from '../../src/domain/calendar.ts';
import { createRulesRepo } from '../../src/db/repos/rules.ts';
import type { RuleDraft } from '../../src/domain/rules.ts';
import type { Db } from '../../src/db/open.ts';

/**
 * Reads the benchmark makes of its own database, outside the app: counts over every row and positions deep in a
 * list, which no page may afford but a benchmark needs to set up and check its runs.
 */

/** How many transactions the user has (a count over their rows). */
export function countTransactionsOfUser(db: Db, userId: number): number {
  return db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM transactions WHERE user_id = ?').get(userId)?.n ?? 0;
}

/**
 * The keyset cursor ("YYYY-MM-DD.id" parts) of the row `depth` rows into the user's newest-first list, so the
 * benchmark can open a page deep in history exactly as following "Older" links would reach it.
 */
export function cursorAtDepth(db: Db, userId: number, depth: number): { occurredOn: string; id: number } | undefined {
  const row = db
    .prepare<[number, number], { occurred_on: string; id: number }>(
      'SELECT occurred_on, id FROM transactions WHERE user_id = ? ORDER BY occurred_on DESC, id DESC LIMIT 1 OFFSET ?',
    )
    .get(userId, depth);
  return row && { occurredOn: row.occurred_on, id: row.id };
}

/**
 * Gives the user `count` rules of every kind the rule form offers, through the rules repo: descriptions that contain,
 * start with or equal a text, amount ranges with a type, setting a category or renaming. Returns how many.
 */
export function seedBenchRules(db: Db, userId: number, count: number): number {
  const categories = createCategoriesRepo(db);
  const rules = createRulesRepo(db);
  const own = categories.listCategoriesForUser(userId).filter((c) => c.kind === 'expense');
  const category = (i: number) => (own.length > 0 ? own[i % own.length]!.id : categories.createCategory(userId, 'expense', 'Bench rules').id);
  const none = { text: null, amount: null, type: null, accountId: null, categoryId: null, transferAccountId: null, rename: null };
  db.transaction(() => {
    for (let k = 0; k < count; k++) {
      const draft: RuleDraft =
        k % 4 === 0
          ? { ...none, text: { match: 'contains', value: `payee ${k}` }, categoryId: category(k) }
          : k % 4 === 1
            ? { ...none, text: { match: 'starts', value: `imported row ${k}` }, rename: `Row ${k}` }
            : k % 4 === 2
              ? { ...none, amount: { minCents: k * 100, maxCents: k * 100 + 50 }, type: 'expense', categoryId: category(k) }
              : { ...none, text: { match: 'equals', value: `merchant ${k}` }, categoryId: category(k) };
      rules.createRule(userId, draft, 0);
    }
  })();
  return rules.listRules(userId).length;
}

/**
 * Gives the user a savings account and `count` transfers between it and their first account, through the repos (so
 * the per-account totals' triggers see each leg): one in every hundred of their rows, a few a week at a million, dated
 * evenly over `days` days back from `endOn`, alternating in and out. Returns the savings account's id.
 */
export function seedBenchTransfers(db: Db, userId: number, options: { count: number; endOn: string; days: number; random: () => number }): number {
  const accounts = createAccountsRepo(db);
  const transfers = createTransfersRepo(db);
  const main = db.prepare<[number], number>('SELECT min(id) FROM accounts WHERE user_id = ?').pluck().get(userId)!;
  const start = addDays(options.endOn, -options.days);
  const savings = accounts.createAccount(userId, { name: 'Savings', kind: 'savings', openingBalanceCents: 500_000, openingOn: start });
  db.transaction(() => {
    for (let k = 0; k < options.count; k++) {
      const occurredOn = addDays(options.endOn, -Math.floor((k * options.days) / options.count));
      const amountCents = 1_000 + Math.floor(options.random() * 50_000);
      const toSavings = k % 2 === 0;
      transfers.createTransfer(userId, {
        fromAccountId: toSavings ? main : savings,
        toAccountId: toSavings ? savings : main,
        amountCents,
        occurredOn,
        description: toSavings ? 'To savings' : 'From savings',
      });
    }
  })();
  return savings;
}
