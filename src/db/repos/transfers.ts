import type { Statement } from 'better-sqlite3';
import { splitRangeIntoMonths } from '../../domain/calendar.ts';
import type { Page, PageCursor } from '../../domain/transactions.ts';
import type { Transfer, TransferDraft, TransferFilter, TransferTotals } from '../../domain/transfers.ts';
import type { Db } from '../open.ts';

interface TransferRow {
  id: number;
  from_account_id: number;
  to_account_id: number;
  amount_cents: number;
  occurred_on: string;
  description: string;
}

/**
 * Prepared statements on transfers; every one takes the owner's user id. A transfer is a transfers row and two
 * legs in transactions (transfer_out from one account, transfer_in to the other), always written together by the
 * caller's database transaction.
 */
export function createTransfersRepo(db: Db) {
  const insertTransfer = db.prepare<[number]>('INSERT INTO transfers (user_id) VALUES (?)');
  const insertLeg = db.prepare<[number, number, string, number, string, string, number, string | null]>(
    `INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description, transfer_id, import_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const byId = db.prepare<[number, number], TransferRow>(
    `SELECT t.id, o.account_id AS from_account_id, i.account_id AS to_account_id, o.amount_cents, o.occurred_on, o.description
       FROM transfers t
       JOIN transactions o ON o.transfer_id = t.id AND o.type = 'transfer_out'
       JOIN transactions i ON i.transfer_id = t.id AND i.type = 'transfer_in'
      WHERE t.user_id = ? AND t.id = ?`,
  );
  // As an edited income or expense (transactions repo): a leg moved to another account starts uncleared there, and
  // a reconciled leg whose amount or day changed goes back to cleared. (SET reads the row as it was.)
  const updateLeg = db.prepare<[{ accountId: number; amountCents: number; occurredOn: string; description: string; userId: number; id: number; type: string }]>(
    `UPDATE transactions SET account_id = @accountId, amount_cents = @amountCents, occurred_on = @occurredOn, description = @description,
            status = CASE WHEN account_id != @accountId THEN 'uncleared'
                          WHEN status = 'reconciled' AND (amount_cents != @amountCents OR occurred_on != @occurredOn) THEN 'cleared'
                          ELSE status END
      WHERE user_id = @userId AND transfer_id = @id AND type = @type`,
  );
  const remove = db.prepare<[number, number]>('DELETE FROM transfers WHERE user_id = ? AND id = ?');
  const setLegKey = db.prepare<[string, number, number, number]>(
    'UPDATE transactions SET import_key = ? WHERE user_id = ? AND transfer_id = ? AND account_id = ? AND import_key IS NULL',
  );
  const removeLegs = db.prepare<[number, number]>('DELETE FROM transactions WHERE user_id = ? AND transfer_id = ?');
  const legsOf = db.prepare<[number, number], { status: string }>('SELECT status FROM transactions WHERE user_id = ? AND transfer_id = ?');
  // A page of transfers walks the user's outgoing legs newest first along their (user_id, type, date, id) index, so
  // it reads the person's transfers and never their incomes and expenses; the incoming leg is found by its transfer.
  // The index is named: with both a day range and a cursor, SQLite preferred the date index of all the person's rows
  // (630 ms at 1M rows against 0.1 ms). With an account, the walk is along that account's own legs (either side) in
  // the legs-only index of migration 41: walking all the person's outgoing legs for those touching the account read
  // 100,000 transfers for a page of an account that has few (100 ms); the cursor then names the account's leg. The
  // page before one (`newer`) walks the same index the other way from its first row. One statement per shape,
  // prepared when first used.
  /** The legs a filter walks, and along which index: the shape names the statement, the clause takes pageParams. */
  const walkOf = (filter: TransferFilter) => {
    const byAccount = filter.accountId !== undefined;
    const where = byAccount ? ['w.account_id = ?', 'w.transfer_id IS NOT NULL', 'w.user_id = ?'] : ['w.user_id = ?', "w.type = 'transfer_out'"];
    if (filter.fromOn !== undefined) where.push('w.occurred_on >= ?');
    if (filter.toOn !== undefined) where.push('w.occurred_on <= ?');
    return {
      shape: `${byAccount ? 'a' : ''}${filter.fromOn === undefined ? '' : 'f'}${filter.toOn === undefined ? '' : 't'}`,
      from: `transactions w INDEXED BY ${byAccount ? 'transactions_transfer_legs_by_account' : 'transactions_by_user_type_date'}`,
      where,
    };
  };
  const statements = new Map<string, Statement<unknown[], unknown>>();
  const cached = <Row>(key: string, build: () => string) => {
    let statement = statements.get(key);
    if (!statement) statements.set(key, (statement = db.prepare<unknown[], unknown>(build())));
    return statement as Statement<unknown[], Row>;
  };
  const pageStatement = (filter: TransferFilter, cursor: 'none' | 'older' | 'newer') => {
    const walk = walkOf(filter);
    return cached<TransferRow & { leg_id: number }>(`page:${walk.shape}:${cursor}`, () => {
      const where = [...walk.where];
      if (cursor === 'older') where.push('(w.occurred_on, w.id) < (?, ?)');
      if (cursor === 'newer') where.push('(w.occurred_on, w.id) > (?, ?)');
      const order = cursor === 'newer' ? 'ASC' : 'DESC';
      return `SELECT w.transfer_id AS id, w.id AS leg_id, o.account_id AS from_account_id, i.account_id AS to_account_id, w.amount_cents, w.occurred_on, o.description
                FROM ${walk.from}
                JOIN transactions o ON o.transfer_id = w.transfer_id AND o.user_id = w.user_id AND o.type = 'transfer_out'
                JOIN transactions i ON i.transfer_id = w.transfer_id AND i.user_id = w.user_id AND i.type = 'transfer_in'
               WHERE ${where.join(' AND ')}
               ORDER BY w.occurred_on ${order}, w.id ${order} LIMIT ?`;
    });
  };
  const pageParams = (userId: number, filter: TransferFilter, cursor: PageCursor | null): unknown[] => {
    const params: unknown[] = filter.accountId === undefined ? [userId] : [filter.accountId, userId];
    if (filter.fromOn !== undefined) params.push(filter.fromOn);
    if (filter.toOn !== undefined) params.push(filter.toOn);
    if (cursor) params.push(cursor.occurredOn, cursor.id);
    return params;
  };
  // How many transfers a filter keeps and what they moved, walking the same legs as its pages: with an account, what
  // came in and what went out (its legs of each side); without, each transfer once (its outgoing leg).
  const totalsStatement = (filter: TransferFilter) => {
    const walk = walkOf(filter);
    return cached<{ in_count: number; in_cents: number; out_count: number; out_cents: number }>(
      `totals:${walk.shape}`,
      () => `SELECT coalesce(sum(w.type = 'transfer_in'), 0) AS in_count, coalesce(sum(CASE WHEN w.type = 'transfer_in' THEN w.amount_cents END), 0) AS in_cents,
                    coalesce(sum(w.type = 'transfer_out'), 0) AS out_count, coalesce(sum(CASE WHEN w.type = 'transfer_out' THEN w.amount_cents END), 0) AS out_cents
               FROM ${walk.from} WHERE ${walk.where.join(' AND ')}`,
    );
  };
  // The same for whole months, from the account totals (migration 43): what came in is kept, what went out follows
  // from net = income + in - expense - out. Without an account, each transfer once, by its outgoing leg.
  type TotalsRow = { in_count: number; in_cents: number; out_count: number; out_cents: number };
  const monthsTotals = (byAccount: boolean) =>
    cached<TotalsRow>(
      `months:${byAccount ? 'a' : ''}`,
      () => `SELECT coalesce(sum(transfer_in_count), 0) AS in_count, coalesce(sum(transfer_in_cents), 0) AS in_cents,
                    coalesce(sum(tx_count - income_count - expense_count - transfer_in_count), 0) AS out_count,
                    coalesce(sum(income_cents + transfer_in_cents - expense_cents - net_cents), 0) AS out_cents
               FROM account_monthly_totals WHERE user_id = ?${byAccount ? ' AND account_id = ?' : ''} AND month BETWEEN ? AND ?`,
    );
  const toTransfer = (row: TransferRow): Transfer => ({
    id: row.id,
    fromAccountId: row.from_account_id,
    toAccountId: row.to_account_id,
    amountCents: row.amount_cents,
    occurredOn: row.occurred_on,
    description: row.description,
  });

  // Sought along the account's date index; the other leg by the transfer's own index.
  const unclaimedLegs = db.prepare<[number, string, string, number, string, number, number, number, number], { id: number; occurredOn: string }>(
    `SELECT t.id, t.occurred_on AS occurredOn FROM transactions t INDEXED BY transactions_by_account_date
      WHERE t.account_id = ? AND t.occurred_on BETWEEN ? AND ? AND t.user_id = ? AND t.type = ? AND t.amount_cents = ?
        AND t.import_key IS NULL AND t.id <= ?
        AND EXISTS (SELECT 1 FROM transactions o WHERE o.transfer_id = t.transfer_id AND o.account_id = ? AND o.user_id = ? AND o.id <> t.id)
      LIMIT 20`,
  );

  return {
    /**
     * Legs in `accountId` of the user's transfers with `otherAccountId` that carry no import key (made by hand, or from
     * the other account's file): of `type` and amount, between two days, written up to id `upToId`; at most 20.
     */
    listUnclaimedLegs(
      userId: number,
      leg: { accountId: number; otherAccountId: number; type: 'transfer_in' | 'transfer_out'; amountCents: number; fromOn: string; toOn: string; upToId: number },
    ): { id: number; occurredOn: string }[] {
      return unclaimedLegs.all(leg.accountId, leg.fromOn, leg.toOn, userId, leg.type, leg.amountCents, leg.upToId, leg.otherAccountId, userId);
    },

    /**
     * Records a transfer and its two legs (the caller holds the transaction); returns the transfer's id. A transfer
     * made from a statement row keeps that row's import key on the leg in the statement's account.
     */
    createTransfer(userId: number, draft: TransferDraft, imported?: { readonly leg: 'out' | 'in'; readonly key: string; readonly otherKey?: string | null }): number {
      const id = Number(insertTransfer.run(userId).lastInsertRowid);
      // The other leg keeps the import key of the row that was the transfer's other side, when one was (both sides in one file).
      const keyOf = (leg: 'out' | 'in') => (imported === undefined ? null : imported.leg === leg ? imported.key : (imported.otherKey ?? null));
      insertLeg.run(userId, draft.fromAccountId, 'transfer_out', draft.amountCents, draft.occurredOn, draft.description, id, keyOf('out'));
      insertLeg.run(userId, draft.toAccountId, 'transfer_in', draft.amountCents, draft.occurredOn, draft.description, id, keyOf('in'));
      return id;
    },

    /** Gives the user's transfer's leg in `accountId` an import key, when it has none (the caller holds the transaction). */
    setLegImportKey(userId: number, transferId: number, accountId: number, key: string): boolean {
      return setLegKey.run(key, userId, transferId, accountId).changes === 1;
    },

    /** The user's transfer with this id, or undefined if it does not exist or belongs to someone else. */
    findOwnedTransfer(userId: number, id: number): Transfer | undefined {
      const row = byId.get(userId, id);
      return row && toTransfer(row);
    },

    /**
     * Up to `limit` of the user's transfers the filter keeps, newest first (by day, then as recorded), after `after`;
     * `next` is where the page after this one starts (its cursor names an outgoing leg), null on the last page.
     */
    listTransfersPage(userId: number, filter: TransferFilter, after: PageCursor | null, limit: number): Page<Transfer> & { readonly first: PageCursor | null } {
      const rows = pageStatement(filter, after ? 'older' : 'none').all(...pageParams(userId, filter, after), limit + 1);
      const hasMore = rows.length > limit;
      if (hasMore) rows.length = limit;
      const last = rows[rows.length - 1];
      return { rows: rows.map(toTransfer), next: hasMore && last ? { occurredOn: last.occurred_on, id: last.leg_id } : null, first: rows[0] ? { occurredOn: rows[0].occurred_on, id: rows[0].leg_id } : null };
    },

    /**
     * Where the page before a page starting at `first` starts, for a "Newer" link: the cursor to read it with, or null
     * when it is the first page. The `limit` transfers just newer than `first` are that page; the one beyond them, if
     * any, is its cursor.
     */
    newerTransfersCursor(userId: number, filter: TransferFilter, limit: number, first: PageCursor): PageCursor | null {
      const beyond = pageStatement(filter, 'newer').all(...pageParams(userId, filter, first), limit + 1)[limit];
      return beyond ? { occurredOn: beyond.occurred_on, id: beyond.leg_id } : null;
    },

    /**
     * How many transfers the filter keeps and the sum they moved; with an account, split into those into it and those
     * out of it (without one, every transfer counts as out of one of the person's accounts).
     */
    transferTotals(userId: number, filter: TransferFilter): TransferTotals {
      // Whole months from their totals and only the part months at a range's ends by date, so the count costs the
      // same for a person with 100,000 transfers as for one with ten.
      const split = splitRangeIntoMonths(filter.fromOn, filter.toOn);
      const total = { inCount: 0, inCents: 0, outCount: 0, outCents: 0 };
      const add = (row: TotalsRow | undefined) => {
        total.inCount += row?.in_count ?? 0;
        total.inCents += row?.in_cents ?? 0;
        total.outCount += row?.out_count ?? 0;
        total.outCents += row?.out_cents ?? 0;
      };
      for (const days of split.dayRanges) {
        const part: TransferFilter = { ...filter, fromOn: days.fromOn, toOn: days.toOn };
        add(totalsStatement(part).get(...pageParams(userId, part, null)));
      }
      if (split.months) {
        const byAccount = filter.accountId !== undefined;
        const row = monthsTotals(byAccount).get(...(byAccount ? [userId, filter.accountId, split.months.from, split.months.to] : [userId, split.months.from, split.months.to]));
        add(byAccount ? row : row && { ...row, in_count: 0, in_cents: 0 });
      }
      return total;
    },

    /** Whether any leg of the user's transfer has been reconciled against a statement. */
    isTransferReconciled(userId: number, id: number): boolean {
      return legsOf.all(userId, id).some((leg) => leg.status === 'reconciled');
    },

    /** Rewrites both legs of the user's transfer (the caller holds the transaction); false when it is not theirs. */
    updateOwnedTransfer(userId: number, id: number, draft: TransferDraft): boolean {
      const leg = { amountCents: draft.amountCents, occurredOn: draft.occurredOn, description: draft.description, userId, id };
      const out = updateLeg.run({ ...leg, accountId: draft.fromAccountId, type: 'transfer_out' }).changes;
      const into = updateLeg.run({ ...leg, accountId: draft.toAccountId, type: 'transfer_in' }).changes;
      return out === 1 && into === 1;
    },

    /**
     * Deletes the user's transfer and its legs (the caller holds the transaction); false when it is not theirs. The
     * legs are deleted first by statement, so the per-account totals' triggers see each one go.
     */
    deleteOwnedTransfer(userId: number, id: number): boolean {
      removeLegs.run(userId, id);
      return remove.run(userId, id).changes === 1;
    },
  };
}

export type TransfersRepo = ReturnType<typeof createTransfersRepo>;
