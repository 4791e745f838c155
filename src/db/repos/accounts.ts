import type { Account, AccountDraft, AccountKind, AccountWithActivity, EntryType, RegisterRow } from '../../domain/accounts.ts';
import type { Page, PageCursor } from '../../domain/transactions.ts';
import { categoryNameKey } from '../../domain/categories.ts';
import type { Db } from '../open.ts';

interface AccountRow {
  id: number;
  name: string;
  kind: AccountKind;
  opening_balance_cents: number;
  opening_on: string;
  archived: number;
  position: number;
}

interface ActivityRow extends AccountRow {
  net_cents: number;
  cleared_net_cents: number;
  tx_count: number;
}

const COLUMNS = 'a.id, a.name, a.kind, a.opening_balance_cents, a.opening_on, a.archived, a.position';

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    openingBalanceCents: row.opening_balance_cents,
    openingOn: row.opening_on,
    archived: row.archived === 1,
    position: row.position,
  };
}

interface RegisterRowSql {
  id: number;
  type: EntryType;
  amount_cents: number;
  occurred_on: string;
  description: string;
  status: RegisterRow['status'];
  transfer_id: number | null;
  category_name: string | null;
  other_account_name: string | null;
}

function toRegisterRow(row: RegisterRowSql): RegisterRow {
  return {
    id: row.id,
    type: row.type,
    amountCents: row.amount_cents,
    occurredOn: row.occurred_on,
    description: row.description,
    status: row.status,
    categoryName: row.category_name,
    transferId: row.transfer_id,
    otherAccountName: row.other_account_name,
  };
}

/** Raised when another account of the user already has the name (ignoring case and spacing). */
export class AccountNameTakenError extends Error {
  override name = 'AccountNameTakenError';
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Prepared statements on accounts; every one takes the owner's user id. */
export function createAccountsRepo(db: Db) {
  // Balances come from the per-account monthly totals: a few rows per account and month, never the transactions.
  // Grouped in the order the accounts are listed (the same groups, as ids are unique), so the groups come out of
  // accounts_by_user_order already sorted, with no sort after the sums.
  const listWithActivity = db.prepare<[number], ActivityRow>(
    `SELECT ${COLUMNS}, coalesce(sum(m.net_cents), 0) AS net_cents, coalesce(sum(m.cleared_net_cents), 0) AS cleared_net_cents,
            coalesce(sum(m.tx_count), 0) AS tx_count
       FROM accounts a LEFT JOIN account_monthly_totals m ON m.user_id = a.user_id AND m.account_id = a.id
      WHERE a.user_id = ? GROUP BY a.archived, a.position, a.id ORDER BY a.archived, a.position, a.id`,
  );
  const list = db.prepare<[number], AccountRow>(`SELECT ${COLUMNS} FROM accounts a WHERE a.user_id = ? ORDER BY a.archived, a.position, a.id`);
  // What the balances hold of days after today: the months after this one from their totals (the key's run of the
  // person's accounts and months), and the rest of this month from its rows (sought by date; at most a month of them).
  // For the demo data (src/tools/seed-demo.ts): an account's lowest balance over its rows in date order, from zero.
  const lowestRunning = db.prepare<[number, number], { lowest: number | null; first_on: string | null }>(
    `SELECT min(running) AS lowest, min(occurred_on) AS first_on FROM (
       SELECT occurred_on, sum(CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END)
              OVER (ORDER BY occurred_on, id ROWS UNBOUNDED PRECEDING) AS running
         FROM transactions WHERE user_id = ? AND account_id = ?)`,
  );
  const laterMonths = db.prepare<[number, string], { account_id: number; cents: number }>(
    'SELECT account_id, sum(net_cents) AS cents FROM account_monthly_totals WHERE user_id = ? AND month > ? GROUP BY account_id',
  );
  // Opening balances dated after today: in every balance already (an account opened ahead of time), as later rows are.
  const laterOpenings = db
    .prepare<[number, string], [number, number]>('SELECT id, opening_balance_cents FROM accounts WHERE user_id = ? AND opening_on > ? AND opening_balance_cents <> 0')
    .raw();
  const laterDaysOfMonth = db
    .prepare<[number, string, string], [number, string, number]>(
      `SELECT account_id, type, amount_cents FROM transactions INDEXED BY transactions_by_user_date
        WHERE user_id = ? AND occurred_on > ? AND occurred_on <= ?`,
    )
    .raw();
  const byId = db.prepare<[number, number], AccountRow>(`SELECT ${COLUMNS} FROM accounts a WHERE a.user_id = ? AND a.id = ?`);
  const byKey = db.prepare<[number, string], AccountRow>(`SELECT ${COLUMNS} FROM accounts a WHERE a.user_id = ? AND a.name_key = ?`);
  const insert = db.prepare<[number, string, string, string, number, string, number]>(
    `INSERT INTO accounts (user_id, name, name_key, kind, opening_balance_cents, opening_on, position)
     VALUES (?, ?, ?, ?, ?, ?, (SELECT coalesce(max(position), 0) + 1 FROM accounts WHERE user_id = ?))`,
  );
  const update = db.prepare<[string, string, string, number, string, number, number]>(
    `UPDATE accounts SET name = ?, name_key = ?, kind = ?, opening_balance_cents = ?, opening_on = ?
      WHERE user_id = ? AND id = ?`,
  );
  const setArchived = db.prepare<[number, number, number]>('UPDATE accounts SET archived = ? WHERE user_id = ? AND id = ?');
  const setPosition = db.prepare<[number, number, number]>('UPDATE accounts SET position = ? WHERE user_id = ? AND id = ?');
  const remove = db.prepare<[number, number]>('DELETE FROM accounts WHERE user_id = ? AND id = ?');
  const registerColumns = `t.id, t.type, t.amount_cents, t.occurred_on, t.description, t.status, t.transfer_id,
            c.name AS category_name, oa.name AS other_account_name`;
  const registerJoins = `LEFT JOIN categories c ON c.id = t.category_id
       LEFT JOIN transactions o ON o.transfer_id = t.transfer_id AND o.id != t.id
       LEFT JOIN accounts oa ON oa.id = o.account_id`;
  // Newest first through transactions_by_account_date; a page reads its own rows and stops.
  const registerFirst = db.prepare<[number, number, number], RegisterRowSql>(
    `SELECT ${registerColumns} FROM transactions t ${registerJoins}
      WHERE t.account_id = ? AND t.user_id = ? ORDER BY t.occurred_on DESC, t.id DESC LIMIT ?`,
  );
  const registerAfter = db.prepare<[number, number, string, number, number], RegisterRowSql>(
    `SELECT ${registerColumns} FROM transactions t ${registerJoins}
      WHERE t.account_id = ? AND t.user_id = ? AND (t.occurred_on, t.id) < (?, ?) ORDER BY t.occurred_on DESC, t.id DESC LIMIT ?`,
  );
  // The keys of the rows just newer than a page's first, oldest first: where the page before it starts.
  const registerNewer = db.prepare<[number, number, string, number, number], { occurred_on: string; id: number }>(
    `SELECT t.occurred_on, t.id FROM transactions t
      WHERE t.account_id = ? AND t.user_id = ? AND (t.occurred_on, t.id) > (?, ?) ORDER BY t.occurred_on, t.id LIMIT ?`,
  );
  const monthsBefore = db.prepare<[number, number, string], { n: number | null }>(
    'SELECT sum(net_cents) AS n FROM account_monthly_totals WHERE user_id = ? AND account_id = ? AND month < ?',
  );
  const monthsThrough = db.prepare<[number, number, string], { n: number | null }>(
    'SELECT sum(net_cents) AS n FROM account_monthly_totals WHERE user_id = ? AND account_id = ? AND month <= ?',
  );
  // At most half a month of the account's rows: from the first of the row's month up to the row itself, or from
  // just after the row to the month's end.
  const monthUpTo = db.prepare<[number, number, string, string, number], { n: number | null }>(
    `SELECT sum(CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END) AS n
       FROM transactions WHERE account_id = ? AND user_id = ? AND occurred_on >= ? AND (occurred_on, id) <= (?, ?)`,
  );
  const monthAfter = db.prepare<[number, number, string, number, string], { n: number | null }>(
    `SELECT sum(CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END) AS n
       FROM transactions WHERE account_id = ? AND user_id = ? AND (occurred_on, id) > (?, ?) AND occurred_on <= ?`,
  );
  // Months before the window fold into one row per account, so ten years of history cost as much as one.
  const monthSums = db.prepare<[string, number, string], { account_id: number; month: string; net_cents: number }>(
    `SELECT account_id, CASE WHEN month < ? THEN '' ELSE month END AS month, sum(net_cents) AS net_cents
       FROM account_monthly_totals WHERE user_id = ? AND month <= ? GROUP BY 1, 2`,
  );
  const byStatementAccount = db.prepare<[number, string], AccountRow>(`SELECT ${COLUMNS} FROM accounts a WHERE a.user_id = ? AND a.statement_account = ?`);
  const rememberStatement = db.prepare<[string, number, number, number, string]>(
    `UPDATE accounts SET statement_account = ? WHERE id = ? AND user_id = ? AND statement_account IS NULL
        AND NOT EXISTS (SELECT 1 FROM accounts WHERE user_id = ? AND statement_account = ?)`,
  );
  const monthThrough = db.prepare<[number, number, string, string], { n: number | null }>(
    `SELECT sum(CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END) AS n
       FROM transactions WHERE account_id = ? AND user_id = ? AND occurred_on BETWEEN ? AND ?`,
  );
  const openingOf = db.prepare<[number, number], { opening_balance_cents: number; opening_on: string }>(
    'SELECT opening_balance_cents, opening_on FROM accounts WHERE user_id = ? AND id = ?',
  );
  const count = db.prepare<[number, number], { n: number | null }>(
    'SELECT sum(tx_count) AS n FROM account_monthly_totals WHERE user_id = ? AND account_id = ?',
  );

  return {
    /** One page of the account's register, newest first (the caller checked the account is the user's). */
    listRegisterPage(userId: number, accountId: number, limit: number, after: PageCursor | null): Page<RegisterRow> {
      const raw = after ? registerAfter.all(accountId, userId, after.occurredOn, after.id, limit + 1) : registerFirst.all(accountId, userId, limit + 1);
      const rows = raw.map(toRegisterRow);
      const hasMore = rows.length > limit;
      if (hasMore) rows.length = limit;
      const last = rows.at(-1);
      return { rows, next: hasMore && last ? { occurredOn: last.occurredOn, id: last.id } : null };
    },

    /**
     * The cursor of the register page just newer than the one starting at `first` (its `limit` rows are the next
     * newer ones; the row beyond them is its cursor), or null when that page is the first.
     */
    newerRegisterCursor(userId: number, accountId: number, limit: number, first: PageCursor): PageCursor | null {
      const beyond = registerNewer.all(accountId, userId, first.occurredOn, first.id, limit + 1)[limit];
      return beyond ? { occurredOn: beyond.occurred_on, id: beyond.id } : null;
    },

    /**
     * The sum of every row of the account up to and including this one, in register order. Whole months come from
     * account_monthly_totals; of the row's own month only the nearer half is read from rows: up to the row in the
     * first half of the month, or, in the second, the month's total less the rows after it. At a million rows over
     * ten years a month holds about 8,000 of an account's rows, and a page that starts late in a month read nearly all.
     */
    netThrough(userId: number, accountId: number, row: PageCursor): number {
      const month = row.occurredOn.slice(0, 7);
      if (row.occurredOn.slice(8) <= '15') {
        const before = monthsBefore.get(userId, accountId, month)?.n ?? 0;
        return before + (monthUpTo.get(accountId, userId, `${month}-01`, row.occurredOn, row.id)?.n ?? 0);
      }
      const through = monthsThrough.get(userId, accountId, month)?.n ?? 0;
      // Every day of a month sorts at or before its "31st", whatever the month's length.
      return through - (monthAfter.get(accountId, userId, row.occurredOn, row.id, `${month}-31`)?.n ?? 0);
    },

    /**
     * Every account's signed sum per month of a window, and one row per account (month '') for everything before
     * it: enough for month-end balances across the window.
     */
    listAccountMonthSums(userId: number, months: { from: string; through: string }): { accountId: number; month: string; netCents: number }[] {
      return monthSums.all(months.from, userId, months.through).map((r) => ({ accountId: r.account_id, month: r.month, netCents: r.net_cents }));
    },

    /** The user's accounts, open ones first by position, with the sums their balances are made of. */
    listAccountsWithActivity(userId: number): AccountWithActivity[] {
      return listWithActivity.all(userId).map((row) => ({
        ...toAccount(row),
        netCents: row.net_cents,
        clearedNetCents: row.cleared_net_cents,
        transactionCount: row.tx_count,
      }));
    },

    /**
     * Per account of the user, what of its balance is dated after `today`: the signed sum of its rows dated later (up
     * to `monthEnd`, the last day of today's month, from the rows; after it, from the monthly totals) and its opening
     * balance when that is dated later. Accounts with none are left out.
     */
    laterNetByAccount(userId: number, today: string, monthEnd: string): Map<number, number> {
      const sums = new Map<number, number>();
      const add = (accountId: number, cents: number) => sums.set(accountId, (sums.get(accountId) ?? 0) + cents);
      for (const [accountId, cents] of laterOpenings.all(userId, today)) add(accountId, cents);
      for (const row of laterMonths.all(userId, today.slice(0, 7))) add(row.account_id, row.cents);
      for (const [accountId, type, cents] of laterDaysOfMonth.all(userId, today, monthEnd)) add(accountId, type === 'income' || type === 'transfer_in' ? cents : -cents);
      for (const [accountId, cents] of sums) if (cents === 0) sums.delete(accountId);
      return sums;
    },

    /**
     * The lowest the account's rows alone bring its balance to, day by day in date order (0 when never below), and the
     * day of its first row (null when it has none).
     */
    lowestRunningNet(userId: number, accountId: number): { lowestCents: number; firstOn: string | null } {
      const row = lowestRunning.get(userId, accountId);
      return { lowestCents: Math.min(0, row?.lowest ?? 0), firstOn: row?.first_on ?? null };
    },

    /** The user's accounts, open ones first by position. */
    listAccounts(userId: number): Account[] {
      return list.all(userId).map(toAccount);
    },

    /** The user's account with this id, or undefined if it does not exist or belongs to someone else. */
    /** The user's account a statement account identifier was first imported into, if any. */
    findByStatementAccount(userId: number, identifier: string): Account | undefined {
      const row = byStatementAccount.get(userId, identifier);
      return row && toAccount(row);
    },

    /** Remembers a statement account identifier on the user's account, when it has none and no other account has it. */
    rememberStatementAccount(userId: number, accountId: number, identifier: string): boolean {
      return rememberStatement.run(identifier, accountId, userId, userId, identifier).changes === 1;
    },

    /** The account's balance at the end of a day: its opening balance (once opened) and every row up to that day. */
    balanceAtEndOf(userId: number, accountId: number, day: string): number {
      const month = day.slice(0, 7);
      const before = monthsBefore.get(userId, accountId, month)?.n ?? 0;
      const within = monthThrough.get(accountId, userId, `${month}-01`, day)?.n ?? 0;
      const opening = openingOf.get(userId, accountId);
      return (opening && opening.opening_on <= day ? opening.opening_balance_cents : 0) + before + within;
    },

    findOwnedAccount(userId: number, id: number): Account | undefined {
      const row = byId.get(userId, id);
      return row && toAccount(row);
    },

    /** The user's account whose name is this normalised name, ignoring case and spacing. */
    findAccountByName(userId: number, name: string): Account | undefined {
      const row = byKey.get(userId, categoryNameKey(name));
      return row && toAccount(row);
    },

    /** Creates an account after the user's others; throws AccountNameTakenError when the name is taken. */
    createAccount(userId: number, draft: AccountDraft): number {
      try {
        return Number(
          insert.run(userId, draft.name, categoryNameKey(draft.name), draft.kind, draft.openingBalanceCents, draft.openingOn, userId)
            .lastInsertRowid,
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw new AccountNameTakenError('account name taken');
        throw err;
      }
    },

    /** Replaces the name, kind and opening balance of the user's account; false when it is not theirs. */
    updateOwnedAccount(userId: number, id: number, draft: AccountDraft): boolean {
      try {
        return update.run(draft.name, categoryNameKey(draft.name), draft.kind, draft.openingBalanceCents, draft.openingOn, userId, id).changes === 1;
      } catch (err) {
        if (isUniqueViolation(err)) throw new AccountNameTakenError('account name taken');
        throw err;
      }
    },

    /** Archives or unarchives the user's account; false when it is not theirs. */
    setAccountArchived(userId: number, id: number, archived: boolean): boolean {
      return setArchived.run(archived ? 1 : 0, userId, id).changes === 1;
    },

    /** Moves the user's account to a position in the list (the caller swaps two in one transaction). */
    setAccountPosition(userId: number, id: number, position: number): boolean {
      return setPosition.run(position, userId, id).changes === 1;
    },

    /** Deletes the user's account; the schema refuses it while transactions point at it. */
    deleteOwnedAccount(userId: number, id: number): boolean {
      return remove.run(userId, id).changes === 1;
    },

    /** How many of the user's transactions (transfer legs included) are in the account. */
    countTransactionsInAccount(userId: number, id: number): number {
      return count.get(userId, id)?.n ?? 0;
    },
  };
}

export type AccountsRepo = ReturnType<typeof createAccountsRepo>;
