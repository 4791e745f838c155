import { stringify } from 'csv-stringify/sync';
import type { Clock } from '../clock.ts';
import { neutraliseCsvCell } from '../domain/imports.ts';
import { centsToDecimalString, isTotalsTooLarge } from '../domain/money.ts';
import type { AccountsRepo } from '../db/repos/accounts.ts';
import type { CategoriesRepo } from '../db/repos/categories.ts';
import type { DueSchedule, HandledOccurrence, SchedulesRepo, ScheduleWithNames } from '../db/repos/schedules.ts';
import type { TransfersRepo } from '../db/repos/transfers.ts';
import type { JobRunner } from '../jobs/runner.ts';
import type { RunInTransaction } from '../db/unit-of-work.ts';
import type { Account } from '../domain/accounts.ts';
import { addDays, dayAt, zoneResolver } from '../domain/calendar.ts';
import type { Category } from '../domain/categories.ts';
import {
  closestWithinWindow,
  countOffsetFor,
  earliestPeriodStart,
  editedRuleStart,
  latestPeriodEnd,
  isOccurrence,
  isServedElsewhere,
  periodOf,
  matchKey,
  matchWindow,
  pairOccurrencesWithRows,
  takeoverWindowDays,
  pendingOccurrencesNear,
  type MatchableRow,
  nextOccurrenceAfter,
  nextOccurrenceFrom,
  occurrencesBetween,
  startingFrom,
  type Schedule,
  type ScheduleDraft,
  type ScheduleType,
} from '../domain/schedules.ts';

/** The job kind of the poster. */
export const POST_SCHEDULED_JOB = 'post-scheduled';
/** How often the poster looks for due occurrences (a new day begins somewhere every 15 minutes or so). */
const POST_EVERY_MS = 60_000;
/**
 * Occurrences posted per database transaction. Each batch is one write lock and one fsync; between batches the
 * poster yields, so page requests wait at most one batch, never a whole catch-up. On the bench's 1M database a batch
 * of 100 held the loop up to 56-58 ms (page p99 40-47 ms while posting); 70 held it 41-48 ms (p99 30-39 ms), and the
 * 10,000-occurrence catch-up took 1.8-2.05 s instead of 1.7-1.9: fewer fsyncs matter less than a page's wait.
 */
export const POST_BATCH = 70;
/**
 * The first batch of a catch-up: batches start this small and double up to POST_BATCH, since the first ones a
 * process runs are its slowest per occurrence (code not yet compiled, pages not yet cached).
 */
const FIRST_POST_BATCH = 10;
/**
 * The most occurrences saving a schedule posts itself (a start in the past catches up at once, while the form's
 * request waits); the poster takes the rest. Its own number, not a multiple of POST_BATCH: tuning the poster's batches
 * must not change what a save does.
 */
const POST_ON_SAVE = 400;
/** Occurrences handled ahead of a schedule's position that the list looks past: more than a year of daily ones. */
const HANDLED_AHEAD = 400;
/** The furthest-ahead zone: no one's today is later than today there, so nothing due anywhere is missed. */
const EARLIEST_ZONE = 'Etc/GMT-14';
/** Days ahead the dashboard's upcoming list covers. */
export const UPCOMING_DAYS = 30;

/** Why a schedule cannot be saved, field by field. */
export interface ScheduleProblems {
  readonly account?: 'not-found' | 'archived';
  readonly toAccount?: 'not-found' | 'archived' | 'same-account' | 'missing';
  readonly category?: { code: 'not-found' } | { code: 'wrong-kind'; category: Category };
  /**
   * An edit found more past occurrences due under the present rule than one save posts (a start date years back):
   * `posted` of them were posted, the poster does the rest in the background, and the edit waits until they are.
   */
  readonly backlog?: { posted: number };
  /** A new schedule whose start is so far back that more than `max` occurrences would be due at once. */
  readonly startOn?: { code: 'too-far-back'; max: number };
}

/**
 * The most occurrences a new schedule may have due at once (its start in the past): ten years of a daily one. A
 * daily schedule begun in 1900 is 46,000 rows, and twenty such made the poster write 928,000 rows for one person in
 * minutes; with at most 500 schedules a person, creating them can now make at most 1.8 million. Older rows are for
 * an import; after downtime the poster still catches up whatever is due.
 */
export const MAX_CATCH_UP_ON_CREATE = 3660;

/** Thrown inside a new schedule's transaction to take it back whole. */
class TooFarBack extends Error {}

/** What saving a new schedule would post at once (see previewCreate). */
export interface CreatePreview {
  readonly ok: true;
  /** Occurrences due from its start to today. */
  readonly due: number;
  /** Of those, how many rows already recorded would be taken as. */
  readonly found: number;
  /** And how many would be posted now (or by the poster, beyond what one save posts), and their total. */
  readonly toPost: number;
  readonly totalCents: number;
  readonly firstOn: string | null;
  readonly lastOn: string | null;
  /** The owner's today, and the rule's first occurrence from today on (where "start from today" starts it). */
  readonly today: string;
  readonly fromToday: string;
}

/** Thrown inside a previewed save, carrying what it would do, so the transaction goes back whole. */
class PreviewOnly extends Error {
  constructor(readonly preview: CreatePreview) {
    super('preview only');
  }
}

/** A saved schedule: how many occurrences it posted, and (a new one) how many it found already recorded and took as its own. */
export type ScheduleSave = { ok: true; id: number; posted: number; found?: number } | { ok: false; problems: ScheduleProblems } | { ok: false; problems: 'not-found' };

/** One occurrence still to come (or due and not yet posted) of one schedule. */
export interface UpcomingOccurrence {
  readonly scheduleId: number;
  readonly occursOn: string;
  readonly type: ScheduleType;
  readonly amountCents: number;
  readonly description: string;
  readonly accountName: string;
  readonly toAccountName: string | null;
  readonly categoryName: string | null;
}

/** What happened to a request to post or skip one occurrence. */
export type OccurrenceAction = 'done' | 'not-found' | 'not-an-occurrence' | 'already-handled' | 'paused';

/**
 * Scheduled transactions: the schedules a person keeps, the poster that turns each due occurrence into a normal
 * transaction (or transfer) on its day in the owner's zone, exactly once, and the upcoming list.
 */
export function createScheduleService(deps: {
  schedules: SchedulesRepo;
  accounts: AccountsRepo;
  categories: CategoriesRepo;
  transfers: TransfersRepo;
  inTransaction: RunInTransaction;
  clock: Clock;
  /** The instance's zone, for people who chose none. */
  defaultTimeZone: string;
}) {
  const repo = deps.schedules;
  const zoneOf = zoneResolver(deps.defaultTimeZone);

  /** Today in the schedule owner's zone (the instance's when they chose none or chose one that no longer exists). */
  function todayFor(timeZone: string | null, now: number): string {
    return dayAt(now, zoneOf(timeZone));
  }

  /**
   * Takes rows recorded before the schedule existed as its past occurrences (the caller holds the transaction): for
   * each day due, the person's row of the same account (and other account), type and amount within the match window,
   * posted by no schedule, claimed as that occurrence. A schedule for the rent of the months just imported from a bank
   * otherwise posted every one of them again. Returns the days taken.
   */
  function takeRecordedOccurrences(userId: number, schedule: Schedule, dueDays: readonly string[], today: string, now: number): string[] {
    const taken: string[] = [];
    for (const { occursOn, row } of recordedOccurrences(userId, schedule, dueDays, today)) {
      if (!repo.claimOccurrence(userId, schedule.id, occursOn, 'posted', now)) continue;
      // The row is the person's own: deleting the schedule with the rows it posted leaves it.
      repo.markOccurrenceRecorded(userId, schedule.id, occursOn);
      if (schedule.type === 'transfer') {
        repo.linkTransferToSchedule(userId, row.id, schedule.id);
        repo.setOccurrenceTarget(userId, schedule.id, occursOn, { transferId: row.id });
      } else {
        repo.linkTransactionToSchedule(userId, row.id, schedule.id);
        repo.setOccurrenceTarget(userId, schedule.id, occursOn, { transactionId: row.id });
      }
      taken.push(occursOn);
    }
    return taken;
  }

  /** The due days of a new schedule that rows already recorded would be taken as (see takeRecordedOccurrences); reads only. */
  function recordedOccurrences(userId: number, schedule: Schedule, dueDays: readonly string[], today: string): { occursOn: string; row: { id: number } }[] {
    if (dueDays.length === 0) return [];
    const window = takeoverWindowDays(schedule.rule);
    const last = addDays(dueDays.at(-1)!, window);
    // Rows dated after today are later plans, not a past occurrence's record.
    const rows = repo.listUnlinkedRows(userId, {
      accountId: schedule.accountId,
      toAccountId: schedule.toAccountId,
      type: schedule.type,
      amountCents: schedule.amountCents,
      fromOn: addDays(dueDays[0]!, -window),
      toOn: last < today ? last : today,
    });
    return pairOccurrencesWithRows(dueDays, rows, window);
  }

  /** Writes the transaction (or transfer) of one claimed occurrence, dated `postedOn`, and links it. */
  function writeOccurrence(userId: number, schedule: Schedule, occursOn: string, postedOn: string): void {
    if (schedule.type === 'transfer') {
      const transferId = deps.transfers.createTransfer(userId, {
        fromAccountId: schedule.accountId,
        toAccountId: schedule.toAccountId!,
        amountCents: schedule.amountCents,
        occurredOn: postedOn,
        description: schedule.description,
      });
      repo.linkTransferToSchedule(userId, transferId, schedule.id);
      repo.setOccurrenceTarget(userId, schedule.id, occursOn, { transferId });
    } else {
      const transactionId = repo.insertScheduledTransaction(userId, schedule.id, {
        accountId: schedule.accountId,
        type: schedule.type,
        amountCents: schedule.amountCents,
        occurredOn: postedOn,
        description: schedule.description,
        categoryId: schedule.categoryId,
      });
      repo.setOccurrenceTarget(userId, schedule.id, occursOn, { transactionId });
    }
  }

  /**
   * Posts up to `budget` due occurrences of one schedule (the caller holds the transaction) and moves its position
   * on; returns how many occurrences it went through. Each is claimed under the unique (schedule, day) key first,
   * so one already posted (by another process, or by "post now") is passed over, never written twice.
   */
  function postScheduleDue(due: DueSchedule, today: string, budget: number, now: number): number {
    const { schedule, userId } = due;
    // An archived account takes no new transactions, a schedule's included: it waits, due, and posts what fell due
    // meanwhile once the account is brought back (as after downtime).
    if (due.paused || schedule.nextOn === null || schedule.nextOn > today) return 0;
    const days = occurrencesBetween(schedule.rule, schedule.nextOn, today, budget);
    // After an edit, a period may already have its occurrence (paid early, or on the old day): passed over.
    const handledNear = days.length === 0 || schedule.rule.frequency === 'days' ? [] : handledAround(userId, schedule, days[0]!, days.at(-1)!);
    for (const day of days) {
      if (isServedElsewhere(schedule.rule.frequency, day, handledNear)) continue;
      if (repo.claimOccurrence(userId, schedule.id, day, 'posted', now)) writeOccurrence(userId, schedule, day, day);
    }
    // Cut short by the budget: posted through the last one; otherwise every occurrence up to today is handled.
    const through = days.length === budget && days.length > 0 ? days.at(-1)! : today;
    repo.advanceSchedule(userId, schedule.id, through, nextOccurrenceAfter(schedule.rule, through));
    return days.length;
  }

  /** The days handled (posted or skipped) of one schedule in the periods from `first`'s to `last`'s. */
  function handledAround(userId: number, schedule: Schedule, first: string, last: string): string[] {
    return repo.handledDaysBetween(userId, schedule.id, periodOf(schedule.rule.frequency, first).from, periodOf(schedule.rule.frequency, last).to);
  }

  /**
   * The user's schedules, each with `nextOn` as the person reads it: the next occurrence still to come. The stored
   * position is where the poster goes on from, and stays on an occurrence posted early ("Post now") or skipped until
   * its day passes; the list showed that day as next while the coming days beside it no longer held it.
   */
  function listWithPendingNext(userId: number): ScheduleWithNames[] {
    const listed = repo.listSchedules(userId).map((s) => withPendingNext(userId, s));
    // In the order the stored list has (soonest first, ended last), by the day now shown.
    const day = (s: ScheduleWithNames) => s.nextOn ?? '\uffff';
    return listed.sort((a, b) => (day(a) < day(b) ? -1 : day(a) > day(b) ? 1 : a.id - b.id));
  }

  /** A schedule with `nextOn` moved past the occurrences already posted early or skipped (see listWithPendingNext). */
  function withPendingNext<T extends Schedule>(userId: number, s: T): T {
    if (s.nextOn === null) return s;
    const handledDays = repo.handledOccurrencesFrom(userId, s.id, periodOf(s.rule.frequency, s.nextOn).from, HANDLED_AHEAD);
    const handled = new Set(handledDays);
    let next: string | null = s.nextOn;
    while (next !== null && (handled.has(next) || isServedElsewhere(s.rule.frequency, next, handledDays))) next = nextOccurrenceAfter(s.rule, next);
    return next === s.nextOn ? s : { ...s, nextOn: next };
  }

  /** Checks a draft's accounts and category against the user's own; undefined when all is well. */
  function draftProblems(userId: number, draft: ScheduleDraft, existing?: Schedule): ScheduleProblems | undefined {
    const problems: { -readonly [K in keyof ScheduleProblems]: ScheduleProblems[K] } = {};
    const account = deps.accounts.findOwnedAccount(userId, draft.accountId);
    const usable = (a: Account | undefined, keeping: number | null | undefined) =>
      !a ? 'not-found' : a.archived && a.id !== keeping ? 'archived' : undefined;
    const accountProblem = usable(account, existing?.accountId);
    if (accountProblem) problems.account = accountProblem;
    if (draft.type === 'transfer') {
      if (draft.toAccountId === null) problems.toAccount = 'missing';
      else if (draft.toAccountId === draft.accountId) problems.toAccount = 'same-account';
      else {
        const toProblem = usable(deps.accounts.findOwnedAccount(userId, draft.toAccountId), existing?.toAccountId);
        if (toProblem) problems.toAccount = toProblem;
      }
    } else if (draft.categoryId !== null) {
      const category = deps.categories.findOwnedCategory(userId, draft.categoryId);
      // An income may take an expense category (a refund), as on the transaction form.
      if (!category) problems.category = { code: 'not-found' };
      else if (draft.type === 'expense' && category.kind === 'income') problems.category = { code: 'wrong-kind', category };
    }
    return Object.keys(problems).length > 0 ? problems : undefined;
  }

  /** A transfer carries no category and a non-transfer no receiving account, whatever the form sent. */
  function tidy(draft: ScheduleDraft): ScheduleDraft {
    return draft.type === 'transfer' ? { ...draft, categoryId: null } : { ...draft, toAccountId: null };
  }

  /**
   * A new schedule's save (see create), or with `preview` the same work up to the posting, then taken back whole: what
   * it would post, counted by the same rules.
   */
  function createNow(userId: number, input: ScheduleDraft, mode: 'save' | 'preview'): ScheduleSave | CreatePreview {
    const draft = tidy(input);
    const now = deps.clock.now();
    try {
      return deps.inTransaction(() => {
        const problems = draftProblems(userId, draft);
        if (problems) return { ok: false, problems };
        const effectiveFrom = draft.rule.startOn;
        const id = repo.insertSchedule(userId, draft, { effectiveFrom, nextOn: nextOccurrenceFrom(draft.rule, effectiveFrom, effectiveFrom) }, now);
        // Counted once stored, by the owner's today: the whole transaction goes back when it is too many.
        const stored = repo.findScheduleForPosting(userId, id)!;
        const today = todayFor(stored.timeZone, now);
        const dueDays = occurrencesBetween(stored.schedule.rule, effectiveFrom, today, MAX_CATCH_UP_ON_CREATE + 1);
        if (dueDays.length > MAX_CATCH_UP_ON_CREATE) throw new TooFarBack();
        if (mode === 'preview') {
          const found = recordedOccurrences(userId, stored.schedule, dueDays, today).length;
          const toPost = dueDays.length - found;
          throw new PreviewOnly({
            ok: true,
            due: dueDays.length,
            found,
            toPost,
            totalCents: toPost * draft.amountCents,
            firstOn: dueDays[0] ?? null,
            lastOn: dueDays.at(-1) ?? null,
            today,
            // A start moved to today keeps the rule's days: its first occurrence then.
            fromToday: startingFrom(draft.rule, today).startOn,
          });
        }
        const found = takeRecordedOccurrences(userId, stored.schedule, dueDays, today, now);
        // The occurrences the save went through, those found among them not posted again.
        const through = postAllDueOf(userId, id, now, POST_ON_SAVE);
        const foundThrough = new Set(dueDays.slice(0, through));
        return { ok: true, id, posted: through - found.filter((day) => foundThrough.has(day)).length, found: found.length };
      });
    } catch (err) {
      if (err instanceof TooFarBack) return { ok: false, problems: { startOn: { code: 'too-far-back', max: MAX_CATCH_UP_ON_CREATE } } };
      if (err instanceof PreviewOnly) return err.preview;
      throw err;
    }
  }

  /** Posts every due occurrence of one of the user's schedules, in batches inside the caller's transaction. */
  function postAllDueOf(userId: number, scheduleId: number, now: number, limit: number): number {
    let posted = 0;
    for (;;) {
      const due = repo.findScheduleForPosting(userId, scheduleId);
      if (!due) return posted;
      const n = postScheduleDue(due, todayFor(due.timeZone, now), Math.min(POST_BATCH, limit - posted), now);
      posted += n;
      if (n < POST_BATCH || posted >= limit) return posted;
    }
  }

  const service = {
    /** The user's schedules, next due first, with names. */
    list(userId: number): ScheduleWithNames[] {
      return listWithPendingNext(userId);
    },

    /**
     * Every schedule of the user as CSV: its reference (S and the id, as the transactions export marks the rows it
     * posted), what it posts, its rule and where posting stands; formula-safe like the transactions export.
     */
    exportCsv(userId: number): string {
      const header = ['schedule', 'type', 'account', 'to_account', 'category', 'amount', 'description', 'frequency', 'every', 'weekday', 'month_day', 'start', 'end', 'count', 'next'];
      const text = (v: string | number | null) => (v === null ? '' : String(v));
      const rows = listWithPendingNext(userId).map((s) => [
        `S${s.id}`,
        s.type,
        neutraliseCsvCell(s.accountName),
        neutraliseCsvCell(s.toAccountName ?? ''),
        neutraliseCsvCell(s.categoryName ?? ''),
        centsToDecimalString(s.amountCents),
        neutraliseCsvCell(s.description),
        s.rule.frequency,
        text(s.rule.interval),
        text(s.rule.weekday),
        text(s.rule.monthDay),
        s.rule.startOn,
        text(s.rule.endOn),
        text(s.rule.maxCount),
        text(s.nextOn),
      ]);
      return stringify([header, ...rows], { record_delimiter: '\r\n' });
    },

    /** The user's schedule, with `nextOn` as the list shows it (the next occurrence still to come), or undefined. */
    find(userId: number, id: number): (Schedule & { paused: boolean }) | undefined {
      const schedule = repo.findOwnedSchedule(userId, id);
      return schedule && { ...withPendingNext(userId, schedule), paused: repo.isSchedulePaused(userId, id) };
    },

    /** The user's schedule with its latest handled occurrences and counts, or undefined. */
    details(userId: number, id: number): { schedule: Schedule; history: HandledOccurrence[]; counts: { posted: number; skipped: number } } | undefined {
      const schedule = repo.findOwnedSchedule(userId, id);
      if (!schedule) return undefined;
      return { schedule, history: repo.listHandledOccurrences(userId, id, 24), counts: repo.countHandledOccurrences(userId, id) };
    },

    /** Choices for the form: the user's accounts and categories. */
    choices(userId: number): { accounts: Account[]; categories: Category[] } {
      return { accounts: deps.accounts.listAccounts(userId), categories: deps.categories.listCategoriesForUser(userId) };
    },

    /**
     * Creates a schedule and posts the occurrences already due (a start in the past catches up at once), up to a
     * few batches; anything beyond is left to the poster. Says how many it posted.
     */
    create(userId: number, input: ScheduleDraft): ScheduleSave {
      return createNow(userId, input, 'save') as ScheduleSave;
    },

    /**
     * What saving a new schedule would do, before anything is saved: how many of its occurrences are due already (a
     * start in the past), how many of those rows already recorded would be taken as, and how many would be posted and
     * their total. The same checks as a save; nothing is written.
     */
    previewCreate(userId: number, input: ScheduleDraft): CreatePreview | Extract<ScheduleSave, { ok: false }> {
      return createNow(userId, input, 'preview') as CreatePreview | Extract<ScheduleSave, { ok: false }>;
    },

    /**
     * Changes a schedule. What is due under the old rule is posted first, so an edit never drops or changes an
     * occurrence that was already due; the new rule then applies from the start of today's period (editedRuleStart),
     * passing over a period already served (isServedElsewhere), and one of its days already past in this period is
     * posted at once, as a new schedule's past days are. "N times" counts every occurrence handled, under any rule.
     */
    update(userId: number, id: number, input: ScheduleDraft): ScheduleSave {
      const draft = tidy(input);
      const now = deps.clock.now();
      return deps.inTransaction(() => {
        const existing = repo.findOwnedSchedule(userId, id);
        if (!existing) return { ok: false, problems: 'not-found' };
        const problems = draftProblems(userId, draft, existing);
        if (problems) return { ok: false, problems };
        // What is due under the old rule is posted first, at most one save's worth: a daily schedule begun decades
        // ago is tens of thousands of rows, which in one request held the database (and every other request) for
        // minutes. Those posted stay; the edit itself waits until the poster has caught up.
        let posted = postAllDueOf(userId, id, now, POST_ON_SAVE);
        const due = repo.findScheduleForPosting(userId, id)!;
        const today = todayFor(due.timeZone, now);
        if (due.schedule.nextOn !== null && due.schedule.nextOn <= today) return { ok: false, problems: { backlog: { posted } } };
        const effectiveFrom = editedRuleStart(draft.rule.frequency, today);
        // Every day handled so far counts towards "N times"; of those from this period on, the new rule steps over
        // the ones on its own days and in the periods they serve.
        const handledFrom = repo.handledDaysBetween(userId, id, effectiveFrom, '9999-12-31');
        const handledTotal = Object.values(repo.countHandledOccurrences(userId, id)).reduce((a, b) => a + b, 0);
        const taken = (day: string) => handledFrom.includes(day) || isServedElsewhere(draft.rule.frequency, day, handledFrom);
        const rule = { ...draft.rule, countOffset: countOffsetFor(draft.rule, effectiveFrom, (draft.rule.maxCount ?? 0) - handledTotal, taken) };
        const postedThrough = addDays(effectiveFrom, -1);
        repo.updateSchedule(userId, id, { ...draft, rule }, { effectiveFrom, postedThrough, nextOn: nextOccurrenceFrom(rule, effectiveFrom, effectiveFrom) }, now);
        // The new rule's occurrence this period whose day has passed (a rent moved to an earlier day) is due now.
        if (posted < POST_ON_SAVE) posted += postAllDueOf(userId, id, now, POST_ON_SAVE - posted);
        return { ok: true, id, posted };
      });
    },

    /**
     * What the schedule wrote itself, for its delete confirmation: how many of its rows (a transfer counts once) could
     * go with it, how many are reconciled and stay, and how many it took from rows recorded already (the person's own).
     */
    writtenRows(userId: number, id: number): { removable: number; reconciled: number; recorded: number } | undefined {
      if (!repo.findOwnedSchedule(userId, id)) return undefined;
      const rows = repo.listWrittenRows(userId, id);
      return { removable: rows.transactionIds.length + rows.transferIds.length, reconciled: rows.reconciled, recorded: rows.recorded };
    },

    /**
     * Deletes a schedule; the transactions it posted stay, unless `withRows`: then those it wrote itself go too, in the
     * same transaction, but for reconciled ones and rows it took from what was recorded already. Says how many went.
     */
    delete(userId: number, id: number, withRows = false): { schedule: Schedule; removedRows: number } | undefined {
      return deps.inTransaction(() => {
        const schedule = repo.findOwnedSchedule(userId, id);
        if (!schedule) return undefined;
        let removedRows = 0;
        if (withRows) {
          const rows = repo.listWrittenRows(userId, id);
          for (const txId of rows.transactionIds) if (repo.deleteWrittenTransaction(userId, txId)) removedRows++;
          for (const transferId of rows.transferIds) if (deps.transfers.deleteOwnedTransfer(userId, transferId)) removedRows++;
        }
        repo.deleteOwnedSchedule(userId, id);
        return { schedule, removedRows };
      });
    },

    /**
     * The user's occurrences not yet posted from today to `days` days after it, soonest first, and the
     * expected total of bills (expenses) and of income among them. Transfers are neither.
     */
    upcoming(userId: number, today: string, days = UPCOMING_DAYS): { occurrences: UpcomingOccurrence[]; billsCents: number; incomeCents: number } {
      const until = addDays(today, days);
      const occurrences: UpcomingOccurrence[] = [];
      // A paused schedule (an archived account) will not post: it is neither upcoming nor an expected bill.
      const schedules = repo.listSchedules(userId).filter((s) => !s.paused && s.nextOn !== null && s.nextOn <= until);
      if (schedules.length === 0) return { occurrences, billsCents: 0, incomeCents: 0 };
      // From today: a schedule still catching up (after downtime, or saved far in the past) has days before today
      // that the poster is about to post; they are not upcoming, and as bills they would be counted twice.
      const startOf = (s: (typeof schedules)[number]) => (s.nextOn! < today ? today : s.nextOn!);
      for (const s of schedules) {
        // Each schedule's handled days over its own periods only: a daily one reads its 31 days, not a year's.
        const days = handledAround(userId, s, startOf(s), until);
        for (const occursOn of occurrencesBetween(s.rule, startOf(s), until, 400)) {
          if (days.includes(occursOn) || isServedElsewhere(s.rule.frequency, occursOn, days)) continue;
          occurrences.push({
            scheduleId: s.id,
            occursOn,
            type: s.type,
            amountCents: s.amountCents,
            description: s.description,
            accountName: s.accountName,
            toAccountName: s.toAccountName,
            categoryName: s.categoryName,
          });
        }
      }
      occurrences.sort((a, b) => (a.occursOn < b.occursOn ? -1 : a.occursOn > b.occursOn ? 1 : a.scheduleId - b.scheduleId));
      const sum = (type: ScheduleType) => occurrences.filter((o) => o.type === type).reduce((total, o) => total + o.amountCents, 0);
      return { occurrences, billsCents: sum('expense'), incomeCents: sum('income') };
    },

    /**
     * Posts one occurrence now, dated today (paying a bill early, say), or skips it; either happens once. Only an
     * occurrence of the current rule that is not yet posted qualifies.
     */
    handleOccurrence(userId: number, scheduleId: number, occursOn: string, action: 'post' | 'skip'): OccurrenceAction {
      const now = deps.clock.now();
      return deps.inTransaction(() => {
        const due = repo.findScheduleForPosting(userId, scheduleId);
        if (!due) return 'not-found';
        if (due.paused && action === 'post') return 'paused';
        const { schedule } = due;
        const pending = occursOn >= schedule.effectiveFrom && (schedule.postedThrough === null || occursOn > schedule.postedThrough);
        if (!pending || !isOccurrence(schedule.rule, occursOn)) return 'not-an-occurrence';
        if (isServedElsewhere(schedule.rule.frequency, occursOn, handledAround(userId, schedule, occursOn, occursOn))) return 'already-handled';
        if (!repo.claimOccurrence(userId, scheduleId, occursOn, action === 'post' ? 'posted' : 'skipped', now)) return 'already-handled';
        if (action === 'post') writeOccurrence(userId, schedule, occursOn, todayFor(due.timeZone, now));
        return 'done';
      });
    },

    /**
     * One batch of the poster: due occurrences of every user, at most `most`, in one database transaction.
     * Returns how many occurrences it went through (0 when nothing is due).
     */
    postDueBatch(most: number = POST_BATCH): number {
      const now = deps.clock.now();
      const latestToday = dayAt(now, EARLIEST_ZONE);
      return deps.inTransaction(() => {
        let budget = most;
        let after: { nextOn: string; id: number } | null = null;
        while (budget > 0) {
          const page = repo.listDueSchedules(latestToday, after, 100);
          if (page.length === 0) break;
          for (const due of page) {
            if (budget <= 0) break;
            try {
              // Each schedule in a savepoint of its own: one person's totals at their limit (a write the database
              // refuses) must not roll back, and then block round after round, everyone else's postings. That
              // schedule waits, refused again each round while the person's totals stay where they are.
              budget -= deps.inTransaction(() => postScheduleDue(due, todayFor(due.timeZone, now), budget, now));
            } catch (err) {
              if (!isTotalsTooLarge(err)) throw err;
            }
          }
          const last = page.at(-1)!.schedule;
          after = { nextOn: last.nextOn!, id: last.id };
        }
        return most - budget;
      });
    },

    /**
     * Posts everything due, batch after batch, yielding to other work between batches; stops early when `signal`
     * fires (what was committed stays, and the next run goes on from there). Says how many it posted, in how
     * many batches, and the longest batch.
     */
    async postAllDue(signal?: AbortSignal): Promise<{ posted: number; batches: number; longestBatchMs: number }> {
      let posted = 0;
      let batches = 0;
      // How long the longest batch held the event loop: the most a page request waited for the poster (the bench
      // reads it from the job's result). Measured, never used to decide anything.
      let longestBatchMs = 0;
      let most = FIRST_POST_BATCH;
      for (;;) {
        if (signal?.aborted) break;
        const started = performance.now();
        const n = service.postDueBatch(most);
        most = Math.min(most * 2, POST_BATCH);
        longestBatchMs = Math.max(longestBatchMs, performance.now() - started);
        batches++;
        posted += n;
        if (n === 0) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return { posted, batches, longestBatchMs: Math.round(longestBatchMs * 10) / 10 };
    },
  };
  return service;
}

export type ScheduleService = ReturnType<typeof createScheduleService>;

/** Registers the poster with the job runner: at start (catch-up after downtime) and every minute, in whichever process gets there first. */
export function schedulePosting(deps: { runner: JobRunner; schedules: ScheduleService }): void {
  deps.runner.every(POST_SCHEDULED_JOB, POST_EVERY_MS, (ctx) => deps.schedules.postAllDue(ctx.signal), { runAtStart: true });
}

/** How an imported row relates to a schedule: the bank's record of a row a schedule posted, or of one still to come. */
export type ScheduleMatch =
  | { readonly kind: 'posted'; readonly transactionId: number; readonly scheduleId: number; readonly occursOn: string; readonly description: string }
  | { readonly kind: 'upcoming'; readonly scheduleId: number; readonly occursOn: string; readonly description: string };

/**
 * Pairs imported rows with the user's scheduled occurrences between two days: same account, same type and amount,
 * a date within MATCH_WINDOW_DAYS (domain/schedules.ts). Each posted row and each occurrence pairs with one imported
 * row at most. Reads what it needs once, so a long file costs no query per row.
 */
/**
 * The days each of the user's schedules handled from the start of any period around `from` to the end of any
 * around `to` (their weeks or years): enough to tell whether an occurrence in that range is handled, or its period
 * served by another day.
 */
function handledBySchedule(repo: SchedulesRepo, userId: number, from: string, to: string): Map<number, string[]> {
  const bySchedule = new Map<number, string[]>();
  for (const key of repo.handledOccurrences(userId, earliestPeriodStart(from), latestPeriodEnd(to))) {
    const [id, day] = key.split(':') as [string, string];
    const days = bySchedule.get(Number(id));
    if (days) days.push(day);
    else bySchedule.set(Number(id), [day]);
  }
  return bySchedule;
}

export function createScheduleMatcher(repo: SchedulesRepo, userId: number, fromOn: string, toOn: string) {
  const from = matchWindow(fromOn).fromOn;
  const to = matchWindow(toOn).toOn;
  const posted = new Map<string, ReturnType<SchedulesRepo['listPostedScheduledRows']>>();
  for (const row of repo.listPostedScheduledRows(userId, from, to)) {
    const key = matchKey(row);
    posted.set(key, [...(posted.get(key) ?? []), row]);
  }
  const schedules = new Map<string, Schedule[]>();
  for (const schedule of repo.listSchedules(userId)) {
    if (schedule.type === 'transfer' || schedule.nextOn === null) continue;
    const key = matchKey(schedule);
    schedules.set(key, [...(schedules.get(key) ?? []), schedule]);
  }
  const handled = handledBySchedule(repo, userId, from, to);
  const usedRows = new Set<number>();
  return {
    /** The scheduled occurrence this row is, if any; each can be matched once. */
    match(row: MatchableRow): ScheduleMatch | undefined {
      const key = matchKey(row);
      const postedHere = (posted.get(key) ?? []).filter((p) => !usedRows.has(p.transactionId)).map((p) => ({ ...p, on: p.occurredOn }));
      const byRow = closestWithinWindow(row.occurredOn, postedHere);
      if (byRow) {
        usedRows.add(byRow.transactionId);
        return { kind: 'posted', transactionId: byRow.transactionId, scheduleId: byRow.scheduleId, occursOn: byRow.occurredOn, description: byRow.description };
      }
      const pending = (schedules.get(key) ?? []).flatMap((s) => {
        const days = handled.get(s.id) ?? [];
        return pendingOccurrencesNear(s, row.occurredOn, (day) => days.includes(day) || isServedElsewhere(s.rule.frequency, day, days)).map((on) => ({ on, schedule: s }));
      });
      const occurrence = closestWithinWindow(row.occurredOn, pending);
      if (!occurrence) return undefined;
      handled.set(occurrence.schedule.id, [...(handled.get(occurrence.schedule.id) ?? []), occurrence.on]);
      return { kind: 'upcoming', scheduleId: occurrence.schedule.id, occursOn: occurrence.on, description: occurrence.schedule.description };
    },
  };
}

export type ScheduleMatcher = ReturnType<typeof createScheduleMatcher>;
