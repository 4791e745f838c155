import Database from 'better-sqlite3';
import type { Db } from './open.ts';

/**
 * The database was written in one currency and the server is configured with another. Amounts are stored as cents
 * of no stated currency, so starting would relabel every one of them; the message says how to go on.
 */
export class CurrencyMismatchError extends Error {
  override name = 'CurrencyMismatchError';
  constructor(
    readonly stored: string,
    readonly configured: string,
  ) {
    super(
      `this database's amounts are in ${stored}, but CURRENCY is ${configured}: every amount would read as ${configured}, unconverted. ` +
        `Start with CURRENCY=${stored}, or, to change the currency on purpose (amounts are not converted), run npm run admin -- set-currency ${configured} and start again.`,
    );
  }
}

/** The currency the instance's amounts are in, as recorded by its first start (migration 46); undefined before that. */
export function storedCurrency(db: Db): string | undefined {
  const row = db.prepare<[], { value: string }>("SELECT value FROM instance_settings WHERE name = 'currency'").get();
  return row?.value;
}

/**
 * Records the configured currency when the database has none yet (its first start, or the first after the upgrade
 * that added the record) and says so; throws CurrencyMismatchError when it holds another. Safe for several processes
 * starting at once: the first insert wins and the others compare against it.
 */
export function assertStoredCurrency(db: Db, configured: string): 'recorded' | 'same' {
  const inserted = db.prepare("INSERT INTO instance_settings (name, value) VALUES ('currency', ?) ON CONFLICT (name) DO NOTHING").run(configured).changes === 1;
  if (inserted) return 'recorded';
  const stored = storedCurrency(db);
  if (stored !== configured) throw new CurrencyMismatchError(stored ?? '?', configured);
  return 'same';
}

/** Sets the instance's currency on purpose (the owner's command); returns the one recorded before, if any. Amounts stay as they are. */
export function setStoredCurrency(db: Db, currency: string): string | undefined {
  return db.transaction(() => {
    const before = storedCurrency(db);
    db.prepare("INSERT INTO instance_settings (name, value) VALUES ('currency', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(currency);
    return before;
  })();
}

/** The currency recorded in a database file, read without changing it (a restored backup's); undefined when none is. */
export function storedCurrencyOfFile(file: string): string | undefined {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'instance_settings'").get();
    return table ? storedCurrency(db) : undefined;
  } finally {
    db.close();
  }
}
