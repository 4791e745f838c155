import type { Writable } from 'node:stream';
import type { Clock } from '../clock.ts';
import { DATA_EXPORT_PARTS, type DataExportRepo, type JsonPage } from '../db/repos/data-export.ts';
import { drained } from './export.ts';

/**
 * Rows a page of transactions or transfers: one short read, then its text is written before the next. 500 rows are
 * about 110 KB of text; pages of 2,000 (440 KB strings, which V8 keeps apart until a full collection) grew a server's
 * memory by 32 MB over a million rows and took 3.7 s, against 24 MB and 1.9 s (scratch runs with npm start's flags).
 */
const PAGE_ROWS = 500;

/** The document's name for what it is, and its version: a reader can tell an export from other JSON, and its shape. */
export const DATA_EXPORT_FORMAT = 'ledgerly-data-export';
// 2: categories lost budgetRollover and budgetRolloverFrom; the budgetRollover part lists the setting of each month
// it was saved in (migration 40).
export const DATA_EXPORT_VERSION = 2;

/**
 * Everything Ledgerly keeps about a person, as one JSON document they can download: their settings, accounts,
 * categories, every transaction (with its status, transfer and schedule), transfers, budgets, schedules and what
 * became of each occurrence, rules, reconciliations, remembered CSV layouts, and the records of their sign-ins
 * (passkeys, API tokens and sessions by name and date, security events). Never a secret: no password or key material.
 */
export function createDataExportService(deps: {
  /**
   * The reads of one download, and how to end them. The download reads page by page across awaits; the app gives it a
   * read-only connection of its own holding one read transaction, so a row edited meanwhile is in it as it was when
   * the download began, never twice or half.
   */
  snapshot: () => { readonly exports: DataExportRepo; release(): void };
  clock: Clock;
  /** The currency every amount is in (CURRENCY, which the server checks against the one its database recorded). */
  currency: string;
}) {
  // People whose download is under way in this process: each reads their whole history, so one at a time each.
  const downloading = new Set<number>();
  return {
    /** The download's name, dated; `label` is the word for it in the person's language. */
    fileName(today: string, label: string): string {
      return `ledgerly-${label}-${today}.json`;
    },

    /**
     * Writes the person's document to `out`, a page of rows at a time, waiting for each to drain, so memory stays flat
     * however long the history. Resolves false when there is no such person (nothing written).
     */
    async write(userId: number, out: Writable): Promise<boolean> {
      downloading.add(userId);
      try {
        return await writeSnapshot(userId, out);
      } finally {
        downloading.delete(userId);
      }
    },

    /** Whether the person's data is being downloaded already: a second download at once is refused, not queued. */
    isDownloading(userId: number): boolean {
      return downloading.has(userId);
    },
  };

  /** The document read from one snapshot, which is let go however the download ends. */
  async function writeSnapshot(userId: number, out: Writable): Promise<boolean> {
    const snapshot = deps.snapshot();
    try {
      return await writeDocument(snapshot.exports, userId, out);
    } finally {
      snapshot.release();
    }
  }

  /** The document itself, read from one snapshot. */
  async function writeDocument(exports: DataExportRepo, userId: number, out: Writable): Promise<boolean> {
    const profile = exports.profile(userId);
    if (profile === undefined) return false;
    const put = async (text: string) => {
      if (!out.write(text)) await drained(out);
    };
    await put(`{"format":${JSON.stringify(DATA_EXPORT_FORMAT)},"version":${DATA_EXPORT_VERSION},"exportedAt":${JSON.stringify(new Date(deps.clock.now()).toISOString())},"currency":${JSON.stringify(deps.currency)},\n"profile":${profile}`);
    for (const part of DATA_EXPORT_PARTS) {
      if (out.destroyed) return true;
      await put(`,\n${JSON.stringify(part)}:[${exports.listPart(userId, part).join(',\n')}]`);
    }
    await writePages<{ occurredOn: string; id: number }>('transactions', (after) => exports.transactionsPage(userId, after, PAGE_ROWS), put, out);
    await writePages<number>('transfers', (after) => exports.transfersPage(userId, after, PAGE_ROWS), put, out);
    if (!out.destroyed) out.end('}\n');
    return true;
  }
}

/** Writes one array of the document a page at a time; a download the client abandoned stops at the next page. */
async function writePages<C>(name: string, fetch: (after: C | null) => JsonPage<C>, put: (text: string) => Promise<void>, out: Writable): Promise<void> {
  let after: C | null = null;
  let text = `,\n${JSON.stringify(name)}:[`;
  let separator = '';
  do {
    if (out.destroyed) return;
    const page = fetch(after);
    if (page.rows.length > 0) text += separator + page.rows.join(',\n');
    separator = ',\n';
    after = page.next;
    await put(text);
    text = '';
  } while (after !== null);
  if (!out.destroyed) await put(']');
}

export type DataExportService = ReturnType<typeof createDataExportService>;
