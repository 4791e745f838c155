import { openDatabase, type Db } from '../open.ts';

/**
 * Reads for a person's data export: every table that holds their own records, each row made into JSON text by SQLite
 * (json_object), so a million transactions never become a million JavaScript objects. Every statement takes the
 * person's id. Secrets are never selected: the password hash, the two-factor secret, recovery codes, token hashes,
 * passkey keys and session contents.
 *
 * Times are ISO 8601 in UTC whichever way a table keeps them (older tables as text, newer ones as epoch
 * milliseconds); amounts are integer cents; flags are true or false.
 */

/** An epoch-milliseconds column as ISO 8601 text (null stays null). */
const iso = (column: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`;
/** A 0/1 column as a JSON boolean. */
const flag = (column: string) => `json(CASE WHEN ${column} THEN 'true' ELSE 'false' END)`;

/** The parts of an export read whole, in the order they are written, each with the table it reads. */
const PARTS = {
  accounts: {
    table: 'accounts',
    sql: `SELECT json_object('id', id, 'name', name, 'kind', kind, 'openingBalanceCents', opening_balance_cents, 'openingOn', opening_on,
            'archived', ${flag('archived')}, 'position', position, 'statementAccount', statement_account, 'createdAt', created_at)
          FROM accounts WHERE user_id = ? ORDER BY archived, position, id`,
  },
  categories: {
    table: 'categories',
    sql: `SELECT json_object('id', id, 'kind', kind, 'name', name)
          FROM categories WHERE user_id = ? ORDER BY kind DESC, name_key, id`,
  },
  budgetRollover: {
    table: 'budget_rollover_settings',
    // Each month the setting was saved in; a month's setting is its own, or else the latest saved before it. null: on
    // since before months were kept.
    sql: `SELECT json_object('categoryId', category_id, 'fromMonth', nullif(month, '0000-01'), 'rollover', ${flag('rollover')})
          FROM budget_rollover_settings WHERE user_id = ? ORDER BY category_id, month`,
  },
  budgets: {
    table: 'budgets',
    sql: `SELECT json_object('categoryId', category_id, 'month', month, 'amountCents', amount_cents)
          FROM budgets WHERE user_id = ? ORDER BY month, category_id`,
  },
  schedules: {
    table: 'schedules',
    sql: `SELECT json_object('id', id, 'type', type, 'accountId', account_id, 'toAccountId', to_account_id, 'categoryId', category_id,
            'amountCents', amount_cents, 'description', description, 'frequency', frequency, 'every', every, 'weekday', weekday,
            'monthDay', month_day, 'startOn', start_on, 'endOn', end_on, 'maxCount', max_count, 'countOffset', count_offset, 'effectiveFrom', effective_from,
            'postedThrough', posted_through, 'nextOn', next_on, 'createdAt', ${iso('created_at')}, 'updatedAt', ${iso('updated_at')})
          FROM schedules WHERE user_id = ? ORDER BY id`,
  },
  scheduleOccurrences: {
    table: 'schedule_occurrences',
    sql: `SELECT json_object('scheduleId', schedule_id, 'occursOn', occurs_on, 'outcome', outcome, 'transactionId', transaction_id,
            'transferId', transfer_id, 'recorded', ${flag('recorded')}, 'handledAt', ${iso('handled_at')})
          FROM schedule_occurrences WHERE user_id = ? ORDER BY schedule_id, occurs_on`,
  },
  rules: {
    table: 'rules',
    sql: `SELECT json_object('id', id, 'position', position, 'textMatch', text_match, 'textValue', text_value,
            'amountMinCents', amount_min_cents, 'amountMaxCents', amount_max_cents, 'type', type, 'accountId', account_id,
            'categoryId', category_id, 'transferAccountId', transfer_account_id, 'rename', rename, 'createdAt', ${iso('created_at')})
          FROM rules WHERE user_id = ? ORDER BY position, id`,
  },
  reconciliations: {
    table: 'reconciliations',
    sql: `SELECT json_object('id', id, 'accountId', account_id, 'statementOn', statement_on, 'statementBalanceCents', statement_balance_cents,
            'createdAt', ${iso('created_at')}, 'finishedAt', ${iso('finished_at')})
          FROM reconciliations WHERE user_id = ? ORDER BY id`,
  },
  categoryUndo: {
    table: 'category_undos',
    // The last bulk category change, kept a day to be undone: each row's category before and the one it was given.
    sql: `SELECT json_object('madeAt', ${iso('made_at')}, 'categoryName', category_name, 'rows',
            (SELECT json_group_array(json_object('transactionId', json_extract(value, '$[0]'), 'categoryIdBefore', json_extract(value, '$[1]'),
               'categoryIdSet', json_extract(value, '$[2]'))) FROM json_each(rows)))
          FROM category_undos WHERE user_id = ?`,
  },
  csvMappings: {
    table: 'csv_mappings',
    // Settings are kept as JSON by the import page; anything else comes out as the text it is.
    sql: `SELECT json_object('header', header, 'settings', CASE WHEN json_valid(settings) THEN json(settings) ELSE settings END,
            'updatedAt', ${iso('updated_at')})
          FROM csv_mappings WHERE user_id = ? ORDER BY updated_at, header_key`,
  },
  passkeys: {
    table: 'passkeys',
    sql: `SELECT json_object('id', id, 'name', name, 'createdAt', ${iso('created_at')}, 'lastUsedAt', ${iso('last_used_at')})
          FROM passkeys WHERE user_id = ? ORDER BY id`,
  },
  apiTokens: {
    table: 'api_tokens',
    sql: `SELECT json_object('id', id, 'name', name, 'scope', scope, 'createdAt', ${iso('created_at')}, 'expiresAt', ${iso('expires_at')},
            'lastUsedAt', ${iso('last_used_at')})
          FROM api_tokens WHERE user_id = ? ORDER BY id`,
  },
  sessions: {
    table: 'sessions',
    sql: `SELECT json_object('lastSeenAt', ${iso('last_seen_at')}, 'expiresAt', ${iso('expires_at')})
          FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC`,
  },
  securityEvents: {
    table: 'security_events',
    sql: `SELECT json_object('at', ${iso('at')}, 'event', event, 'ip', ip, 'detail', detail)
          FROM security_events WHERE user_id = ? ORDER BY at DESC, id DESC`,
  },
} as const;

export type DataExportPart = keyof typeof PARTS;
export const DATA_EXPORT_PARTS = Object.keys(PARTS) as DataExportPart[];

/** Every table an export reads, the profile and the paged parts included: what test/integration/data-export checks. */
export const DATA_EXPORT_TABLES: readonly string[] = ['users', 'transactions', 'transfers', ...Object.values(PARTS).map((p) => p.table)];

/** A page of JSON rows and the cursor after its last row, or null after the last page. */
export interface JsonPage<C> {
  readonly rows: string[];
  readonly next: C | null;
}

export function createDataExportRepo(db: Db) {
  const profile = db
    .prepare<[number], string>(
      `SELECT json_object('email', email, 'createdAt', created_at, 'language', language, 'timeZone', time_zone, 'theme', theme,
         'dashboardCharts', ${flag('dashboard_charts')}, 'lastSignInAt', ${iso('last_sign_in_at')},
         'twoFactorSince', ${iso('totp_enabled_at')})
       FROM users WHERE id = ?`,
    )
    .pluck();
  const parts = new Map(Object.entries(PARTS).map(([part, { sql }]) => [part as DataExportPart, db.prepare<[number], string>(sql).pluck()]));
  // Both walk the person's own index (transactions_by_user_date, transfers_by_user) from where the last page ended.
  const transactionsAfter = db.prepare<[number, string, number, number], { occurred_on: string; id: number; row: string }>(
    `SELECT occurred_on, id, json_object('id', id, 'accountId', account_id, 'type', type, 'amountCents', amount_cents, 'occurredOn', occurred_on,
       'description', description, 'categoryId', category_id, 'transferId', transfer_id, 'status', status, 'scheduleId', schedule_id,
       'importKey', import_key, 'createdAt', created_at) AS row
     FROM transactions WHERE user_id = ? AND (occurred_on, id) > (?, ?) ORDER BY occurred_on, id LIMIT ?`,
  );
  const transfersAfter = db.prepare<[number, number, number], { id: number; row: string }>(
    `SELECT id, json_object('id', id, 'createdAt', created_at) AS row FROM transfers WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?`,
  );

  return {
    /** The person's settings as JSON, or undefined when there is no such person. */
    profile(userId: number): string | undefined {
      return profile.get(userId);
    },

    /** One part's rows as JSON, all of them. */
    listPart(userId: number, part: DataExportPart): string[] {
      return parts.get(part)!.all(userId);
    },

    /** The next `limit` transactions, oldest first, after the cursor (null: from the first). */
    transactionsPage(userId: number, after: { occurredOn: string; id: number } | null, limit: number): JsonPage<{ occurredOn: string; id: number }> {
      const found = transactionsAfter.all(userId, after?.occurredOn ?? '', after?.id ?? 0, limit);
      const last = found.at(-1);
      return { rows: found.map((r) => r.row), next: found.length === limit && last ? { occurredOn: last.occurred_on, id: last.id } : null };
    },

    /** The next `limit` transfers, by id, after the one given (null: from the first). */
    transfersPage(userId: number, afterId: number | null, limit: number): JsonPage<number> {
      const found = transfersAfter.all(userId, afterId ?? 0, limit);
      return { rows: found.map((r) => r.row), next: found.length === limit ? found.at(-1)!.id : null };
    },
  };
}

export type DataExportRepo = ReturnType<typeof createDataExportRepo>;

/**
 * Snapshots for downloads: each call opens a read-only connection to the same file and begins a read transaction on it,
 * so everything one download reads, across all its awaits, is the database as it was at its first read (WAL keeps
 * that view while others write). `release` ends it. A database that is not a file (':memory:') has no second
 * connection; its downloads read the live one.
 */
export function dataExportSnapshot(db: Db): () => { readonly exports: DataExportRepo; release(): void } {
  return () => {
    if (db.name === ':memory:' || db.name === '') return { exports: createDataExportRepo(db), release: () => {} };
    const reader = openDatabase(db.name, { readonly: true });
    try {
      // It reads its rows once, in index order: a small cache serves that, and the server's memory stays where it was.
      reader.pragma('cache_size = -2000');
      reader.exec('BEGIN');
      return {
        exports: createDataExportRepo(reader),
        release: () => {
          if (reader.inTransaction) reader.exec('COMMIT');
          reader.close();
        },
      };
    } catch (err) {
      reader.close();
      throw err;
    }
  };
}
