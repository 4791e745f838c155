/**
 * Statement import as a durable job: the upload is kept on disk, the mapping is checked and previewed, and the
 * import runs in the job runner. The rows and the job's "done" commit in one transaction, so an import is either
 * wholly in or not at all, whatever stops the process; an interrupted one can be run again from its kept upload.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { AccountsRepo } from '../db/repos/accounts.ts';
import type { TransfersRepo } from '../db/repos/transfers.ts';
import type { CategoriesRepo } from '../db/repos/categories.ts';
import type { JobRecord, JobsRepo } from '../db/repos/jobs.ts';
import type { TransactionsRepo } from '../db/repos/transactions.ts';
import type { SchedulesRepo } from '../db/repos/schedules.ts';
import type { CsvMappingsRepo } from '../db/repos/csv-mappings.ts';
import type { ImportRowsRepo, StagedRow } from '../db/repos/import-rows.ts';
import type { RunInTransaction } from '../db/unit-of-work.ts';
import { LIMIT_REACHED, limitReachedIn, PER_PERSON_LIMITS } from '../domain/limits.ts';
import { addDays } from '../domain/calendar.ts';
import { nearestLeg, otherSideOf, TRANSFER_SIDES_DAYS_APART, type TransferSide } from '../domain/transfers.ts';
import { categoryNameKey } from '../domain/categories.ts';
import {
  createRecordChecker,
  CSV_DATE_FORMATS,
  CSV_DELIMITERS,
  CSV_ENCODINGS,
  csvFileProblemDetail,
  csvHeaderKey,
  DEFAULT_IMPORT_OPTIONS,
  duplicateSignature,
  guessDecimalSeparator,
  holdsTypeWords,
  isBlankText,
  fieldText,
  MAX_REPORTED_ERRORS,
  guessColumns,
  guessColumnsByContent,
  looksLikeDataRow,
  guessCsvDateFormat,
  guessCsvEncoding,
  MAX_SKIP_ROWS,
  sniffCsvLayout,
  type CsvDelimiter,
  type CsvFileProblem,
  type MistakenFormat,
  type ImportMapping,
  type ImportOptions,
  type ImportedKinds,
  type ImportResult,
  type ImportRow,
  type RowProblem,
  type RowError,
} from '../domain/imports.ts';
import type { TransactionType } from '../domain/transactions.ts';
import { occurrencesBetween, periodOf, type Schedule } from '../domain/schedules.ts';
import { makePrivateDir } from '../file-modes.ts';
import { JobFailure, type JobContext, type JobRunner } from '../jobs/runner.ts';
import { checkCsvFile, CsvFileError, firstLinesOf, mistakenFormatOfFile, notCsvText, readCsvSample, readFileHead, type CheckedFile } from './csv-files.ts';
import { createScheduleMatcher, type ScheduleMatch } from './schedules.ts';
import { fingerprintKey, occurrenceCounter, otherCurrency, statementImportRows, type Statement, type StatementFormat, type StatementImportRow, type StatementProblem } from '../domain/statements.ts';
import { readStatementFile, type StatementFileProblem } from './statement-files.ts';
import type { Account } from '../domain/accounts.ts';
import type { RuleInput } from '../domain/rules.ts';
import type { RuleApplier } from './rules.ts';

/** The job kind of a CSV import. */
const CSV_IMPORT_JOB = 'csv-import';
/** The job kind of a bank statement's import (OFX, QFX, QIF, CAMT.053); it shares the upload's job key. */
const STATEMENT_IMPORT_JOB = 'statement-import';

/** What a statement import job carries: which upload, into which account. */
const statementPayload = z.object({
  uploadId: z.string().regex(/^[a-f0-9]{32}$/),
  accountId: z.number().int().min(1),
  bytes: z.number().int().min(0),
  // Jobs queued before likely duplicates were looked for have none: they skip them, as a new one does by default.
  keepDuplicates: z.boolean().optional(),
});

/** A statement as the preview page shows it before anything is imported. */
export type StatementInspection =
  | {
      readonly ok: true;
      readonly format: StatementFormat;
      readonly account: string | null;
      readonly currency: string | null;
      readonly closingBalance: Statement['closingBalance'];
      readonly entryCount: number;
      /** Entries the chosen account already holds (by bank id or fingerprint): importing skips them. */
      readonly alreadyImported: number;
      /** Entries that are what a schedule already posted: importing skips them too. */
      readonly scheduledPosted: number;
      /**
       * Entries that look like a transaction the account already has (same day, type, amount and description; one
       * for one, so two coffees against one typed are one duplicate): skipped unless kept. A CSV import of the same
       * months before the bank's file is the usual source.
       */
      readonly likelyDuplicates: number;
      /**
       * Entries with the day, type and amount of a transaction the account already has under another description
       * ("WHOLEFDS MKT #10234" against "Whole Foods" typed or imported from another app): imported, as two coffees of
       * one price are two, but said, with the description each matches, so a history brought in twice is seen.
       */
      readonly possibleDuplicates: number;
      readonly problems: RowError[];
      readonly problemCount: number;
      /** The first entries, oldest first, each marked when it is in already, or is what a schedule posted or has due. */
      readonly preview: {
        readonly row: StatementImportRow;
        readonly alreadyImported: boolean;
        readonly ruled: RuledPreview | null;
        readonly schedule: 'posted' | 'upcoming' | null;
        readonly duplicate: boolean;
        /** The description of the account's transaction with this entry's day, type and amount, when one is left. */
        readonly sameAmountAs: string | null;
      }[];
      /** The account the rows go into unless the person picks another: the one this statement account was imported into before. */
      readonly accountId: number | null;
      readonly remembered: boolean;
    }
  | { readonly ok: false; readonly format: StatementFormat; readonly problem: StatementFileProblem; readonly line?: number }
  /** A statement in another currency than this Ledgerly's: not imported (see otherCurrency). */
  | { readonly ok: false; readonly format: StatementFormat; readonly problem: 'currency'; readonly currency: string };

/** A CSV layout an import remembered, as the import page lists it. */
export interface RememberedLayout {
  readonly key: string;
  /** The header's column names; none for a layout remembered before headers were kept. */
  readonly columns: readonly string[];
  readonly dateFormat: string;
  readonly decimalSeparator: 'dot' | 'comma';
  readonly accountName: string | null;
  /** When it was last used, as a clock instant. */
  readonly usedAt: number;
}

/** What the person's rules would make of a previewed row: its category (by name) and its description. */
export interface RuledPreview {
  readonly categoryName: string | null;
  /** The account the row would move money to or from, as a transfer, instead of a category. */
  readonly transferAccountName: string | null;
  readonly description: string;
  /** The category is a suggestion from the person's history (no rule placed the row). */
  readonly suggested: boolean;
  /** A rule set something on the row. */
  readonly byRules: boolean;
}

/** A statement entry's problem, as the row problems the pages already word. */
function statementRowError(p: StatementProblem): RowError {
  const text = p.text ?? '';
  const problem: RowProblem =
    p.problem === 'missing-date'
      ? { code: 'date', problem: 'empty', text, format: 'YYYY-MM-DD' }
      : p.problem === 'date'
        ? { code: 'date', problem: 'not-a-day', text, format: 'YYYY-MM-DD' }
        : { code: 'amount', problem: p.problem === 'missing-amount' ? 'empty' : p.problem.slice('amount-'.length) as RowAmountProblem, text, decimal: 'dot' };
  return { line: p.line, problems: [problem] };
}
type RowAmountProblem = Extract<RowProblem, { code: 'amount' }>['problem'];

/** Largest file accepted; stated on the upload page and enforced while the upload streams in. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
/** Files one person may have uploaded and not yet imported; an upload past it replaces the oldest. */
export const MAX_WAITING_UPLOADS = 10;

/** A file larger than this holds something; one this small is read whole to tell whether it is blank. */
const BLANK_FILE_MAX_BYTES = 4096;
/** Data rows shown in the preview. */
const PREVIEW_ROWS = 10;
/** Rows read to guess a file's date layout. */
const GUESS_ROWS = 1000;
/** Lines read to find a file's delimiter and the lines above its table. */
const FIRST_LINES = MAX_SKIP_ROWS + 6;
/** Bytes of a file's head read to find its layout and guess its encoding. */
const HEAD_BYTES = 64 * 1024;
/** An upload never imported is deleted after a day. */
const UPLOAD_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** A finished import (and an interrupted one with its upload, for Run again) is kept this long. */
const IMPORT_KEEP_MS = 7 * 24 * 60 * 60 * 1000;

const UPLOAD_ID = /^[a-f0-9]{32}$/;

/** What an import job carries: which upload, read how. */
const importPayload = z.object({
  uploadId: z.string().regex(UPLOAD_ID),
  mapping: z.object({
    delimiter: z.enum(CSV_DELIMITERS),
    hasHeader: z.boolean(),
    dateColumn: z.number().int().min(0),
    amountColumn: z.number().int().min(0),
    typeColumn: z.number().int().min(0).nullable(),
    categoryColumn: z.number().int().min(0).nullable(),
    descriptionColumn: z.number().int().min(0).nullable(),
    // Imports queued, and layouts remembered, before a bank's title could be skipped start at the first line.
    skipRows: z.number().int().min(0).max(MAX_SKIP_ROWS).optional(),
    // Imports queued before accounts existed have neither.
    accountColumn: z.number().int().min(0).nullable().optional(),
    transferColumn: z.number().int().min(0).nullable().optional(),
    // Money in, for files with two amount columns; older jobs and layouts have none.
    inflowColumn: z.number().int().min(0).nullable().optional(),
    currencyColumn: z.number().int().min(0).nullable().optional(),
    // Imports queued, and layouts remembered, before there was a choice write spending as negative.
    spendingPositive: z.boolean().optional(),
    dateFormat: z.enum(CSV_DATE_FORMATS),
    decimalSeparator: z.enum(['dot', 'comma']),
    // Imports queued, and layouts remembered, before there was a choice are UTF-8.
    encoding: z.enum(CSV_ENCODINGS).optional(),
  }),
  options: z.object({
    unknownCategories: z.enum(['create', 'uncategorised']),
    keepDuplicates: z.boolean(),
    targetAccountId: z.number().int().min(1).nullable().optional(),
    unknownAccounts: z.enum(['create', 'refuse']).optional(),
  }),
  bytes: z.number().int().min(0),
});
type ImportPayload = z.infer<typeof importPayload>;

/** A mapping and its choices as remembered for a header (a new setting read from an old row falls back to the default). */
const rememberedSettings = z.object({ mapping: importPayload.shape.mapping, options: importPayload.shape.options });

/** An upload of the user's, found on disk. */
export interface Upload {
  readonly uploadId: string;
  readonly file: string;
  readonly bytes: number;
}

/** The first records of an upload and a first guess at how to read it. */
export type UploadInspection =
  | {
      readonly ok: true;
      readonly sample: { line: number; fields: Buffer[] }[];
      readonly columnCount: number;
      readonly headerCells: string[];
      readonly guess: ImportMapping;
      /** The choices of the last import of a file with this header, when there was one. */
      readonly rememberedOptions?: ImportOptions;
    }
  | { readonly ok: false; readonly fileError: CsvFileProblem };

/**
 * The category a row's name finds, one rule for the preview and the writer: a row marked refund only the expense
 * category of that name; an expense its expense category; an income its income category, else the expense category
 * the person had before the import (a refund from a file without the mark, as the app's own export of old wrote it:
 * "income,Groceries,20.00"). `made` holds the categories so far, this import's new ones included; `before` those the
 * person had before it. Undefined when none is found: `kind` is then the kind a new one would be made as.
 */
function categoryOfRow(
  made: ReadonlyMap<string, number>,
  before: ReadonlyMap<string, number>,
  type: TransactionType,
  row: { refund?: boolean; categoryName: string },
): { id: number | undefined; kind: TransactionType } {
  const kind: TransactionType = row.refund ? 'expense' : type;
  const name = categoryNameKey(row.categoryName);
  const id = made.get(`${kind}\u0000${name}`) ?? (kind === 'income' ? before.get(`expense\u0000${name}`) : undefined);
  return { id, kind };
}

/**
 * Tells which of a statement's entries look like rows an account already has: same day, type, amount and
 * description, one for one (an entry uses up one existing row, so two coffees against one typed are one duplicate).
 * Call it with the entries in order; `upToId` leaves out what this import itself wrote.
 */
function statementDuplicateFinder(
  transactions: { listTransactionsOnDay(userId: number, day: string, upToId?: number): { accountId: number; type: string; amountCents: number; description: string }[] },
  userId: number,
  accountId: number,
  upToId?: number,
): (row: StatementImportRow) => boolean {
  let day = '';
  let left = new Map<string, number>();
  return (row) => {
    if (row.occurredOn !== day) {
      day = row.occurredOn;
      left = new Map();
      for (const r of transactions.listTransactionsOnDay(userId, day, upToId)) {
        if (r.accountId !== accountId || (r.type !== 'income' && r.type !== 'expense')) continue;
        const key = duplicateSignature(accountId, r as { type: TransactionType; amountCents: number; description: string });
        left.set(key, (left.get(key) ?? 0) + 1);
      }
    }
    const key = duplicateSignature(accountId, row);
    const count = left.get(key) ?? 0;
    if (count === 0) return false;
    left.set(key, count - 1);
    return true;
  };
}

/**
 * For entries taken in date order, the description of a transaction the account already has on the entry's day with
 * its type and amount, one for one; the rows `taken` (the likely duplicates) have used up theirs. Null when none is left.
 */
function sameAmountFinder(
  transactions: { listTransactionsOnDay(userId: number, day: string, upToId?: number): { accountId: number; type: string; amountCents: number; description: string }[] },
  userId: number,
  accountId: number,
  taken: readonly StatementImportRow[],
): (row: StatementImportRow) => string | null {
  let day = '';
  let left = new Map<string, string[]>();
  const keyOf = (r: { type: string; amountCents: number }) => `${r.type}|${r.amountCents}`;
  const takenOn = (on: string) => taken.filter((t) => t.occurredOn === on);
  return (row) => {
    if (row.occurredOn !== day) {
      day = row.occurredOn;
      left = new Map();
      for (const r of transactions.listTransactionsOnDay(userId, day)) {
        if (r.accountId !== accountId || (r.type !== 'income' && r.type !== 'expense')) continue;
        left.set(keyOf(r), [...(left.get(keyOf(r)) ?? []), r.description]);
      }
      for (const t of takenOn(day)) {
        const same = left.get(keyOf(t));
        const at = same?.findIndex((d) => d === t.description) ?? -1;
        if (same && at !== -1) same.splice(at, 1);
      }
    }
    const same = left.get(keyOf(row));
    return same && same.length > 0 ? same.shift()! : null;
  };
}

/** One preview row: what the import would make of it. */
export type PreviewRow =
  | { readonly line: number; readonly ok: false; readonly problems: RowProblem[]; readonly raw: string }
  | {
      readonly line: number;
      readonly ok: true;
      readonly row: ImportRow;
      readonly duplicate: boolean;
      /** This row of this file was imported before (its key is in the account): it will be skipped. */
      readonly alreadyImported: boolean;
      /** What the person's rules make of it (a category when the file gives none, a new description). */
      readonly ruled: RuledPreview | null;
      readonly newCategory: boolean;
      /** The scheduled occurrence the row is (then it is neither new nor a duplicate). */
      readonly scheduled: ScheduleMatch | null;
      /**
       * Another of the person's accounts holding a row just like it (its day, type, amount and description) when it is
       * new in its own: a file imported into the wrong account shows so before it is.
       */
      readonly elsewhere: number | null;
    };

/** Why an import job failed, as its progress page words it; anything else is 'internal'. */
export const IMPORT_FAILURE_REASONS = ['invalid-csv', 'invalid-statement', 'upload-missing', 'account-closed', 'storage-full', 'storage-read-only', 'internal'] as const;
export type ImportFailureReason = (typeof IMPORT_FAILURE_REASONS)[number];

/** Where an import is, for its progress page. */
export type ImportStatus =
  | { readonly state: 'queued'; readonly createdAt: number }
  | {
      readonly state: 'running';
      readonly phase: 'reading' | 'writing';
      readonly bytesRead: number;
      readonly totalBytes: number;
      readonly rowsRead: number;
      readonly startedAt: number;
    }
  | { readonly state: 'done'; readonly result: ImportResult; readonly finishedAt: number }
  | { readonly state: 'failed'; readonly reason: ImportFailureReason; readonly detail: string | null }
  | { readonly state: 'interrupted'; readonly canRunAgain: boolean; readonly finishedAt: number };

/** What the progress note of a running import holds. */
const progressNote = z.object({ phase: z.enum(['reading', 'writing']), rows: z.number().int().min(0) });

/** How many of a person's imports the upload page lists. */
const RECENT_IMPORTS = 20;

/** One of a person's imports as the upload page lists it. */
export interface RecentImport {
  readonly uploadId: string;
  readonly startedAt: number;
  readonly state: JobRecord['state'];
  /** A bank statement's (OFX, QIF, CAMT) rather than a CSV file's. */
  readonly statement: boolean;
  /** Once done: how many transactions it wrote, of how many rows. */
  readonly imported: number | null;
  readonly rowsRead: number | null;
  /** A statement's account, once done. */
  readonly accountName: string | null;
  readonly undone: boolean;
}

/** The job key of an upload's import: one import per upload, ever, in any process. */
function jobKey(uploadId: string): string {
  return `${CSV_IMPORT_JOB}:${uploadId}`;
}

/**
 * A file read, checked and staged: its counts and errors, the first and last day of its rows (undefined when it has
 * none), and whether it lists its incomes and expenses newest first.
 */
/**
 * A file checked and staged: its span of days, whether it lists newest first, and whether it marks refunds by their
 * type word (a file that does says what every income is, so none is taken for a refund by its category's name).
 */
type StagedFile = CheckedFile & { readonly span: { readonly fromOn: string; readonly toOn: string } | undefined; readonly newestFirst: boolean; readonly marksRefunds: boolean };

/** Staged rows read back at a time by the writer: its memory, whatever the size of the file. */
const WRITE_PAGE_ROWS = 2000;
/** An account holding at most this many import keys has them read whole (fewHeldKeys): a walk of 1 ms at most. */
const FEW_HELD_KEYS = 1000;

/**
 * Reads staged rows page by page from `fetch` (given the number of the last row read, 0 for none) and hands `handle`
 * whole groups only: the trailing group of a full page waits for the rest of it on the next. One group larger than a
 * page (a file of one day) is held whole.
 */
function pageThrough(fetch: (after: number) => StagedRow[], sameGroup: (a: ImportRow, b: ImportRow) => boolean, handle: (rows: ImportRow[]) => void): void {
  let carry: ImportRow[] = [];
  let after = 0;
  for (;;) {
    const page = fetch(after);
    if (page.length === 0) break;
    after = page.at(-1)!.n;
    const rows = carry.concat(page.map((p) => p.row));
    if (page.length < WRITE_PAGE_ROWS) {
      carry = [];
      handle(rows);
      break;
    }
    let cut = rows.length - 1;
    while (cut > 0 && sameGroup(rows[cut - 1]!, rows.at(-1)!)) cut--;
    carry = rows.slice(cut);
    if (cut > 0) handle(rows.slice(0, cut));
  }
  if (carry.length > 0) handle(carry);
}

/** Row errors kept in memory up to the number a result reports (those of the first lines), and counted beyond. */
function boundedErrors() {
  let kept: RowError[] = [];
  let count = 0;
  const trim = () => {
    kept.sort((a, b) => a.line - b.line);
    kept = kept.slice(0, MAX_REPORTED_ERRORS);
  };
  return {
    add(error: RowError): void {
      count++;
      kept.push(error);
      if (kept.length >= 2 * MAX_REPORTED_ERRORS) trim();
    },
    first(): RowError[] {
      trim();
      return kept;
    },
    count: () => count,
  };
}

export function createImportService(deps: {
  transactions: TransactionsRepo;
  categories: CategoriesRepo;
  accounts: AccountsRepo;
  transfers: TransfersRepo;
  /** Scheduled occurrences, which imported rows may be the bank's record of. */
  schedules: SchedulesRepo;
  jobs: JobsRepo;
  runner: JobRunner;
  inTransaction: RunInTransaction;
  clock: Clock;
  /** How each person last mapped a CSV file with a given header. */
  mappings: CsvMappingsRepo;
  /** Checked rows of running CSV imports, between reading the file and writing them. */
  importRows: ImportRowsRepo;
  /** The person's rules, applied to every imported row (services/rules.ts). */
  rules?: (userId: number) => RuleApplier;
  /** Uploads wait here, one folder per user, until imported or swept. */
  uploadDir: string;
  /** The currency every amount is in (CURRENCY): a statement in another is refused, never counted as this one. */
  currency: string;
}) {
  const { transactions, categories, importRows } = deps;
  const userDir = (userId: number) => path.join(deps.uploadDir, String(userId));
  const uploadFile = (userId: number, uploadId: string) => path.join(userDir(userId), `${uploadId}.csv`);

  /** Category and account names of the user, read once per preview. */
  const namesOf = (userId: number) => ({
    categories: new Map(categories.listCategoriesForUser(userId).map((c) => [c.id, c.name])),
    accounts: new Map(deps.accounts.listAccounts(userId).map((a) => [a.id, a.name])),
  });

  /** What the rules would make of a previewed row, or null when no rule matches it. */
  function ruledPreview(userId: number, apply: RuleApplier | undefined, row: RuleInput, names = namesOf(userId)): RuledPreview | null {
    const ruled = apply?.(row);
    if (!ruled || (ruled.categoryRuleId === null && ruled.transferRuleId === null && ruled.renameRuleId === null && ruled.suggestedCategoryId === null)) return null;
    const categoryId = ruled.categoryId ?? ruled.suggestedCategoryId;
    return {
      categoryName: categoryId === null ? null : (names.categories.get(categoryId) ?? null),
      suggested: ruled.categoryId === null && ruled.suggestedCategoryId !== null,
      byRules: ruled.categoryRuleId !== null || ruled.transferRuleId !== null || ruled.renameRuleId !== null,
      transferAccountName: ruled.transferAccountId === null ? null : (names.accounts.get(ruled.transferAccountId) ?? null),
      description: ruled.description,
    };
  }

  /**
   * Gives back the scheduled occurrences an import's rows were recorded as (an import undone). The schedule's present
   * rule decides: when it has an occurrence in the period the recorded day falls in (from the day it applies), the
   * recorded one is forgotten and the schedule goes back to that period's start, so the poster posts the period's
   * occurrence once its day has come, even when it had gone past it meanwhile (a period served otherwise meanwhile
   * stays served). When it has none there (the schedule was changed after the import: a rent moved to another day of
   * a later month, a monthly bill turned into a daily charge from tomorrow), nothing can be due again in that
   * period, and walking the present rule from the recorded day posted its days before it applied; the occurrence
   * stays handled, as skipped, so "N times" still counts it.
   */
  function giveBackOccurrences(userId: number, fromId: number, toId: number, jobId: number): void {
    const schedules = new Map<number, Schedule | undefined>();
    // Per schedule: where its position goes back to (a period's start), and its first occurrence from there.
    const from = new Map<number, { start: string; next: string }>();
    for (const o of deps.schedules.listImportedOccurrences(userId, fromId, toId, jobId)) {
      if (!schedules.has(o.scheduleId)) schedules.set(o.scheduleId, deps.schedules.findOwnedSchedule(userId, o.scheduleId));
      const schedule = schedules.get(o.scheduleId);
      if (!schedule) continue;
      const period = periodOf(schedule.rule.frequency, o.occursOn);
      const start = period.from < schedule.effectiveFrom ? schedule.effectiveFrom : period.from;
      const next = start > period.to ? undefined : occurrencesBetween(schedule.rule, start, period.to, 1)[0];
      if (next === undefined) {
        deps.schedules.markOccurrenceSkipped(userId, o.scheduleId, o.occursOn);
        continue;
      }
      deps.schedules.forgetOccurrence(userId, o.scheduleId, o.occursOn);
      const earlier = from.get(o.scheduleId);
      if (!earlier || next < earlier.next) from.set(o.scheduleId, { start, next });
    }
    // Its next date is an occurrence (the list and the API show it), handled through the day before the period.
    for (const [scheduleId, { start, next }] of from) deps.schedules.rewindSchedule(userId, scheduleId, next, addDays(start, -1));
  }

  /**
   * Writes imported rows that are the bank's record of a coming scheduled occurrence as that occurrence, so the poster
   * will not post it again (one a concurrent poster claimed first becomes a plain row). Returns the lines recorded.
   */
  function recordOccurrences(
    userId: number,
    rows: readonly { line: number; scheduleId: number; occursOn: string; tx: { accountId: number; type: TransactionType; amountCents: number; occurredOn: string; description: string; categoryId: number | null; importKey?: string | null } }[],
  ): number[] {
    const now = deps.clock.now();
    const recorded: number[] = [];
    for (const { line, scheduleId, occursOn, tx } of rows) {
      if (deps.schedules.claimOccurrence(userId, scheduleId, occursOn, 'posted', now)) {
        const transactionId = deps.schedules.insertScheduledTransaction(userId, scheduleId, tx);
        deps.schedules.setOccurrenceTarget(userId, scheduleId, occursOn, { transactionId });
        // The bank's record, not the schedule's own row: deleting the schedule with its rows keeps it.
        deps.schedules.markOccurrenceRecorded(userId, scheduleId, occursOn);
        recorded.push(line);
      } else {
        transactions.createTransaction(userId, tx);
      }
    }
    return recorded;
  }

  /**
   * A transfer leg's import key: its day, signed amount and description, and the file's reference of its transfer
   * (unique in the file, so no occurrence count is needed).
   */
  function legKey(row: ImportRow): string {
    const signed = row.type === 'transfer_out' ? -row.amountCents : row.amountCents;
    return fingerprintKey(row.occurredOn, signed, `transfer\u0000${row.transferRef}\u0000${row.description}`, 1);
  }

  /**
   * The import key of each income and expense row (and transfer leg) of a file, in file order: a fingerprint of its day, signed amount,
   * description and occurrence among equal rows, so the same file gives the same keys every time.
   */
  function rowKeys(rows: readonly ImportRow[]): Map<ImportRow, string> {
    const occurrence = occurrenceCounter();
    const keys = new Map<ImportRow, string>();
    for (const row of rows) {
      if (row.type === 'transfer_in' || row.type === 'transfer_out') {
        if (row.transferRef !== '') keys.set(row, legKey(row));
        continue;
      }
      if (row.type !== 'income' && row.type !== 'expense') continue;
      const signed = row.type === 'income' ? row.amountCents : -row.amountCents;
      keys.set(row, fingerprintKey(row.occurredOn, signed, row.description, occurrence(`${row.occurredOn}\u0000${signed}\u0000${row.description}`)));
    }
    return keys;
  }

  /**
   * Every import key the account holds when there are few (the first import into it), else null. A set of them
   * answers "held already?" for any number of rows without a seek per row (120 ms of a 100,000-row file).
   */
  function fewHeldKeys(userId: number, accountId: number): ReadonlySet<string> | null {
    const keys = transactions.listImportKeys(userId, accountId, FEW_HELD_KEYS + 1);
    return keys.length <= FEW_HELD_KEYS ? new Set(keys) : null;
  }

  /**
   * Which of these keys each account holds, read once per account. `few` keeps, across the pages of one import, the
   * keys each account held when the import first asked: the import's own rows never repeat a key of a later page
   * (a key names its day, and a day is never split between pages).
   */
  function heldKeys(userId: number, keys: readonly string[], few: Map<number, ReadonlySet<string> | null>): (accountId: number) => ReadonlySet<string> {
    const held = new Map<number, ReadonlySet<string>>();
    return (accountId) => {
      let set = held.get(accountId);
      if (!set) {
        let before = few.get(accountId);
        if (before === undefined) few.set(accountId, (before = fewHeldKeys(userId, accountId)));
        held.set(accountId, (set = before ?? transactions.importedKeys(userId, accountId, keys)));
      }
      return set;
    };
  }

  /** A matcher over the dates of these rows, or undefined when there are no rows to match. */
  function scheduleMatcherFor(userId: number, rows: readonly ImportRow[]) {
    let from: string | undefined;
    let to: string | undefined;
    for (const row of rows) {
      if (from === undefined || row.occurredOn < from) from = row.occurredOn;
      if (to === undefined || row.occurredOn > to) to = row.occurredOn;
    }
    return from === undefined || to === undefined ? undefined : createScheduleMatcher(deps.schedules, userId, from, to);
  }

  /**
   * A row a rule marked as a transfer, written as one: an expense moves the money from the row's account to the other,
   * an income from the other into it. The leg in the row's account keeps the row's import key, so the next import of
   * the same statement finds it. The caller holds the transaction.
   */
  function writeRuledTransfer(
    userId: number,
    accountId: number,
    otherAccountId: number,
    row: { readonly type: TransactionType; readonly amountCents: number; readonly occurredOn: string; readonly description: string; readonly importKey: string | null; readonly otherKey?: string | null },
  ): number {
    const out = row.type === 'expense';
    return deps.transfers.createTransfer(
      userId,
      { fromAccountId: out ? accountId : otherAccountId, toAccountId: out ? otherAccountId : accountId, amountCents: row.amountCents, occurredOn: row.occurredOn, description: row.description },
      row.importKey === null ? undefined : { leg: out ? 'out' : 'in', key: row.importKey, otherKey: row.otherKey ?? null },
    );
  }

  /**
   * Finds, for a row that a rule makes a transfer with another account, the transfer already recorded from that
   * account's side: its own file imported first, or a transfer typed by hand. The leg in this row's account of a
   * transfer between the two accounts, same direction and amount, booked within TRANSFER_SIDES_DAYS_APART days,
   * written before this import (`upToId`) and claimed by no import, is this row: it takes the row's import key (the
   * same file again finds it held) and no second transfer is made. Without this, importing both banks' files
   * recorded every transfer between them twice.
   */
  function transferSideClaimer(userId: number, upToId: number) {
    const claimed = new Set<number>();
    return (accountId: number, otherAccountId: number, row: { readonly type: TransactionType; readonly amountCents: number; readonly occurredOn: string; readonly importKey: string | null }): boolean => {
      const legs = deps.transfers.listUnclaimedLegs(userId, {
        accountId,
        otherAccountId,
        type: row.type === 'expense' ? 'transfer_out' : 'transfer_in',
        amountCents: row.amountCents,
        fromOn: addDays(row.occurredOn, -TRANSFER_SIDES_DAYS_APART),
        toOn: addDays(row.occurredOn, TRANSFER_SIDES_DAYS_APART),
        upToId,
      });
      const leg = nearestLeg(legs.filter((l) => !claimed.has(l.id)), row.occurredOn);
      if (!leg) return false;
      claimed.add(leg.id);
      if (row.importKey !== null) transactions.setImportKeyIfNone(userId, leg.id, row.importKey);
      return true;
    };
  }

  /**
   * Writes an import's staged rows for the user (the caller holds the transaction). Incomes and expenses are read back
   * a page at a time in date order and handled a day at a time, so memory holds a page, never the file:
   * - a row that is the bank's record of a scheduled occurrence (same account, type and amount, within three days) is
   *   not written again when its schedule posted it already, and is written as the occurrence when still to come;
   * - this very row of this file imported before (its import key) is skipped;
   * - duplicates are judged against what existed before this import (so two identical rows in one file, two coffees
   *   on one day, are both written);
   * - unknown categories and accounts are created or refused as chosen, and the person's rules apply;
   * - rows go in oldest first; a file listed newest first keeps its order within a day reversed, so a re-export
   *   lists the day as the file did.
   * Then the transfer legs, by reference: the two legs of each transfer become one transfer. Rows refused here (an
   * unknown account, a leg without its other side) come back as errors.
   */
  function writeStaged(userId: number, batch: string, staged: StagedFile, options: ImportOptions) {
    const { span, newestFirst } = staged;
    const index = new Map<string, number>();
    for (const c of categories.listCategoriesForUser(userId)) index.set(`${c.kind}\u0000${categoryNameKey(c.name)}`, c.id);
    // The categories the person had before this import: only those make an income row a refund, whatever the file's
    // order; and only in a file that marks no refund by its type word (our export of old, which wrote a refund as an
    // income in the expense category). In one that does, an income named like an expense category is an income: the
    // export of an income category "Groceries" beside the expense one came back as a refund.
    const existingCategories: ReadonlyMap<string, number> = staged.marksRefunds ? new Map() : new Map(index);
    const owned = deps.accounts.listAccounts(userId);
    // Rows go into open accounts only, as everywhere else: a row naming an archived one is refused, and the name
    // is not taken to make a second account of the same name.
    const accountIndex = new Map(owned.filter((a) => !a.archived).map((a) => [categoryNameKey(a.name), a.id]));
    const archivedNames = new Set(owned.filter((a) => a.archived).map((a) => categoryNameKey(a.name)));
    const open = owned.filter((a) => !a.archived);
    const chosen = options.targetAccountId == null ? undefined : open.find((a) => a.id === options.targetAccountId);
    // The account picked on the mapping page was archived or deleted before the import ran (or ran again): its rows
    // go nowhere else unasked.
    if (options.targetAccountId != null && !chosen) throw new JobFailure('account-closed');
    const target = chosen ?? open[0] ?? owned[0];
    // Rows with a higher id are this import's own: a duplicate is one that was there before it.
    const before = transactions.highestTransactionId();
    const claimTransferSide = transferSideClaimer(userId, before);
    const transferSides: number[] = [];
    // The rows each day held before this import, counted by signature: a file's row uses up the one it matches, so
    // three equal rows in a file against two already there are two duplicates and one new row, and a row imported
    // before (by its key) uses up its own. Days come in order and never again, so the counts go page by page.
    let existingByDay = new Map<string, Map<string, number>>();
    const existingOn = (day: string) => {
      let counts = existingByDay.get(day);
      if (!counts) {
        counts = new Map();
        for (const r of transactions.listTransactionsOnDay(userId, day, before)) {
          const key = duplicateSignature(r.accountId, r);
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        existingByDay.set(day, counts);
      }
      return counts;
    };
    // An account this import creates holds nothing from before it, so rows bound for one are never duplicates.
    const hasTwin = (row: ImportRow) => {
      const accountId = existingAccountFor(row);
      return accountId !== undefined && (existingOn(row.occurredOn).get(duplicateSignature(accountId, row)) ?? 0) > 0;
    };
    /** Uses up the row's twin from before the import, if one is left. */
    const takeTwin = (row: ImportRow) => {
      const accountId = existingAccountFor(row);
      if (accountId === undefined) return;
      const counts = existingOn(row.occurredOn);
      const key = duplicateSignature(accountId, row);
      const left = counts.get(key) ?? 0;
      if (left > 0) counts.set(key, left - 1);
    };
    const isDuplicate = (row: ImportRow) => {
      if (!hasTwin(row)) return false;
      takeTwin(row);
      return true;
    };
    const duplicateLines: number[] = [];
    let alreadyImported = 0;
    const createdCategories: { kind: TransactionType; name: string }[] = [];
    const createdAccounts: string[] = [];
    const refused = boundedErrors();
    /** The account a row goes into; null when the file names one the user does not have and should not be created. */
    const accountFor = (row: ImportRow): number | null => {
      if (row.accountName === '') return target?.id ?? null;
      const key = categoryNameKey(row.accountName);
      const known = accountIndex.get(key);
      if (known !== undefined) return known;
      if (archivedNames.has(key) || (options.unknownAccounts ?? 'create') === 'refuse' || accountsAtLimit.size > 0) {
        // Once one new account was refused at the limit, every later new one is too, without trying the insert again.
        if (accountsAtLimit.size > 0) accountsAtLimit.add(key);
        return null;
      }
      let id: number;
      try {
        id = deps.accounts.createAccount(userId, { name: row.accountName, kind: 'checking', openingBalanceCents: 0, openingOn: row.occurredOn });
      } catch (err) {
        // As many accounts as one person may keep: this row, and the others naming a new one, are refused; the rest go in.
        if (limitReachedIn(err) !== 'accounts') throw err;
        accountsAtLimit.add(key);
        return null;
      }
      accountIndex.set(key, id);
      createdAccounts.push(row.accountName);
      return id;
    };
    const accountsAtLimit = new Set<string>();
    let categoriesAtLimit = false;
    const refuseAccount = (row: ImportRow) => {
      const key = categoryNameKey(row.accountName);
      refused.add({
        line: row.line,
        problems: [
          accountsAtLimit.has(key)
            ? { code: 'account-limit', text: row.accountName, max: PER_PERSON_LIMITS.accounts }
            : { code: 'account', problem: archivedNames.has(key) ? 'archived' : 'unknown', text: row.accountName },
        ],
      });
    };
    /** An account the row goes into that exists already (a schedule can only be in one of those). */
    const existingAccountFor = (row: ImportRow): number | undefined =>
      row.accountName === '' ? target?.id : accountIndex.get(categoryNameKey(row.accountName));

    const matcher = span && createScheduleMatcher(deps.schedules, userId, span.fromOn, span.toOn);
    const applyRules = deps.rules?.(userId);
    const matchedPosted: number[] = [];
    const recorded: number[] = [];
    let written = 0;
    let ruledTransfers = 0;
    let newestOn: string | null = null;
    const seen = (row: ImportRow) => {
      if (newestOn === null || row.occurredOn > newestOn) newestOn = row.occurredOn;
    };

    type Planned = { row: ImportRow; categoryId: number | null; accountId: number; description: string };
    let toWrite: (Planned & { importKey: string | null })[] = [];
    let asOccurrences: (Planned & { scheduleId: number; occursOn: string })[] = [];
    // A rule-made transfer of this import, and the import key of the row found to be its other side, if one is.
    type RuledTransfer = { row: ImportRow; accountId: number; otherAccountId: number; importKey: string | null; description: string; otherKey: string | null; transferId?: number };
    let asTransfers: RuledTransfer[] = [];
    // This import's rule-made transfers whose other side has not come yet, within TRANSFER_SIDES_DAYS_APART of the
    // rows being read (rows come in date order, so the list stays a few days long): a file holding both accounts has
    // each transfer twice, and its second side is this first one, not a transfer of its own.
    let waitingSides: (TransferSide & { item: RuledTransfer })[] = [];
    const flush = () => {
      written += transactions.insertTransactions(
        userId,
        toWrite.map(({ row, categoryId, accountId, importKey, description }) => ({
          accountId,
          type: row.type as TransactionType,
          amountCents: row.amountCents,
          occurredOn: row.occurredOn,
          description,
          categoryId,
          importKey,
        })),
      );
      recorded.push(
        ...recordOccurrences(
          userId,
          asOccurrences.map(({ row, categoryId, accountId, scheduleId, occursOn, description }) => ({
            line: row.line,
            scheduleId,
            occursOn,
            tx: { accountId, type: row.type as TransactionType, amountCents: row.amountCents, occurredOn: row.occurredOn, description, categoryId },
          })),
        ),
      );
      written += asOccurrences.length;
      for (const item of asTransfers) {
        const { row, accountId, otherAccountId, importKey, description, otherKey } = item;
        item.transferId = writeRuledTransfer(userId, accountId, otherAccountId, { type: row.type as TransactionType, amountCents: row.amountCents, occurredOn: row.occurredOn, description, importKey, otherKey });
      }
      written += asTransfers.length;
      ruledTransfers += asTransfers.length;
      toWrite = [];
      asOccurrences = [];
      asTransfers = [];
    };

    const fewHeldByAccount = new Map<number, ReadonlySet<string> | null>();
    /** Whole days of incomes and expenses, in date order then line: classified in file order, queued in writing order. */
    const planDays = (rows: readonly ImportRow[]) => {
      const keys = rowKeys(rows);
      const held = heldKeys(userId, [...keys.values()], fewHeldByAccount);
      existingByDay = new Map();
      for (let start = 0; start < rows.length; ) {
        let end = start + 1;
        while (end < rows.length && rows[end]!.occurredOn === rows[start]!.occurredOn) end++;
        const day = { toWrite: [] as typeof toWrite, asOccurrences: [] as typeof asOccurrences, asTransfers: [] as typeof asTransfers };
        // The day's rows imported before go first: each uses up its own row, wherever it stands in the file.
        for (let i = start; i < end; i++) {
          const row = rows[i]!;
          const importKey = keys.get(row);
          const known = existingAccountFor(row);
          if (importKey !== undefined && known !== undefined && held(known).has(importKey)) takeTwin(row);
        }
        for (let i = start; i < end; i++) {
          const row = rows[i]!;
          // Only incomes and expenses are staged without a transfer reference; the check keeps the types honest.
          const kind = row.type === 'income' || row.type === 'expense' ? row.type : null;
          if (kind === null) continue;
          const known = existingAccountFor(row);
          const match = known === undefined || !matcher ? undefined : matcher.match({ accountId: known, type: kind, amountCents: row.amountCents, occurredOn: row.occurredOn });
          if (match?.kind === 'posted') {
            // The bank's record of a row a schedule already posted: it is in, not a new row and not a duplicate.
            matchedPosted.push(row.line);
            continue;
          }
          // This very row of this file was imported before: skipped whatever the duplicate setting says.
          const importKey = keys.get(row) ?? null;
          if (importKey !== null && known !== undefined && held(known).has(importKey)) {
            alreadyImported++;
            continue;
          }
          if (!match && isDuplicate(row)) {
            duplicateLines.push(row.line);
            if (!options.keepDuplicates) continue;
          }
          const accountId = accountFor(row);
          if (accountId === null) {
            refuseAccount(row);
            continue;
          }
          let categoryId: number | null = null;
          if (row.categoryName !== '') {
            // A row marked a refund takes the expense category of that name; another income row takes the income
            // category, else the expense category the person already had (a refund from a file without the mark).
            const found = categoryOfRow(index, existingCategories, kind, row);
            if (found.id !== undefined) categoryId = found.id;
            else if (options.unknownCategories === 'create') {
              try {
                // Once one was refused at the limit, the rest are too, without running the refused insert per row
                // (100,000 rows naming new categories spent seconds in it, holding the database).
                if (categoriesAtLimit) throw new Error(`${LIMIT_REACHED} categories`);
                categoryId = categories.createCategory(userId, found.kind, row.categoryName).id;
              } catch (err) {
                // As many categories as one person may keep: this row is refused, saying so; the rest go in.
                if (limitReachedIn(err) !== 'categories') throw err;
                categoriesAtLimit = true;
                refused.add({ line: row.line, problems: [{ code: 'category-limit', text: row.categoryName, max: PER_PERSON_LIMITS.categories }] });
                continue;
              }
              index.set(`${found.kind}\u0000${categoryNameKey(row.categoryName)}`, categoryId);
              createdCategories.push({ kind: found.kind, name: row.categoryName });
            }
          }
          // The person's rules: a category (or a transfer) for a row the file left without one, and a new description.
          let description = row.description;
          let transferTo: number | null = null;
          if (applyRules) {
            const placing = row.categoryName === '' && categoryId === null;
            const ruled = applyRules({ description: row.description, amountCents: row.amountCents, type: kind, accountId }, { suggest: placing });
            if (placing) {
              categoryId = ruled.categoryId ?? ruled.suggestedCategoryId;
              transferTo = ruled.transferAccountId;
            }
            description = ruled.description;
          }
          if (match?.kind !== 'upcoming' && transferTo !== null) {
            if (claimTransferSide(accountId, transferTo, { type: kind, amountCents: row.amountCents, occurredOn: row.occurredOn, importKey })) {
              transferSides.push(row.line);
              continue;
            }
            const side: TransferSide = { accountId, otherAccountId: transferTo, type: kind, amountCents: row.amountCents, occurredOn: row.occurredOn };
            const earliest = addDays(row.occurredOn, -TRANSFER_SIDES_DAYS_APART);
            waitingSides = waitingSides.filter((w) => w.occurredOn >= earliest);
            const other = otherSideOf(side, waitingSides);
            if (other) {
              waitingSides.splice(waitingSides.indexOf(other), 1);
              // Its leg in this row's account takes this row's import key, so the same file again finds the row held.
              if (importKey !== null) {
                if (other.item.transferId === undefined) other.item.otherKey = importKey;
                else deps.transfers.setLegImportKey(userId, other.item.transferId, accountId, importKey);
              }
              transferSides.push(row.line);
              continue;
            }
          }
          seen(row);
          if (match?.kind === 'upcoming') day.asOccurrences.push({ row, categoryId, accountId, scheduleId: match.scheduleId, occursOn: match.occursOn, description });
          else if (transferTo !== null) {
            const item: RuledTransfer = { row, accountId, otherAccountId: transferTo, importKey, description, otherKey: null };
            day.asTransfers.push(item);
            waitingSides.push({ accountId, otherAccountId: transferTo, type: kind, amountCents: row.amountCents, occurredOn: row.occurredOn, item });
          }
          else day.toWrite.push({ row, categoryId, accountId, importKey, description });
        }
        if (newestFirst) {
          day.toWrite.reverse();
          day.asOccurrences.reverse();
          day.asTransfers.reverse();
        }
        toWrite.push(...day.toWrite);
        asOccurrences.push(...day.asOccurrences);
        asTransfers.push(...day.asTransfers);
        start = end;
      }
      flush();
    };
    pageThrough(
      (after) => importRows.listEntries(userId, batch, after, WRITE_PAGE_ROWS),
      (a, b) => a.occurredOn === b.occurredOn,
      planDays,
    );

    // A transfer is its two legs in the file: one out, one in, same day and amount, two different accounts.
    const writeLegs = (group: readonly ImportRow[]) => {
      for (const r of group) seen(r);
      const ref = group[0]!.transferRef;
      const out = group.find((r) => r.type === 'transfer_out');
      const into = group.find((r) => r.type === 'transfer_in');
      const paired = group.length === 2 && out && into && out.occurredOn === into.occurredOn && out.amountCents === into.amountCents;
      if (!paired) {
        for (const r of group) refused.add({ line: r.line, problems: [{ code: 'transfer', problem: 'unpaired', text: ref.slice(0, 40) }] });
        return;
      }
      // This very transfer of this file was imported before (a leg holds its key; the other may have been moved to
      // another account since): skipped whatever the duplicate setting says, as an income or expense row is. A leg's
      // key names the file's transfer reference.
      const outKey = legKey(out);
      const inKey = legKey(into);
      const outKnown = existingAccountFor(out);
      const inKnown = existingAccountFor(into);
      const outHeld = outKnown !== undefined && transactions.importedKeys(userId, outKnown, [outKey]).has(outKey);
      const inHeld = inKnown !== undefined && transactions.importedKeys(userId, inKnown, [inKey]).has(inKey);
      if (outHeld || inHeld) {
        takeTwin(out);
        takeTwin(into);
        alreadyImported += 2;
        return;
      }
      if (hasTwin(out) && hasTwin(into)) {
        takeTwin(out);
        takeTwin(into);
        duplicateLines.push(out.line, into.line);
        if (!options.keepDuplicates) return;
      }
      const from = accountFor(out);
      const to = accountFor(into);
      if (from === null || to === null || from === to) {
        if (from === null) refuseAccount(out);
        if (to === null) refuseAccount(into);
        if (from !== null && from === to) for (const r of group) refused.add({ line: r.line, problems: [{ code: 'transfer', problem: 'unpaired', text: ref.slice(0, 40) }] });
        return;
      }
      deps.transfers.createTransfer(userId, { fromAccountId: from, toAccountId: to, amountCents: out.amountCents, occurredOn: out.occurredOn, description: out.description }, { leg: 'out', key: outKey, otherKey: inKey });
      written += 2;
    };
    pageThrough(
      (after) => importRows.listLegs(userId, batch, after, WRITE_PAGE_ROWS),
      (a, b) => a.transferRef === b.transferRef,
      (rows) => {
        existingByDay = new Map();
        for (let start = 0; start < rows.length; ) {
          let end = start + 1;
          while (end < rows.length && rows[end]!.transferRef === rows[start]!.transferRef) end++;
          writeLegs(rows.slice(start, end));
          start = end;
        }
      },
    );

    return {
      newestOn: written > 0 ? newestOn : null,
      inserted: written,
      ruledTransfers,
      transferSides: transferSides.sort((a, b) => a - b),
      duplicateLines: duplicateLines.sort((a, b) => a - b),
      alreadyImported,
      createdCategories,
      createdAccounts,
      refused: refused.first(),
      refusedCount: refused.count(),
      scheduleMatches: { posted: matchedPosted.sort((a, b) => a - b), recorded: recorded.sort((a, b) => a - b) },
    };
  }

  /**
   * Checks every row of a file and stages the good ones for `batch` (emptied first: a run again starts over); a
   * file that is not CSV at all is a JobFailure the progress page can word, and leaves nothing staged.
   */
  async function stageFile(userId: number, batch: string, file: string, mapping: ImportMapping, ctx?: JobContext): Promise<StagedFile> {
    importRows.startStaging(userId, batch);
    let fromOn: string | undefined;
    let toOn: string | undefined;
    // The days of the file's first and last income or expense: a file listed newest first is written day by day
    // in reverse, so its rows of one day keep their order on the page.
    let firstEntryOn: string | undefined;
    let lastEntryOn: string | undefined;
    let marksRefunds = false;
    try {
      const checked = await checkCsvFile(file, mapping, {
        currency: deps.currency,
        signal: ctx?.signal,
        onProgress: ctx && ((p) => ctx.progress(p.bytesRead, p.totalBytes, JSON.stringify({ phase: 'reading', rows: p.rowsRead }))),
        onRows: (rows) => {
          for (const row of rows) {
            if (fromOn === undefined || row.occurredOn < fromOn) fromOn = row.occurredOn;
            if (toOn === undefined || row.occurredOn > toOn) toOn = row.occurredOn;
            if (row.refund === true) marksRefunds = true;
            if (row.transferRef !== '') continue;
            firstEntryOn ??= row.occurredOn;
            lastEntryOn = row.occurredOn;
          }
          importRows.stageRows(userId, batch, rows);
        },
      });
      importRows.sort(userId, batch);
      return {
        ...checked,
        span: fromOn === undefined || toOn === undefined ? undefined : { fromOn, toOn },
        newestFirst: firstEntryOn !== undefined && lastEntryOn !== undefined && firstEntryOn > lastEntryOn,
        marksRefunds,
      };
    } catch (err) {
      importRows.finish(userId, batch);
      if (err instanceof CsvFileError) throw new JobFailure('invalid-csv', csvFileProblemDetail(err.problem));
      throw err;
    }
  }

  /**
   * Writes a checked file's staged rows in one transaction and takes them away; `within` runs inside it with the
   * result (the job's "done").
   */
  function writeChecked(userId: number, batch: string, checked: StagedFile, options: ImportOptions, within?: (result: ImportResult) => void, jobId?: number): ImportResult {
    try {
      return writeStagedInTransaction(userId, batch, checked, options, within, jobId);
    } finally {
      importRows.finish(userId, batch);
    }
  }

  function writeStagedInTransaction(userId: number, batch: string, checked: StagedFile, options: ImportOptions, within?: (result: ImportResult) => void, jobId?: number): ImportResult {
    return deps.inTransaction((): ImportResult => {
      const firstId = transactions.highestTransactionId() + 1;
      const written = writeStaged(userId, batch, checked, options);
      const lastId = transactions.highestTransactionId();
      const errors = [...checked.errors, ...written.refused].sort((a, b) => a.line - b.line).slice(0, MAX_REPORTED_ERRORS);
      const result: ImportResult = {
        rowsRead: checked.rowsRead,
        imported: written.inserted,
        errors,
        errorCount: checked.errorCount + written.refusedCount,
        duplicateLines: written.duplicateLines,
        duplicatesKept: options.keepDuplicates,
        createdCategories: written.createdCategories,
        createdAccounts: written.createdAccounts,
        scheduleMatches: written.scheduleMatches,
        newestOn: written.newestOn,
        alreadyImported: written.alreadyImported,
        ruledTransfers: written.ruledTransfers,
        transferSides: written.transferSides,
        ...writtenKinds(userId, firstId, lastId),
        ...(markRows(userId, firstId, lastId, jobId) ?? {}),
      };
      within?.(result);
      return result;
    });
  }

  /** The job handler: check every row of the kept upload, then write the good ones and mark the job done together. */
  async function runImportJob(ctx: JobContext): Promise<ImportResult> {
    const parsed = importPayload.safeParse(ctx.job.payload);
    const userId = ctx.job.userId;
    if (!parsed.success || userId === null) throw new JobFailure('internal');
    const { uploadId, mapping, options, bytes } = parsed.data;
    const file = uploadFile(userId, uploadId);
    if (!existsSync(file)) throw new JobFailure('upload-missing');
    // The rows wait in the scratch database under the job's key; a run again (after kill -9 too) stages them afresh.
    const batch = jobKey(uploadId);
    let checked: StagedFile;
    try {
      checked = await stageFile(userId, batch, file, mapping, ctx);
    } catch (err) {
      // A file that is not CSV will not become one: it goes, and the page says why nothing was imported.
      if (err instanceof JobFailure) await rm(file, { force: true });
      throw err;
    }
    // Past this point the work is one synchronous transaction: either all of it commits, with the job marked
    // done, or none of it. A stop that came while reading ends the job here, with nothing written.
    if (ctx.signal.aborted) {
      importRows.finish(userId, batch);
      ctx.signal.throwIfAborted();
    }
    ctx.progress(bytes, bytes, JSON.stringify({ phase: 'writing', rows: checked.rowsRead }));
    const result = writeChecked(userId, batch, checked, options, (outcome) => ctx.finishWithin(outcome), ctx.job.id);
    // The upload has served its purpose; if the process stops before this line, the sweep removes it.
    await rm(file, { force: true });
    return result;
  }

  /**
   * Marks what an import job wrote (the ids from `firstId` to `lastId`, all its own inside its one write transaction)
   * with the job's id, and returns the range for its result; nothing for an import without a job (the tools') or one
   * that wrote nothing.
   */
  function markRows(userId: number, firstId: number, lastId: number, jobId: number | undefined): { rows: { fromId: number; toId: number } } | undefined {
    if (jobId === undefined || lastId < firstId) return undefined;
    transactions.markImportedRows(userId, firstId, lastId, jobId);
    return { rows: { fromId: firstId, toId: lastId } };
  }

  /** What an import wrote (the ids from `firstId` to `lastId`, inside its write transaction), by kind, for its result. */
  function writtenKinds(userId: number, firstId: number, lastId: number): { kinds: ImportedKinds } {
    return { kinds: transactions.sumKindsInIdRange(userId, firstId, lastId) };
  }

  /** The user's finished import of the upload with the ids of what it wrote, or why it cannot be undone. */
  function undoableImport(userId: number, uploadId: string): { jobId: number; result: ImportResult; rows: { fromId: number; toId: number } } | 'not-found' | 'not-undoable' | 'undone' {
    if (!UPLOAD_ID.test(uploadId)) return 'not-found';
    const job = deps.jobs.findOwnedJobByKey(userId, jobKey(uploadId));
    if (!job) return 'not-found';
    if (job.state !== 'done') return 'not-undoable';
    const result = job.result as ImportResult;
    if (result.undone) return 'undone';
    if (!result.rows) return 'not-undoable';
    return { jobId: job.id, result, rows: result.rows };
  }

  deps.runner.register(CSV_IMPORT_JOB, runImportJob);

  /** A kept upload read as a statement; a file that is not one (or no longer reads as one) is a JobFailure. */
  async function readStatementUpload(file: string): Promise<Statement> {
    const read = readStatementFile(await readFile(file));
    if (!read.ok) throw new JobFailure('invalid-statement', 'problem' in read ? read.problem : 'csv');
    const theirs = otherCurrency(read.statement.currency, deps.currency);
    if (theirs !== undefined) throw new JobFailure('invalid-statement', `currency:${theirs}`);
    return read.statement;
  }

  /**
   * Writes a statement into one account in one transaction: its entries oldest first, each with its import key, the
   * ones the account holds already left out by the unique key; the statement's account identifier remembered on the
   * account (when neither has one yet); and its closing balance set beside the account's own balance on that day.
   */
  function writeStatement(userId: number, account: Account, statement: Statement, keepDuplicates: boolean, within?: (result: ImportResult) => void, jobId?: number): ImportResult {
    const rows = statementImportRows(statement.entries).sort((a, b) => (a.occurredOn < b.occurredOn ? -1 : a.occurredOn > b.occurredOn ? 1 : a.line - b.line));
    return deps.inTransaction((): ImportResult => {
      // Looked at again inside the write: the account was checked before the file was read, and archiving (or
      // deleting) it meanwhile must not let 40,000 rows into it, as the CSV import's write also refuses.
      const still = deps.accounts.findOwnedAccount(userId, account.id);
      if (!still || still.archived) throw new JobFailure('account-closed');
      // Rows with a higher id are this import's own: a duplicate is one the account had before it.
      const firstId = transactions.highestTransactionId() + 1;
      const isDuplicate = statementDuplicateFinder(transactions, userId, account.id, firstId - 1);
      const claimTransferSide = transferSideClaimer(userId, firstId - 1);
      const transferSides: number[] = [];
      const duplicateLines: number[] = [];
      // Rows the account holds already are left out; a row that is the bank's record of a scheduled occurrence is
      // not written again when its schedule posted it, and is written as the occurrence when it is still to come.
      const held = fewHeldKeys(userId, account.id) ?? transactions.importedKeys(userId, account.id, rows.map((r) => r.importKey));
      const from = rows[0]?.occurredOn;
      const matcher = from === undefined ? undefined : createScheduleMatcher(deps.schedules, userId, from, rows.at(-1)!.occurredOn);
      const fresh: (StatementImportRow & { categoryId: number | null })[] = [];
      const posted: number[] = [];
      const applyRules = deps.rules?.(userId);
      const asOccurrences: Parameters<typeof recordOccurrences>[1][number][] = [];
      let ruledTransfers = 0;
      let alreadyImported = 0;
      for (const row of rows) {
        if (held.has(row.importKey)) {
          alreadyImported++;
          continue;
        }
        const ruled = applyRules?.({ description: row.description, amountCents: row.amountCents, type: row.type, accountId: account.id });
        const categoryId = ruled?.categoryId ?? ruled?.suggestedCategoryId ?? null;
        const description = ruled?.description ?? row.description;
        const match = matcher?.match({ accountId: account.id, type: row.type, amountCents: row.amountCents, occurredOn: row.occurredOn });
        // Either way the row the schedule posted keeps this entry's key: the same statement again finds it held, on its
        // page and in its import (before, its page promised it as new, then the import matched it again and added none).
        if (match?.kind === 'posted') {
          posted.push(row.line);
          transactions.setImportKeyIfNone(userId, match.transactionId, row.importKey);
        } else if (match?.kind === 'upcoming') {
          asOccurrences.push({ line: row.line, scheduleId: match.scheduleId, occursOn: match.occursOn, tx: { accountId: account.id, type: row.type, amountCents: row.amountCents, occurredOn: row.occurredOn, description, categoryId, importKey: row.importKey } });
        }
        else {
          if (isDuplicate(row)) {
            duplicateLines.push(row.line);
            if (!keepDuplicates) continue;
          }
          if (ruled?.transferAccountId != null && claimTransferSide(account.id, ruled.transferAccountId, row)) transferSides.push(row.line);
          else if (ruled?.transferAccountId != null) {
            writeRuledTransfer(userId, account.id, ruled.transferAccountId, { ...row, description });
            ruledTransfers++;
          } else fresh.push({ ...row, description, categoryId });
        }
      }
      const recorded = recordOccurrences(userId, asOccurrences);
      const inserted = transactions.insertImportedRows(userId, account.id, fresh) + recorded.length + ruledTransfers;
      const remembered = statement.account !== null && deps.accounts.rememberStatementAccount(userId, account.id, statement.account);
      const balance = statement.closingBalance && {
        statementCents: statement.closingBalance.cents,
        ledgerCents: deps.accounts.balanceAtEndOf(userId, account.id, statement.closingBalance.on),
        on: statement.closingBalance.on,
      };
      const errors = statement.problems.slice(0, MAX_REPORTED_ERRORS).map(statementRowError);
      const result: ImportResult = {
        rowsRead: statement.entries.length + statement.problems.length,
        imported: inserted,
        errors,
        errorCount: statement.problems.length,
        duplicateLines: duplicateLines.sort((a, b) => a - b),
        duplicatesKept: keepDuplicates,
        createdCategories: [],
        newestOn: inserted > 0 ? (rows.at(-1)?.occurredOn ?? null) : null,
        alreadyImported,
        ruledTransfers,
        transferSides,
        scheduleMatches: { posted, recorded: recorded.sort((a, b) => a - b) },
        statement: { format: statement.format, account: statement.account, accountId: account.id, accountName: account.name, remembered, balance },
        ...writtenKinds(userId, firstId, transactions.highestTransactionId()),
        ...(markRows(userId, firstId, transactions.highestTransactionId(), jobId) ?? {}),
      };
      within?.(result);
      return result;
    });
  }

  /** The statement job: read the kept upload, write it and mark the job done together. */
  async function runStatementJob(ctx: JobContext): Promise<ImportResult> {
    const parsed = statementPayload.safeParse(ctx.job.payload);
    const userId = ctx.job.userId;
    if (!parsed.success || userId === null) throw new JobFailure('internal');
    const file = uploadFile(userId, parsed.data.uploadId);
    if (!existsSync(file)) throw new JobFailure('upload-missing');
    const account = deps.accounts.findOwnedAccount(userId, parsed.data.accountId);
    if (!account || account.archived) throw new JobFailure('account-closed');
    let statement: Statement;
    try {
      statement = await readStatementUpload(file);
    } catch (err) {
      if (err instanceof JobFailure) await rm(file, { force: true });
      throw err;
    }
    ctx.signal.throwIfAborted();
    ctx.progress(parsed.data.bytes, parsed.data.bytes, JSON.stringify({ phase: 'writing', rows: statement.entries.length }));
    const result = writeStatement(userId, account, statement, parsed.data.keepDuplicates ?? false, (outcome) => ctx.finishWithin(outcome), ctx.job.id);
    await rm(file, { force: true });
    return result;
  }

  deps.runner.register(STATEMENT_IMPORT_JOB, runStatementJob);

  /** The uploads an unfinished import job still reads (or may run again from): never swept or made room from. */
  function uploadsInUse(): Set<string> {
    return new Set([
      ...deps.jobs
        .listUnfinishedPayloads(CSV_IMPORT_JOB)
        .map((j) => importPayload.safeParse(j.payload))
        .filter((p) => p.success)
        .map((p) => p.data.uploadId),
      ...deps.jobs
        .listUnfinishedPayloads(STATEMENT_IMPORT_JOB)
        .map((j) => statementPayload.safeParse(j.payload))
        .filter((p) => p.success)
        .map((p) => p.data.uploadId),
    ]);
  }

  /** The user's upload with this id, or undefined (malformed id, someone else's, already imported or swept). */
  async function findUpload(userId: number, uploadId: string): Promise<Upload | undefined> {
    if (!UPLOAD_ID.test(uploadId)) return undefined;
    const file = uploadFile(userId, uploadId);
    const info = await stat(file).catch(() => null);
    return info?.isFile() ? { uploadId, file, bytes: info.size } : undefined;
  }

  return {
    /**
     * Imports a CSV file for the user at once, without a job or an upload (for the benchmark and tools): every row
     * checked, the good ones written in one transaction.
     */
    async importFile(userId: number, file: string, mapping: ImportMapping, options: ImportOptions = DEFAULT_IMPORT_OPTIONS): Promise<ImportResult> {
      const batch = `file:${randomBytes(12).toString('hex')}`;
      return writeChecked(userId, batch, await stageFile(userId, batch, file, mapping), options);
    },

    /**
     * Imports a statement file into one of the user's accounts at once, without a job or an upload (for the benchmark
     * and tools), in one transaction as the job does. Undefined when the file is not a statement.
     */
    async importStatementFile(userId: number, file: string, accountId: number): Promise<ImportResult | undefined> {
      const account = deps.accounts.findOwnedAccount(userId, accountId);
      if (!account) return undefined;
      const read = readStatementFile(await readFile(file));
      return read.ok && otherCurrency(read.statement.currency, deps.currency) === undefined ? writeStatement(userId, account, read.statement, false) : undefined;
    },

    findUpload,

    /**
     * Keeps at most MAX_WAITING_UPLOADS files of the user's waiting, `kept` (the one just received) among them: each
     * is up to MAX_IMPORT_BYTES and kept a day, and uploading in a loop wrote 51 MB a second to the disk the database
     * is on. The oldest waiting files that no import job reads go first. False when every other waiting file belongs
     * to an import still to run (the caller then discards `kept`).
     */
    async makeRoomForUpload(userId: number, kept: string): Promise<boolean> {
      const dir = userDir(userId);
      const names = await readdir(dir).catch(() => [] as string[]);
      if (names.length <= MAX_WAITING_UPLOADS) return true;
      const inUse = uploadsInUse();
      const waiting: { file: string; at: number }[] = [];
      for (const name of names) {
        const id = name.replace(/\.csv$/, '');
        if (id === kept || inUse.has(id)) continue;
        const file = path.join(dir, name);
        const info = await stat(file).catch(() => null);
        if (info?.isFile()) waiting.push({ file, at: info.mtimeMs });
      }
      waiting.sort((a, b) => a.at - b.at);
      let left = names.length;
      for (const { file } of waiting) {
        if (left <= MAX_WAITING_UPLOADS) break;
        await rm(file, { force: true });
        left--;
      }
      return left <= MAX_WAITING_UPLOADS;
    },

    /** A new upload id and the file it is written to (the user's folder is created, private to this process's user). */
    async newUpload(userId: number): Promise<{ uploadId: string; file: string }> {
      await makePrivateDir(userDir(userId));
      const uploadId = randomBytes(16).toString('hex');
      return { uploadId, file: uploadFile(userId, uploadId) };
    },

    /** Marks a received upload as kept, dated by the clock, so its age is reckoned on the clock like everything else. */
    /**
     * Whether an upload of `bytes` holds nothing but a byte-order mark, blank lines and separators: what a spreadsheet
     * saves for an empty sheet. Such a file opened a mapping page with one empty column and a puzzling complaint.
     */
    async isBlankUpload(file: string, bytes: number): Promise<boolean> {
      if (bytes > BLANK_FILE_MAX_BYTES) return false;
      return isBlankText((await readFile(file)).toString('latin1'));
    },

    /** What an upload is when it is a PDF, a spreadsheet or a ZIP archive (no statement and no CSV text), else undefined. */
    mistakenFormatOf(file: string): Promise<MistakenFormat | undefined> {
      return mistakenFormatOfFile(file);
    },

    async keepUpload(file: string): Promise<void> {
      const at = deps.clock.now() / 1000;
      // Gone already (another upload of the person's, in another worker, made room by taking it): its page then says
      // it is no longer here, rather than this upload failing with a 500.
      await utimes(file, at, at).catch((err: unknown) => {
        if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
      });
    },

    /**
     * The CSV layouts the person's imports remembered, most recently used first: the header's column names (as the
     * file wrote them), the date format and decimal separator, and the account rows without one go into.
     */
    rememberedLayouts(userId: number): RememberedLayout[] {
      const accountName = new Map(deps.accounts.listAccounts(userId).map((a) => [a.id, a.name]));
      return deps.mappings.listMappings(userId).flatMap((stored): RememberedLayout[] => {
        const read = rememberedSettings.safeParse(JSON.parse(stored.settings));
        if (!read.success) return [];
        const { mapping, options } = read.data;
        return [
          {
            key: stored.headerKey,
            columns: stored.header === '' ? [] : stored.header.split(mapping.delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1')),
            dateFormat: mapping.dateFormat,
            decimalSeparator: mapping.decimalSeparator,
            accountName: options.targetAccountId == null ? null : (accountName.get(options.targetAccountId) ?? null),
            usedAt: stored.updatedAt,
          },
        ];
      });
    },

    /** Forgets a remembered layout: the next file with that header opens on guesses again. False when not theirs. */
    forgetLayout(userId: number, key: string): boolean {
      return deps.mappings.deleteMapping(userId, key);
    },

    /** Deletes an upload file that will not be used (refused, too large, abandoned). */
    async discardFile(file: string): Promise<void> {
      await rm(file, { force: true });
    },

    /** Whether an import of this upload has been started (it is then shown on its progress page). */
    hasImport(userId: number, uploadId: string): boolean {
      return UPLOAD_ID.test(uploadId) && deps.jobs.findOwnedJobByKey(userId, jobKey(uploadId)) !== undefined;
    },

    /**
     * Reads the first records of an upload and guesses the delimiter (unless given), columns, dates and decimals; a
     * file whose header the person imported before opens with that import's mapping and choices instead.
     */
    async inspect(userId: number, upload: Upload, delimiter: CsvDelimiter | undefined, chosenSkipRows?: number, monthFirst = false): Promise<UploadInspection> {
      const notText = await notCsvText(upload.file);
      if (notText) return { ok: false, fileError: notText };
      // The delimiter and any lines above the table (a bank's title) from the first lines; a layout remembered for
      // the header line found so wins, and a delimiter the person chose keeps its own reading of those lines.
      // One read of the file's head serves the layout and the encoding.
      const head = await readFileHead(upload.file, HEAD_BYTES);
      const firstLines = firstLinesOf(head, FIRST_LINES);
      const sniffed = sniffCsvLayout(firstLines);
      const stored = deps.mappings.findSettings(userId, csvHeaderKey(firstLines[sniffed.skipRows] ?? ''));
      const remembered = stored === undefined ? undefined : rememberedSettings.safeParse(JSON.parse(stored));
      const chosen = delimiter ?? (remembered?.success ? remembered.data.mapping.delimiter : sniffed.delimiter);
      const skipRows =
        chosenSkipRows ??
        (remembered?.success && remembered.data.mapping.delimiter === chosen
          ? (remembered.data.mapping.skipRows ?? 0)
          : chosen === sniffed.delimiter
            ? sniffed.skipRows
            : sniffCsvLayout(firstLines, [chosen]).skipRows);
      let sample: { line: number; fields: Buffer[] }[];
      try {
        // The records from the table's first line on: its header, then the rows.
        sample = (await readCsvSample(upload.file, chosen, PREVIEW_ROWS + 1 + skipRows)).slice(skipRows);
      } catch (err) {
        if (err instanceof CsvFileError) return { ok: false, fileError: err.problem };
        throw err;
      }
      const columnCount = Math.max(1, ...sample.map((r) => r.fields.length));
      // The encoding as remembered for this header, else guessed from the first 64 KB (a Ukrainian bank's
      // Windows-1251 export read as UTF-8 showed its column names as question marks and refused every row).
      const encoding = (remembered?.success ? remembered.data.mapping.encoding : undefined) ?? guessCsvEncoding(head, { cut: upload.bytes > head.length });
      const headerCells = sample[0]?.fields.map((b) => fieldText(b, encoding)) ?? [];
      if (remembered?.success && remembered.data.mapping.delimiter === chosen) {
        const { mapping, options } = remembered.data;
        const columns = [mapping.dateColumn, mapping.amountColumn, mapping.typeColumn, mapping.categoryColumn, mapping.descriptionColumn, mapping.accountColumn ?? null, mapping.transferColumn ?? null, mapping.inflowColumn ?? null, mapping.currencyColumn ?? null];
        if (columns.every((c) => c === null || c < columnCount)) return { ok: true, sample, columnCount, headerCells, guess: { ...mapping, encoding, skipRows }, rememberedOptions: options };
      }
      // A first record that is a transaction (a day and an amount in it) is no header: the file has none, and its
      // columns are guessed from what they hold.
      const hasHeader = !looksLikeDataRow(headerCells);
      const body = (rows: typeof sample) => (hasHeader ? rows.slice(1) : rows);
      const named = hasHeader ? guessColumns(headerCells) : guessColumnsByContent(sample.map((r) => r.fields.map((b) => fieldText(b, encoding))));
      // A column named "Type" that holds no type words (Revolut's CARD_PAYMENT) is left unmapped: the sign decides.
      const typeColumn = named.typeColumn;
      const typeSamples = typeColumn === null ? [] : body(sample).map((r) => fieldText(r.fields[typeColumn] ?? Buffer.alloc(0), encoding));
      const columns = typeColumn !== null && !holdsTypeWords(typeSamples) ? { ...named, typeColumn: null } : named;
      // The date layout is guessed from up to a thousand rows, not the preview's ten: a US file whose first days
      // are all 12 or less reads as day first until its 13th, and half its rows were imported in the wrong month.
      const guessFrom = sample.length > PREVIEW_ROWS ? await readCsvSample(upload.file, chosen, GUESS_ROWS + 1 + skipRows).then((all) => all.slice(skipRows)).catch(() => sample) : sample;
      const dateSamples = body(guessFrom).map((r) => fieldText(r.fields[columns.dateColumn] ?? Buffer.alloc(0), encoding));
      const amountColumns = [columns.amountColumn, columns.inflowColumn ?? null].filter((c): c is number => c !== null);
      const amountSamples = body(guessFrom).flatMap((r) => amountColumns.map((c) => fieldText(r.fields[c] ?? Buffer.alloc(0), encoding)));
      const decimalSeparator = guessDecimalSeparator(amountSamples, chosen === ';' ? 'comma' : 'dot', deps.currency);
      // Days that read either way go the person's way only for a file written the US way (commas between columns,
      // a decimal point): semicolons or decimal commas mark a European bank's file, day first.
      const readMonthFirst = monthFirst && chosen !== ';' && decimalSeparator === 'dot';
      return {
        ok: true,
        sample,
        columnCount,
        headerCells,
        guess: {
          delimiter: chosen,
          hasHeader,
          ...columns,
          dateFormat: guessCsvDateFormat(dateSamples, readMonthFirst),
          decimalSeparator,
          encoding,
          skipRows,
        },
      };
    },

    /** The first data rows as the import would see them: the row or its problems, duplicate and new-category flags. */
    preview(userId: number, sample: { line: number; fields: Buffer[] }[], mapping: ImportMapping, targetAccountId?: number | null): PreviewRow[] {
      const known = new Map(categories.listCategoriesForUser(userId).map((c) => [`${c.kind}\u0000${categoryNameKey(c.name)}`, c.id]));
      const header = mapping.hasHeader ? sample[0]?.fields.map((b) => fieldText(b, mapping.encoding)) : undefined;
      const check = createRecordChecker(mapping, { currency: deps.currency, header });
      const rows = mapping.hasHeader ? sample.slice(1) : sample.slice(0, PREVIEW_ROWS);
      // The rows each day already holds, counted by signature and used up one for one, as the import does.
      const days = new Map<string, Map<string, number>>();
      const dayRows = new Map<string, ReturnType<typeof transactions.listTransactionsOnDay>>();
      const rowsOn = (day: string) => {
        let found = dayRows.get(day);
        if (!found) dayRows.set(day, (found = transactions.listTransactionsOnDay(userId, day)));
        return found;
      };
      const elsewhere = (accountId: number, row: ImportRow) =>
        rowsOn(row.occurredOn).find((r) => r.accountId !== accountId && r.type === row.type && r.amountCents === row.amountCents && r.description === row.description)?.accountId ?? null;
      const twins = (accountId: number, row: ImportRow) => {
        let counts = days.get(row.occurredOn);
        if (!counts) {
          counts = new Map();
          for (const r of rowsOn(row.occurredOn)) {
            const key = duplicateSignature(r.accountId, r);
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
          days.set(row.occurredOn, counts);
        }
        const key = duplicateSignature(accountId, row);
        const left = counts.get(key) ?? 0;
        if (left > 0) counts.set(key, left - 1);
        return left > 0;
      };
      const checked = rows.map(({ line, fields }) => ({ line, fields, result: check(fields, line) }));
      // As the import judges it (see writeStaged), from the rows shown.
      const marksRefunds = checked.some((c) => c.result.ok && c.result.row.refund === true);
      const matcher = scheduleMatcherFor(userId, checked.flatMap((c) => (c.result.ok ? [c.result.row] : [])));
      // Rows without an account are matched in the account chosen beside the preview, or (before one is chosen) the
      // first open one, where they go by default.
      const owned = deps.accounts.listAccounts(userId);
      const accountIndex = new Map(owned.filter((a) => !a.archived).map((a) => [categoryNameKey(a.name), a.id]));
      const archivedNames = new Set(owned.filter((a) => a.archived).map((a) => categoryNameKey(a.name)));
      const defaultAccount = owned.find((a) => !a.archived && a.id === targetAccountId)?.id ?? owned.find((a) => !a.archived)?.id;
      const keys = rowKeys(checked.flatMap((c) => (c.result.ok ? [c.result.row] : [])));
      const held = heldKeys(userId, [...keys.values()], new Map());
      const applyRules = deps.rules?.(userId);
      const names = namesOf(userId);
      const accountOf = (row: ImportRow) => (row.accountName === '' ? defaultAccount : accountIndex.get(categoryNameKey(row.accountName)));
      const importedBefore = (row: ImportRow, accountId: number | undefined) => {
        const key = keys.get(row);
        return key !== undefined && accountId !== undefined && held(accountId).has(key);
      };
      // A row imported before uses up its own row first, wherever it stands among the rows shown.
      for (const c of checked) {
        const accountId = c.result.ok ? accountOf(c.result.row) : undefined;
        if (c.result.ok && accountId !== undefined && importedBefore(c.result.row, accountId)) twins(accountId, c.result.row);
      }
      return checked.map(({ line, fields, result }): PreviewRow => {
        if (!result.ok) {
          const raw = fields.map((f) => fieldText(f, mapping.encoding)).join(' | ');
          return { line, ok: false, problems: result.problems, raw: raw.length > 120 ? `${raw.slice(0, 120)}…` : raw };
        }
        const row = result.row;
        if (row.accountName !== '' && archivedNames.has(categoryNameKey(row.accountName))) {
          return { line, ok: false, problems: [{ code: 'account', problem: 'archived', text: row.accountName }], raw: fields.map((f) => fieldText(f, mapping.encoding)).join(' | ').slice(0, 120) };
        }
        const accountId = accountOf(row);
        const scheduled =
          accountId !== undefined && matcher && (row.type === 'income' || row.type === 'expense')
            ? (matcher.match({ accountId, type: row.type, amountCents: row.amountCents, occurredOn: row.occurredOn }) ?? null)
            : null;
        const imported = importedBefore(row, accountId);
        const duplicate = !imported && scheduled === null && accountId !== undefined && twins(accountId, row);
        return {
          line,
          ok: true,
          row,
          alreadyImported: imported,
          ruled:
            accountId !== undefined && (row.type === 'income' || row.type === 'expense')
              ? ruledPreview(userId, applyRules, { description: row.description, amountCents: row.amountCents, type: row.type, accountId }, names)
              : null,
          duplicate,
          scheduled,
          elsewhere: !imported && !duplicate && scheduled === null && accountId !== undefined && (row.type === 'income' || row.type === 'expense') ? elsewhere(accountId, row) : null,
          newCategory: row.categoryName !== '' && (row.type === 'income' || row.type === 'expense') && categoryOfRow(known, marksRefunds ? new Map() : known, row.type, row).id === undefined,
        };
      });
    },

    /**
     * Reads an upload as a bank statement for its preview page: undefined when it is CSV (the mapping page's), the
     * problem when it cannot be read, else its account, balance and entries, counted against the account the rows
     * would go into (`accountId`, or the one this statement account was imported into before, or the first open one).
     */
    async inspectStatement(userId: number, upload: Upload, accountId?: number): Promise<StatementInspection | undefined> {
      const read = readStatementFile(await readFile(upload.file));
      if (!read.ok) return 'problem' in read ? { ok: false, format: read.format, problem: read.problem, ...(read.line !== undefined ? { line: read.line } : {}) } : undefined;
      const { statement } = read;
      const theirs = otherCurrency(statement.currency, deps.currency);
      if (theirs !== undefined) return { ok: false, format: statement.format, problem: 'currency', currency: theirs };
      const open = deps.accounts.listAccounts(userId).filter((a) => !a.archived);
      const known = statement.account === null ? undefined : deps.accounts.findByStatementAccount(userId, statement.account);
      const chosen = open.find((a) => a.id === accountId) ?? (known && !known.archived ? known : undefined) ?? open[0];
      const rows = statementImportRows(statement.entries);
      const applyRules = deps.rules?.(userId);
      const inAlready = chosen ? (fewHeldKeys(userId, chosen.id) ?? transactions.importedKeys(userId, chosen.id, rows.map((r) => r.importKey))) : new Set<string>();
      const oldestFirst = [...rows].sort((a, b) => (a.occurredOn < b.occurredOn ? -1 : a.occurredOn > b.occurredOn ? 1 : a.line - b.line));
      // What the import will make of the entries a schedule posted or has due (written as its occurrence, or not at
      // all): said on the page, as the result page says it after. Read only: the matcher claims nothing.
      const matcher = chosen && oldestFirst.length > 0 ? createScheduleMatcher(deps.schedules, userId, oldestFirst[0]!.occurredOn, oldestFirst.at(-1)!.occurredOn) : undefined;
      const scheduled = new Map<StatementImportRow, 'posted' | 'upcoming'>();
      // What looks like a row the account has, as the import will judge it (entries in the same order).
      const isDuplicate = chosen ? statementDuplicateFinder(transactions, userId, chosen.id) : () => false;
      const duplicates = new Set<StatementImportRow>();
      const fresh: StatementImportRow[] = [];
      for (const row of oldestFirst) {
        if (inAlready.has(row.importKey)) continue;
        const match = matcher?.match({ accountId: chosen!.id, type: row.type, amountCents: row.amountCents, occurredOn: row.occurredOn });
        if (match) scheduled.set(row, match.kind);
        else if (isDuplicate(row)) duplicates.add(row);
        else fresh.push(row);
      }
      // Of the entries to be imported, those with a day, type and amount the account has under another description,
      // one for one after the likely duplicates have taken theirs.
      const sameAmountAs = chosen ? sameAmountFinder(transactions, userId, chosen.id, [...duplicates]) : () => null;
      const similar = new Map<StatementImportRow, string>();
      for (const row of fresh) {
        const description = sameAmountAs(row);
        if (description !== null) similar.set(row, description);
      }
      return {
        ok: true,
        format: statement.format,
        account: statement.account,
        currency: statement.currency,
        closingBalance: statement.closingBalance,
        entryCount: rows.length,
        alreadyImported: rows.filter((r) => inAlready.has(r.importKey)).length,
        problems: statement.problems.slice(0, PREVIEW_ROWS).map(statementRowError),
        problemCount: statement.problems.length,
        scheduledPosted: [...scheduled.values()].filter((kind) => kind === 'posted').length,
        likelyDuplicates: duplicates.size,
        possibleDuplicates: similar.size,
        preview: oldestFirst.slice(0, PREVIEW_ROWS).map((row) => ({
          row,
          alreadyImported: inAlready.has(row.importKey),
          schedule: scheduled.get(row) ?? null,
          duplicate: duplicates.has(row),
          sameAmountAs: similar.get(row) ?? null,
          ruled: chosen ? ruledPreview(userId, applyRules, { description: row.description, amountCents: row.amountCents, type: row.type, accountId: chosen.id }) : null,
        })),
        accountId: chosen?.id ?? null,
        remembered: known !== undefined && chosen?.id === known.id,
      };
    },

    /**
     * Queues a statement's import into one of the user's open accounts; a second press finds the same job. 'account'
     * when the account is not one of theirs or is archived; undefined when the upload is gone.
     */
    async startStatement(userId: number, uploadId: string, accountId: number, keepDuplicates = false): Promise<{ job: JobRecord; created: boolean } | 'account' | undefined> {
      const existing = deps.jobs.findOwnedJobByKey(userId, jobKey(uploadId));
      if (existing) return { job: existing, created: false };
      const account = deps.accounts.findOwnedAccount(userId, accountId);
      if (!account || account.archived) return 'account';
      const upload = await findUpload(userId, uploadId);
      if (!upload) return undefined;
      const payload: z.infer<typeof statementPayload> = { uploadId, accountId, bytes: upload.bytes, keepDuplicates };
      return deps.runner.enqueue({ kind: STATEMENT_IMPORT_JOB, key: jobKey(uploadId), userId, payload });
    },

    /** The user's accounts, for choosing where the rows without an account go. */
    accountsFor(userId: number) {
      return deps.accounts.listAccounts(userId);
    },

    /**
     * Queues the import of an upload with a mapping; a second press (or a second process) finds the same job, so a
     * file is imported once. Undefined when the upload is gone.
     */
    async start(
      userId: number,
      uploadId: string,
      mapping: ImportMapping,
      options: ImportOptions,
    ): Promise<{ job: JobRecord; created: boolean } | undefined> {
      const existing = deps.jobs.findOwnedJobByKey(userId, jobKey(uploadId));
      if (existing) return { job: existing, created: false };
      const upload = await findUpload(userId, uploadId);
      if (!upload) return undefined;
      const payload: ImportPayload = { uploadId, mapping, options, bytes: upload.bytes };
      // Remembered for the next file with this header: the mapping and the choices the person imported with, but for
      // keeping likely duplicates, a choice about this file's rows: remembered, the next file of the same bank
      // opened with it ticked, and importing the same file again doubled every transfer in it.
      if (mapping.hasHeader) {
        const settings: z.infer<typeof rememberedSettings> = { mapping: payload.mapping, options: { ...payload.options, keepDuplicates: false } };
        const header = firstLinesOf(await readFileHead(upload.file, HEAD_BYTES), FIRST_LINES)[mapping.skipRows ?? 0] ?? '';
        deps.mappings.saveSettings(userId, csvHeaderKey(header), header.replace(/^\uFEFF/, '').trim(), JSON.stringify(settings), deps.clock.now());
      }
      return deps.runner.enqueue({ kind: CSV_IMPORT_JOB, key: jobKey(uploadId), userId, payload });
    },

    /** Resolves when this process has finished the job, or after timeoutMs. */
    async waitForImport(jobId: number, timeoutMs: number): Promise<void> {
      await deps.runner.waitFor(jobId, timeoutMs);
    },

    /** Where the user's import of this upload is; undefined when there is none of theirs. */
    /**
     * The user's imports still kept (a week after they end), newest first, at most RECENT_IMPORTS: when each was
     * started, where it stands and, once done, what it wrote; each links to its page, where a finished one is undone.
     */
    recentImports(userId: number): RecentImport[] {
      return deps.jobs.listOwnedJobsOfKinds(userId, [CSV_IMPORT_JOB, STATEMENT_IMPORT_JOB], RECENT_IMPORTS).flatMap((job): RecentImport[] => {
        const uploadId = job.key?.slice(CSV_IMPORT_JOB.length + 1) ?? '';
        if (!UPLOAD_ID.test(uploadId)) return [];
        const result = job.state === 'done' ? (job.result as ImportResult) : undefined;
        return [
          {
            uploadId,
            startedAt: job.createdAt,
            state: job.state,
            statement: job.kind === STATEMENT_IMPORT_JOB,
            imported: result?.imported ?? null,
            rowsRead: result?.rowsRead ?? null,
            accountName: result?.statement?.accountName ?? null,
            undone: result?.undone !== undefined,
          },
        ];
      });
    },

    status(userId: number, uploadId: string): ImportStatus | undefined {
      if (!UPLOAD_ID.test(uploadId)) return undefined;
      const job = deps.jobs.findOwnedJobByKey(userId, jobKey(uploadId));
      if (!job) return undefined;
      switch (job.state) {
        case 'queued':
          return { state: 'queued', createdAt: job.createdAt };
        case 'running': {
          const note = progressNote.safeParse(job.progressNote === null ? null : JSON.parse(job.progressNote));
          return {
            state: 'running',
            phase: note.success ? note.data.phase : 'reading',
            rowsRead: note.success ? note.data.rows : 0,
            bytesRead: job.progressDone,
            totalBytes: Math.max(job.progressTotal, 1),
            startedAt: job.startedAt ?? job.createdAt,
          };
        }
        case 'done':
          return { state: 'done', result: job.result as ImportResult, finishedAt: job.finishedAt ?? job.createdAt };
        case 'failed': {
          const reason = (IMPORT_FAILURE_REASONS as readonly string[]).includes(job.error ?? '') ? (job.error as ImportFailureReason) : 'internal';
          return { state: 'failed', reason, detail: typeof job.result === 'string' ? job.result : null };
        }
        case 'interrupted':
          return { state: 'interrupted', canRunAgain: existsSync(uploadFile(userId, uploadId)), finishedAt: job.finishedAt ?? job.createdAt };
      }
    },

    /**
     * What undoing a finished import would remove: its transactions still there (transfers counted once), and how
     * many of them are reconciled (which keeps it from being undone). A reason instead when it cannot be undone.
     */
    undoPlan(userId: number, uploadId: string): { transactions: number; reconciled: number } | 'not-found' | 'not-undoable' | 'undone' {
      const found = undoableImport(userId, uploadId);
      if (typeof found === 'string') return found;
      const counts = transactions.countImportedRows(userId, found.rows.fromId, found.rows.toId, found.jobId);
      return { transactions: counts.incomesAndExpenses + counts.transfers, reconciled: counts.reconciled };
    },

    /**
     * Removes what a finished import wrote, in one transaction: its incomes and expenses, its transfers (both legs),
     * and the scheduled occurrences it recorded (due again, as before it). Rows changed since go too: they are the
     * import's. Categories and accounts it made stay. Refused while any of its rows is reconciled. The import's page
     * then says it was undone.
     */
    undo(userId: number, uploadId: string): { removed: number } | 'not-found' | 'not-undoable' | 'undone' | 'reconciled' {
      return deps.inTransaction(() => {
        const found = undoableImport(userId, uploadId);
        if (typeof found === 'string') return found;
        const { fromId, toId } = found.rows;
        const counts = transactions.countImportedRows(userId, fromId, toId, found.jobId);
        if (counts.reconciled > 0) return 'reconciled';
        giveBackOccurrences(userId, fromId, toId, found.jobId);
        const transferIds = transactions.listImportedTransfers(userId, fromId, toId, found.jobId);
        for (const id of transferIds) deps.transfers.deleteOwnedTransfer(userId, id);
        const removed = transactions.deleteImportedIncomesAndExpenses(userId, fromId, toId, found.jobId) + transferIds.length;
        deps.jobs.rewriteOwnedJobResult(userId, found.jobId, { ...found.result, undone: { at: deps.clock.now(), removed } });
        return { removed };
      });
    },

    /** Queues an interrupted import again, from its kept upload and with the same mapping. */
    runAgain(userId: number, uploadId: string): 'queued' | 'not-interrupted' | 'upload-gone' | 'not-found' {
      if (!UPLOAD_ID.test(uploadId)) return 'not-found';
      const job = deps.jobs.findOwnedJobByKey(userId, jobKey(uploadId));
      if (!job) return 'not-found';
      if (job.state !== 'interrupted') return 'not-interrupted';
      if (!existsSync(uploadFile(userId, uploadId))) return 'upload-gone';
      if (!deps.jobs.requeueInterruptedJob(userId, job.id, deps.clock.now())) return 'not-interrupted';
      deps.runner.wake();
      return 'queued';
    },

    /**
     * Deletes uploads older than a day that no unfinished import needs, and imports (with their uploads) that
     * ended more than IMPORT_KEEP_MS ago. Ages come from the clock. Returns what went.
     */
    async sweep(): Promise<{ uploads: number; jobs: number }> {
      const now = deps.clock.now();
      let jobs = 0;
      for (const state of ['done', 'failed', 'interrupted'] as const) {
        for (const job of deps.jobs.listFinishedBefore(state, now - IMPORT_KEEP_MS)) {
          deps.jobs.deleteJob(job.id);
          jobs++;
        }
      }
      const needed = uploadsInUse();
      let uploads = 0;
      for (const owner of await readdir(deps.uploadDir).catch(() => [] as string[])) {
        const dir = path.join(deps.uploadDir, owner);
        for (const name of await readdir(dir).catch(() => [] as string[])) {
          if (needed.has(name.replace(/\.csv$/, ''))) continue;
          const file = path.join(dir, name);
          const info = await stat(file).catch(() => null);
          if (info?.isFile() && now - info.mtimeMs > UPLOAD_MAX_AGE_MS) {
            await rm(file, { force: true });
            uploads++;
          }
        }
      }
      return { uploads, jobs };
    },

    /** Deletes every upload of the user (their account is being deleted). */
    async removeUserFiles(userId: number): Promise<void> {
      await rm(userDir(userId), { recursive: true, force: true });
    },
  };
}

export type ImportService = ReturnType<typeof createImportService>;
