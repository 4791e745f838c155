import type { Frequency, Schedule, ScheduleDraft, ScheduleType } from '../../domain/schedules.ts';
import type { Db } from '../open.ts';

interface ScheduleRow {
  id: number;
  user_id: number;
  type: ScheduleType;
  account_id: number;
  to_account_id: number | null;
  category_id: number | null;
  amount_cents: number;
  description: string;
  frequency: Frequency;
  every: number;
  weekday: number | null;
  month_day: number | null;
  start_on: string;
  end_on: string | null;
  max_count: number | null;
  count_offset: number;
  effective_from: string;
  posted_through: string | null;
  next_on: string | null;
}

function toSchedule(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    type: row.type,
    accountId: row.account_id,
    toAccountId: row.to_account_id,
    categoryId: row.category_id,
    amountCents: row.amount_cents,
    description: row.description,
    rule: {
      frequency: row.frequency,
      interval: row.every,
      startOn: row.start_on,
      weekday: row.weekday,
      monthDay: row.month_day,
      endOn: row.end_on,
      maxCount: row.max_count,
      countOffset: row.count_offset,
    },
    effectiveFrom: row.effective_from,
    postedThrough: row.posted_through,
    nextOn: row.next_on,
  };
}

/** A schedule with the names a list shows. */
export interface ScheduleWithNames extends Schedule {
  readonly accountName: string;
  readonly toAccountName: string | null;
  readonly categoryName: string | null;
  /** The account it posts from, or the one a transfer goes to, is archived: it posts nothing until both are open. */
  readonly paused: boolean;
}

/** A schedule the poster may have work on, with its owner's time zone (null: the instance's). */
export interface DueSchedule {
  readonly schedule: Schedule;
  readonly userId: number;
  readonly timeZone: string | null;
  /** One of its accounts is archived (see ScheduleWithNames): nothing is posted, and it waits where it is. */
  readonly paused: boolean;
}

/** One handled occurrence, for a schedule's history. */
export interface HandledOccurrence {
  readonly occursOn: string;
  readonly outcome: 'posted' | 'skipped';
  readonly transactionId: number | null;
  readonly transferId: number | null;
}

const COLUMNS = `s.id, s.user_id, s.type, s.account_id, s.to_account_id, s.category_id, s.amount_cents, s.description,
  s.frequency, s.every, s.weekday, s.month_day, s.start_on, s.end_on, s.max_count, s.count_offset, s.effective_from, s.posted_through, s.next_on`;

/**
 * Statements on schedules and their handled occurrences; every user-facing one takes the owner's user id. The poster
 * reads across users (it serves them all) and writes each occurrence under the unique (schedule, day) key.
 */
export function createSchedulesRepo(db: Db) {
  const insert = db.prepare<[Record<string, unknown>]>(
    `INSERT INTO schedules (user_id, type, account_id, to_account_id, category_id, amount_cents, description, frequency, every,
                            weekday, month_day, start_on, end_on, max_count, count_offset, effective_from, posted_through, next_on, created_at, updated_at)
     VALUES (@userId, @type, @accountId, @toAccountId, @categoryId, @amountCents, @description, @frequency, @every,
             @weekday, @monthDay, @startOn, @endOn, @maxCount, @countOffset, @effectiveFrom, @postedThrough, @nextOn, @now, @now)`,
  );
  const update = db.prepare<[Record<string, unknown>]>(
    `UPDATE schedules SET type = @type, account_id = @accountId, to_account_id = @toAccountId, category_id = @categoryId,
            amount_cents = @amountCents, description = @description, frequency = @frequency, every = @every, weekday = @weekday,
            month_day = @monthDay, start_on = @startOn, end_on = @endOn, max_count = @maxCount, count_offset = @countOffset,
            effective_from = @effectiveFrom,
            posted_through = @postedThrough, next_on = @nextOn, updated_at = @now
      WHERE user_id = @userId AND id = @id`,
  );
  const pausedById = db.prepare<[number, number], number>(`SELECT (SELECT count(*) FROM accounts pa WHERE pa.id IN (s.account_id, s.to_account_id) AND pa.archived = 1) > 0 AS paused FROM schedules s WHERE s.user_id = ? AND s.id = ?`).pluck();
  const byId = db.prepare<[number, number], ScheduleRow>(`SELECT ${COLUMNS} FROM schedules s WHERE s.user_id = ? AND s.id = ?`);
  const listWithNames = db.prepare<[number], ScheduleRow & { account_name: string; to_account_name: string | null; category_name: string | null; paused: number }>(
    `SELECT ${COLUMNS}, a.name AS account_name, t.name AS to_account_name, c.name AS category_name,
            a.archived OR coalesce(t.archived, 0) AS paused
       FROM schedules s
       JOIN accounts a ON a.id = s.account_id
       LEFT JOIN accounts t ON t.id = s.to_account_id
       LEFT JOIN categories c ON c.id = s.category_id
      WHERE s.user_id = ?
      ORDER BY s.next_on IS NULL, s.next_on, s.id`,
  );
  const remove = db.prepare<[number, number]>('DELETE FROM schedules WHERE user_id = ? AND id = ?');
  // For the confirmations of a category's deletion (its schedules become uncategorised) and an account's (its
  // schedules, from or to it, are deleted with it).
  const inCategory = db.prepare<[number, number], number>('SELECT count(*) FROM schedules WHERE user_id = ? AND category_id = ?').pluck();
  const onAccount = db.prepare<[number, number, number], number>('SELECT count(*) FROM schedules WHERE user_id = ? AND (account_id = ? OR to_account_id = ?)').pluck();
  // Keyset over (next_on, id), so schedules not yet due in their owner's zone never hide due ones behind a LIMIT.
  const due = db.prepare<[string, string, string, number, number], ScheduleRow & { time_zone: string | null; paused: number }>(
    `SELECT ${COLUMNS}, u.time_zone, (SELECT count(*) FROM accounts pa WHERE pa.id IN (s.account_id, s.to_account_id) AND pa.archived = 1) > 0 AS paused FROM schedules s JOIN users u ON u.id = s.user_id
      WHERE s.next_on IS NOT NULL AND s.next_on <= ? AND (s.next_on > ? OR (s.next_on = ? AND s.id > ?))
      ORDER BY s.next_on, s.id LIMIT ?`,
  );
  const dueOfUser = db.prepare<[number, number], ScheduleRow & { time_zone: string | null; paused: number }>(
    `SELECT ${COLUMNS}, u.time_zone, (SELECT count(*) FROM accounts pa WHERE pa.id IN (s.account_id, s.to_account_id) AND pa.archived = 1) > 0 AS paused FROM schedules s JOIN users u ON u.id = s.user_id WHERE s.user_id = ? AND s.id = ?`,
  );
  const insertOccurrence = db.prepare<[number, string, number, string, number]>(
    `INSERT INTO schedule_occurrences (schedule_id, occurs_on, user_id, outcome, handled_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (schedule_id, occurs_on) DO NOTHING`,
  );
  const setTarget = db.prepare<[number | null, number | null, number, number, string]>(
    'UPDATE schedule_occurrences SET transaction_id = ?, transfer_id = ? WHERE user_id = ? AND schedule_id = ? AND occurs_on = ?',
  );
  // The occurrences an import recorded (on rows bearing its mark), with their schedule's present rule: an import
  // undone gives each back (see the import service's undo).
  const occurrencesOfRows = db.prepare<[number, number, number, number, number], { schedule_id: number; occurs_on: string }>(
    `SELECT schedule_id, occurs_on FROM schedule_occurrences
      WHERE user_id = ? AND transaction_id IN (SELECT id FROM transactions WHERE id BETWEEN ? AND ? AND user_id = ? AND import_job = ?)`,
  );
  const markRecorded = db.prepare<[number, number, string]>('UPDATE schedule_occurrences SET recorded = 1 WHERE user_id = ? AND schedule_id = ? AND occurs_on = ?');
  // What a schedule wrote itself: the rows of its posted occurrences that were not recorded before it (typed, or from a
  // bank file: those carry an import key), each with whether a statement reconciled it (a transfer: either leg).
  const postedOccurrences = db.prepare<[number, number], { transaction_id: number | null; transfer_id: number | null; recorded: number }>(
    `SELECT transaction_id, transfer_id, recorded FROM schedule_occurrences
      WHERE user_id = ? AND schedule_id = ? AND outcome = 'posted' AND (transaction_id IS NOT NULL OR transfer_id IS NOT NULL)`,
  );
  // Each occurrence's row (or a transfer's legs) looked up by its own key: one correlated search over the person's
  // whole history per occurrence took 41 s for three years of rent beside 300,000 rows.
  const rowFacts = db.prepare<[number, number], { reconciled: number; imported: number }>(
    `SELECT status = 'reconciled' AS reconciled, (import_key IS NOT NULL OR import_job IS NOT NULL) AS imported
       FROM transactions WHERE id = ? AND user_id = ?`,
  );
  const legFacts = db.prepare<[number, number], { reconciled: number | null; imported: number | null }>(
    `SELECT max(status = 'reconciled') AS reconciled, max(import_key IS NOT NULL OR import_job IS NOT NULL) AS imported
       FROM transactions INDEXED BY transactions_by_transfer WHERE transfer_id = ? AND user_id = ?`,
  );
  const removeWrittenRow = db.prepare<[number, number]>("DELETE FROM transactions WHERE user_id = ? AND id = ? AND status <> 'reconciled' AND transfer_id IS NULL");
  const forgetOccurrence = db.prepare<[number, number, string]>('DELETE FROM schedule_occurrences WHERE user_id = ? AND schedule_id = ? AND occurs_on = ?');
  const skipOccurrence = db.prepare<[number, number, string]>(
    "UPDATE schedule_occurrences SET outcome = 'skipped', transaction_id = NULL, transfer_id = NULL WHERE user_id = ? AND schedule_id = ? AND occurs_on = ?",
  );
  const rewind = db.prepare<[string, string, number, number, string]>(
    'UPDATE schedules SET next_on = ?, posted_through = ? WHERE user_id = ? AND id = ? AND (next_on IS NULL OR next_on > ?)',
  );
  const insertRow = db.prepare<[number, number, string, number, string, string, number | null, number, string | null]>(
    `INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description, category_id, schedule_id, import_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const linkLegs = db.prepare<[number, number, number]>('UPDATE transactions SET schedule_id = ? WHERE user_id = ? AND transfer_id = ?');
  const linkRow = db.prepare<[number, number, number]>('UPDATE transactions SET schedule_id = ? WHERE user_id = ? AND id = ? AND schedule_id IS NULL');
  // Rows a new schedule may find already recorded: the account's days, through its date index.
  const unlinkedRows = db.prepare<[number, string, string, number, string, number], { id: number; occurred_on: string }>(
    `SELECT id, occurred_on FROM transactions INDEXED BY transactions_by_account_date
      WHERE account_id = ? AND occurred_on BETWEEN ? AND ? AND user_id = ? AND type = ? AND amount_cents = ?
        AND schedule_id IS NULL AND transfer_id IS NULL
      ORDER BY occurred_on DESC, id DESC`,
  );
  const unlinkedTransfers = db.prepare<[number, string, string, number, number, number], { id: number; occurred_on: string }>(
    `SELECT o.transfer_id AS id, o.occurred_on FROM transactions o INDEXED BY transactions_transfer_legs_by_account
      WHERE o.account_id = ? AND o.occurred_on BETWEEN ? AND ? AND o.user_id = ? AND o.type = 'transfer_out' AND o.amount_cents = ?
        AND o.schedule_id IS NULL
        AND EXISTS (SELECT 1 FROM transactions i WHERE i.user_id = o.user_id AND i.transfer_id = o.transfer_id AND i.type = 'transfer_in' AND i.account_id = ?)
      ORDER BY o.occurred_on DESC, o.id DESC`,
  );
  const advance = db.prepare<[string, string | null, number, number]>('UPDATE schedules SET posted_through = ?, next_on = ? WHERE user_id = ? AND id = ?');
  const handledFrom = db
    .prepare<[number, number, string, number], string>(
      'SELECT occurs_on FROM schedule_occurrences WHERE user_id = ? AND schedule_id = ? AND occurs_on >= ? ORDER BY occurs_on LIMIT ?',
    )
    .pluck();
  const handledInRange = db.prepare<[number, string, string], { schedule_id: number; occurs_on: string }>(
    'SELECT schedule_id, occurs_on FROM schedule_occurrences WHERE user_id = ? AND occurs_on BETWEEN ? AND ?',
  );
  const history = db.prepare<[number, number, number], { occurs_on: string; outcome: 'posted' | 'skipped'; transaction_id: number | null; transfer_id: number | null }>(
    `SELECT occurs_on, outcome, transaction_id, transfer_id FROM schedule_occurrences
      WHERE user_id = ? AND schedule_id = ? ORDER BY occurs_on DESC LIMIT ?`,
  );
  const handledBetween = db
    .prepare<[number, number, string, string], string>(
      'SELECT occurs_on FROM schedule_occurrences WHERE user_id = ? AND schedule_id = ? AND occurs_on BETWEEN ? AND ? ORDER BY occurs_on',
    )
    .pluck();
  const countHandled = db.prepare<[number, number], { posted: number | null; skipped: number | null }>(
    `SELECT sum(outcome = 'posted') AS posted, sum(outcome = 'skipped') AS skipped FROM schedule_occurrences
      WHERE user_id = ? AND schedule_id = ?`,
  );

  const postedRows = db.prepare<[number, string, string], { id: number; schedule_id: number; account_id: number; type: 'income' | 'expense'; amount_cents: number; occurred_on: string; description: string }>(
    // From the person's schedules to what each posted: SQLite otherwise walked every income and expense of the
    // range to find the few a schedule posted (133 ms for two years at 1,000,000 rows, against 0.01 ms).
    `SELECT t.id, t.schedule_id, t.account_id, t.type, t.amount_cents, t.occurred_on, s.description
       FROM schedules s CROSS JOIN transactions t INDEXED BY transactions_by_schedule ON t.schedule_id = s.id
      WHERE s.user_id = ? AND t.user_id = s.user_id AND t.schedule_id IS NOT NULL AND t.type IN ('income', 'expense') AND t.occurred_on BETWEEN ? AND ?`,
  );

  const params = (userId: number, draft: ScheduleDraft, state: { effectiveFrom: string; postedThrough: string | null; nextOn: string | null }, now: number) => ({
    userId,
    type: draft.type,
    accountId: draft.accountId,
    toAccountId: draft.toAccountId,
    categoryId: draft.categoryId,
    amountCents: draft.amountCents,
    description: draft.description,
    frequency: draft.rule.frequency,
    every: draft.rule.interval,
    weekday: draft.rule.weekday,
    monthDay: draft.rule.monthDay,
    startOn: draft.rule.startOn,
    endOn: draft.rule.endOn,
    maxCount: draft.rule.maxCount,
    countOffset: draft.rule.countOffset ?? 0,
    effectiveFrom: state.effectiveFrom,
    postedThrough: state.postedThrough,
    nextOn: state.nextOn,
    now,
  });

  return {
    /** The occurrences an import's rows were recorded as. */
    listImportedOccurrences(userId: number, fromId: number, toId: number, jobId: number): { scheduleId: number; occursOn: string }[] {
      return occurrencesOfRows.all(userId, fromId, toId, userId, jobId).map((o) => ({ scheduleId: o.schedule_id, occursOn: o.occurs_on }));
    },

    /** Forgets one handled occurrence of the user's schedule: it is no longer handled. */
    forgetOccurrence(userId: number, scheduleId: number, occursOn: string): void {
      forgetOccurrence.run(userId, scheduleId, occursOn);
    },

    /** Marks one handled occurrence of the user's schedule skipped, with no row of its own. */
    markOccurrenceSkipped(userId: number, scheduleId: number, occursOn: string): void {
      skipOccurrence.run(userId, scheduleId, occursOn);
    },

    /** Moves the user's schedule back to `nextOn` (handled through the day before), unless it is there or earlier. */
    rewindSchedule(userId: number, scheduleId: number, nextOn: string, postedThrough: string): void {
      rewind.run(nextOn, postedThrough, userId, scheduleId, nextOn);
    },

    /** Stores a new schedule; returns its id. */
    insertSchedule(userId: number, draft: ScheduleDraft, state: { effectiveFrom: string; nextOn: string | null }, now: number): number {
      return Number(insert.run(params(userId, draft, { ...state, postedThrough: null }, now)).lastInsertRowid);
    },

    /** Rewrites the user's schedule; false when it is not theirs. */
    updateSchedule(
      userId: number,
      id: number,
      draft: ScheduleDraft,
      state: { effectiveFrom: string; postedThrough: string | null; nextOn: string | null },
      now: number,
    ): boolean {
      return update.run({ ...params(userId, draft, state, now), id }).changes === 1;
    },

    /** The user's schedule, or undefined when it is not theirs. */
    findOwnedSchedule(userId: number, id: number): Schedule | undefined {
      const row = byId.get(userId, id);
      return row && toSchedule(row);
    },

    /** Whether the user's schedule is paused: an account it posts from, or to, is archived. */
    isSchedulePaused(userId: number, id: number): boolean {
      return pausedById.get(userId, id) === 1;
    },

    /** The user's schedules, next due first, ended ones last, with account and category names. */
    listSchedules(userId: number): ScheduleWithNames[] {
      return listWithNames.all(userId).map((r) => ({
        ...toSchedule(r),
        accountName: r.account_name,
        toAccountName: r.to_account_name,
        categoryName: r.category_name,
        paused: r.paused === 1,
      }));
    },

    /** How many of the user's schedules set this category. */
    countSchedulesInCategory(userId: number, categoryId: number): number {
      return inCategory.get(userId, categoryId) ?? 0;
    },

    /** How many of the user's schedules move money from or to this account. */
    countSchedulesOnAccount(userId: number, accountId: number): number {
      return onAccount.get(userId, accountId, accountId) ?? 0;
    },

    /** Deletes the user's schedule; what it posted stays (schedule_id becomes NULL). */
    deleteOwnedSchedule(userId: number, id: number): boolean {
      return remove.run(userId, id).changes === 1;
    },

    /** Schedules of every user whose next occurrence is on or before a day, after a keyset position. */
    listDueSchedules(upTo: string, after: { nextOn: string; id: number } | null, limit: number): DueSchedule[] {
      const from = after ?? { nextOn: '', id: 0 };
      return due.all(upTo, from.nextOn, from.nextOn, from.id, limit).map((r) => ({ schedule: toSchedule(r), userId: r.user_id, timeZone: r.time_zone, paused: r.paused === 1 }));
    },

    /** One of the user's schedules with the owner's zone, read afresh inside the posting transaction. */
    findScheduleForPosting(userId: number, id: number): DueSchedule | undefined {
      const row = dueOfUser.get(userId, id);
      return row && { schedule: toSchedule(row), userId: row.user_id, timeZone: row.time_zone, paused: row.paused === 1 };
    },

    /** Claims an occurrence; false when it was posted or skipped already (the unique key decides). */
    claimOccurrence(userId: number, scheduleId: number, occursOn: string, outcome: 'posted' | 'skipped', now: number): boolean {
      return insertOccurrence.run(scheduleId, occursOn, userId, outcome, now).changes === 1;
    },

    /** Marks a posted occurrence as a row recorded before its schedule took it (the person's own, not the schedule's). */
    markOccurrenceRecorded(userId: number, scheduleId: number, occursOn: string): void {
      markRecorded.run(userId, scheduleId, occursOn);
    },

    /**
     * The rows the user's schedule wrote itself (see writtenRows): those no statement reconciled, as incomes and
     * expenses and as transfers, and how many it wrote are reconciled and how many rows it took were recorded already.
     */
    listWrittenRows(userId: number, scheduleId: number): { transactionIds: number[]; transferIds: number[]; reconciled: number; recorded: number } {
      const out = { transactionIds: [] as number[], transferIds: [] as number[], reconciled: 0, recorded: 0 };
      for (const occurrence of postedOccurrences.all(userId, scheduleId)) {
        // What the schedule wrote itself is neither recorded before it (typed, or from a bank file: those carry an
        // import key or an import's mark) nor reconciled by a statement (a transfer: either leg).
        const own = occurrence.transaction_id === null ? undefined : rowFacts.get(occurrence.transaction_id, userId);
        const legs = occurrence.transfer_id === null ? undefined : legFacts.get(occurrence.transfer_id, userId);
        const row = {
          transaction_id: occurrence.transaction_id,
          transfer_id: occurrence.transfer_id,
          recorded: occurrence.recorded === 1 || own?.imported === 1 || legs?.imported === 1,
          reconciled: own?.reconciled === 1 || legs?.reconciled === 1,
        };
        if (row.recorded) out.recorded++;
        else if (row.reconciled) out.reconciled++;
        else if (row.transfer_id !== null) out.transferIds.push(row.transfer_id);
        else if (row.transaction_id !== null) out.transactionIds.push(row.transaction_id);
      }
      return out;
    },

    /** Deletes an income or expense of the user's that no statement reconciled (a schedule's own row); false when not. */
    deleteWrittenTransaction(userId: number, id: number): boolean {
      return removeWrittenRow.run(userId, id).changes === 1;
    },

    /** Records what a posted occurrence wrote. */
    setOccurrenceTarget(userId: number, scheduleId: number, occursOn: string, target: { transactionId: number } | { transferId: number }): void {
      setTarget.run('transactionId' in target ? target.transactionId : null, 'transferId' in target ? target.transferId : null, userId, scheduleId, occursOn);
    },

    /** Writes an income or expense posted by a schedule; returns its id. */
    insertScheduledTransaction(
      userId: number,
      scheduleId: number,
      row: { accountId: number; type: 'income' | 'expense'; amountCents: number; occurredOn: string; description: string; categoryId: number | null; importKey?: string | null },
    ): number {
      return Number(insertRow.run(userId, row.accountId, row.type, row.amountCents, row.occurredOn, row.description, row.categoryId, scheduleId, row.importKey ?? null).lastInsertRowid);
    },

    /**
     * The user's rows no schedule posted, of an account, type and amount, between two days (a transfer's by its id,
     * from `accountId` to `toAccountId`): what a new schedule starting in the past may find already recorded.
     */
    listUnlinkedRows(
      userId: number,
      row: { accountId: number; toAccountId: number | null; type: 'income' | 'expense' | 'transfer'; amountCents: number; fromOn: string; toOn: string },
    ): { id: number; on: string }[] {
      const found =
        row.type === 'transfer'
          ? unlinkedTransfers.all(row.accountId, row.fromOn, row.toOn, userId, row.amountCents, row.toAccountId ?? 0)
          : unlinkedRows.all(row.accountId, row.fromOn, row.toOn, userId, row.type, row.amountCents);
      return found.map((r) => ({ id: r.id, on: r.occurred_on }));
    },

    /** Marks a row recorded before its schedule existed as posted by it (not one another schedule posted). */
    linkTransactionToSchedule(userId: number, transactionId: number, scheduleId: number): void {
      linkRow.run(scheduleId, userId, transactionId);
    },

    /** Marks both legs of a transfer as posted by a schedule. */
    linkTransferToSchedule(userId: number, transferId: number, scheduleId: number): void {
      linkLegs.run(scheduleId, userId, transferId);
    },

    /** Moves a schedule's posting position on. */
    advanceSchedule(userId: number, id: number, postedThrough: string, nextOn: string | null): void {
      advance.run(postedThrough, nextOn, userId, id);
    },

    /** `schedule:day` of every occurrence of the user handled in a range of days. */
    /** The first `limit` days from `fromOn` on which one of the user's schedules has an occurrence posted or skipped. */
    handledOccurrencesFrom(userId: number, scheduleId: number, fromOn: string, limit: number): string[] {
      return handledFrom.all(userId, scheduleId, fromOn, limit);
    },

    handledOccurrences(userId: number, fromOn: string, toOn: string): Set<string> {
      return new Set(handledInRange.all(userId, fromOn, toOn).map((r) => `${r.schedule_id}:${r.occurs_on}`));
    },

    /** The income and expenses the user's schedules posted between two days, for matching imported rows. */
    listPostedScheduledRows(
      userId: number,
      fromOn: string,
      toOn: string,
    ): { transactionId: number; scheduleId: number; accountId: number; type: 'income' | 'expense'; amountCents: number; occurredOn: string; description: string }[] {
      return postedRows.all(userId, fromOn, toOn).map((r) => ({
        transactionId: r.id,
        scheduleId: r.schedule_id,
        accountId: r.account_id,
        type: r.type,
        amountCents: r.amount_cents,
        occurredOn: r.occurred_on,
        description: r.description,
      }));
    },

    /** The latest handled occurrences of the user's schedule. */
    listHandledOccurrences(userId: number, scheduleId: number, limit: number): HandledOccurrence[] {
      return history.all(userId, scheduleId, limit).map((r) => ({ occursOn: r.occurs_on, outcome: r.outcome, transactionId: r.transaction_id, transferId: r.transfer_id }));
    },

    /** The days of the user's schedule posted or skipped between two days (inclusive), in order. */
    handledDaysBetween(userId: number, scheduleId: number, fromOn: string, toOn: string): string[] {
      return handledBetween.all(userId, scheduleId, fromOn, toOn);
    },

    /** How many occurrences of the user's schedule were posted and skipped. */
    countHandledOccurrences(userId: number, scheduleId: number): { posted: number; skipped: number } {
      const row = countHandled.get(userId, scheduleId);
      return { posted: row?.posted ?? 0, skipped: row?.skipped ?? 0 };
    },
  };
}

export type SchedulesRepo = ReturnType<typeof createSchedulesRepo>;
