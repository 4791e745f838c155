import { categoryNameKey, repairCategoryName } from '../domain/categories.ts';
import type { Db } from './open.ts';

/**
 * One schema step; applied in order, each inside a transaction, tracked by PRAGMA user_version. A step is SQL, or
 * a function when it needs a rule SQLite cannot express (Unicode case folding, say).
 */
export type Migration = { readonly version: number; readonly name: string } & (
  | { readonly sql: string; readonly up?: undefined }
  | { readonly up: (db: Db) => void; readonly sql?: undefined }
);

const DEFAULT_CATEGORY_NAMES: readonly [kind: 'income' | 'expense', name: string][] = [
  ['income', 'Salary'],
  ['income', 'Other income'],
  ['expense', 'Groceries'],
  ['expense', 'Housing'],
  ['expense', 'Transport'],
  ['expense', 'Utilities'],
  ['expense', 'Eating out'],
  ['expense', 'Health'],
  ['expense', 'Entertainment'],
  ['expense', 'Other'],
];

/**
 * Step 4: one category-name rule (domain/categories.ts) for every stored name. Names are normalised; categories
 * whose names now collide for one user and kind are merged into the oldest one, with every transaction moved to
 * it (the totals triggers move their sums), so nothing is lost; and uniqueness is kept by a case-free key.
 */
function oneCategoryNameRule(db: Db): void {
  db.exec(`
    DROP INDEX categories_unique_name;
    ALTER TABLE categories ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
  `);
  const rows = db
    .prepare<[], { id: number; user_id: number; kind: string; name: string }>(
      'SELECT id, user_id, kind, name FROM categories ORDER BY user_id, kind, id',
    )
    .all();
  const rename = db.prepare<[string, string, number]>('UPDATE categories SET name = ?, name_key = ? WHERE id = ?');
  const move = db.prepare<[number, number, number]>('UPDATE transactions SET category_id = ? WHERE user_id = ? AND category_id = ?');
  const remove = db.prepare<[number]>('DELETE FROM categories WHERE id = ?');
  const keptFor = new Map<string, number>();
  for (const row of rows) {
    const name = repairCategoryName(row.name, `Unnamed category ${row.id}`);
    const key = categoryNameKey(name);
    const group = `${row.user_id}\u0000${row.kind}\u0000${key}`;
    const kept = keptFor.get(group);
    if (kept === undefined) {
      keptFor.set(group, row.id);
      rename.run(name, key, row.id);
    } else {
      move.run(kept, row.user_id, row.id);
      remove.run(row.id);
    }
  }
  const defaults = DEFAULT_CATEGORY_NAMES.map(([kind, name]) => `(NEW.id, '${kind}', '${name}', '${categoryNameKey(name)}')`).join(',\n          ');
  db.exec(`
    CREATE UNIQUE INDEX categories_unique_key ON categories(user_id, kind, name_key);
    DROP TRIGGER users_default_categories;
    CREATE TRIGGER users_default_categories AFTER INSERT ON users BEGIN
      INSERT INTO categories (user_id, kind, name, name_key) VALUES
          ${defaults};
    END;
  `);
}

// Append only: a released migration is never edited, a fix is a new step.
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users, sessions, categories, transactions, monthly totals',
    sql: `
      CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        email         TEXT    NOT NULL COLLATE NOCASE UNIQUE,
        password_hash TEXT    NOT NULL,
        created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );

      CREATE TABLE sessions (
        sid        TEXT    PRIMARY KEY,
        user_id    INTEGER REFERENCES users(id) ON DELETE CASCADE,
        data       TEXT    NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX sessions_by_expiry ON sessions(expires_at);
      CREATE INDEX sessions_by_user ON sessions(user_id) WHERE user_id IS NOT NULL;

      CREATE TABLE categories (
        id      INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind    TEXT    NOT NULL CHECK (kind IN ('income', 'expense')),
        name    TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 60)
      );
      CREATE UNIQUE INDEX categories_unique_name ON categories(user_id, kind, name COLLATE NOCASE);

      CREATE TABLE transactions (
        id           INTEGER PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        type         TEXT    NOT NULL CHECK (type IN ('income', 'expense')),
        amount_cents INTEGER NOT NULL CHECK (typeof(amount_cents) = 'integer' AND amount_cents BETWEEN 1 AND 100000000000),
        occurred_on  TEXT    NOT NULL CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
        description  TEXT    NOT NULL DEFAULT '' CHECK (length(description) <= 200),
        category_id  INTEGER REFERENCES categories(id) ON DELETE SET NULL,
        created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      -- Newest-first lists and keyset pages read this index in order and stop after one page.
      CREATE INDEX transactions_by_user_date ON transactions(user_id, occurred_on DESC, id DESC);
      CREATE INDEX transactions_by_category ON transactions(category_id) WHERE category_id IS NOT NULL;

      -- Per user, month, type and category: kept exact by the triggers below in the same transaction as
      -- every write, so dashboards read at most a few rows per month instead of every transaction.
      CREATE TABLE monthly_totals (
        user_id      INTEGER NOT NULL,
        month        TEXT    NOT NULL,
        type         TEXT    NOT NULL,
        category_key INTEGER NOT NULL,
        total_cents  INTEGER NOT NULL,
        tx_count     INTEGER NOT NULL,
        PRIMARY KEY (user_id, month, type, category_key)
      ) WITHOUT ROWID;

      CREATE TRIGGER transactions_totals_insert AFTER INSERT ON transactions BEGIN
        INSERT INTO monthly_totals (user_id, month, type, category_key, total_cents, tx_count)
        VALUES (NEW.user_id, substr(NEW.occurred_on, 1, 7), NEW.type, coalesce(NEW.category_id, 0), NEW.amount_cents, 1)
        ON CONFLICT (user_id, month, type, category_key)
        DO UPDATE SET total_cents = total_cents + excluded.total_cents, tx_count = tx_count + 1;
      END;

      CREATE TRIGGER transactions_totals_delete AFTER DELETE ON transactions BEGIN
        UPDATE monthly_totals
           SET total_cents = total_cents - OLD.amount_cents, tx_count = tx_count - 1
         WHERE user_id = OLD.user_id AND month = substr(OLD.occurred_on, 1, 7)
           AND type = OLD.type AND category_key = coalesce(OLD.category_id, 0);
        DELETE FROM monthly_totals
         WHERE user_id = OLD.user_id AND month = substr(OLD.occurred_on, 1, 7)
           AND type = OLD.type AND category_key = coalesce(OLD.category_id, 0) AND tx_count = 0;
      END;

      CREATE TRIGGER transactions_totals_update
      AFTER UPDATE OF user_id, type, amount_cents, occurred_on, category_id ON transactions BEGIN
        UPDATE monthly_totals
           SET total_cents = total_cents - OLD.amount_cents, tx_count = tx_count - 1
         WHERE user_id = OLD.user_id AND month = substr(OLD.occurred_on, 1, 7)
           AND type = OLD.type AND category_key = coalesce(OLD.category_id, 0);
        DELETE FROM monthly_totals
         WHERE user_id = OLD.user_id AND month = substr(OLD.occurred_on, 1, 7)
           AND type = OLD.type AND category_key = coalesce(OLD.category_id, 0) AND tx_count = 0;
        INSERT INTO monthly_totals (user_id, month, type, category_key, total_cents, tx_count)
        VALUES (NEW.user_id, substr(NEW.occurred_on, 1, 7), NEW.type, coalesce(NEW.category_id, 0), NEW.amount_cents, 1)
        ON CONFLICT (user_id, month, type, category_key)
        DO UPDATE SET total_cents = total_cents + excluded.total_cents, tx_count = tx_count + 1;
      END;

      -- Deleting a user cascades to transactions; their totals go with them.
      CREATE TRIGGER users_delete_totals AFTER DELETE ON users BEGIN
        DELETE FROM monthly_totals WHERE user_id = OLD.id;
      END;
    `,
  },
  {
    version: 2,
    name: 'default categories for every new user; indexes for filtered transaction lists',
    sql: `
      -- A trigger rather than service code, so every path that creates a user (form, seed, import tools)
      -- starts the account with the same categories.
      CREATE TRIGGER users_default_categories AFTER INSERT ON users BEGIN
        INSERT INTO categories (user_id, kind, name) VALUES
          (NEW.id, 'income', 'Salary'),
          (NEW.id, 'income', 'Other income'),
          (NEW.id, 'expense', 'Groceries'),
          (NEW.id, 'expense', 'Housing'),
          (NEW.id, 'expense', 'Transport'),
          (NEW.id, 'expense', 'Utilities'),
          (NEW.id, 'expense', 'Eating out'),
          (NEW.id, 'expense', 'Health'),
          (NEW.id, 'expense', 'Entertainment'),
          (NEW.id, 'expense', 'Other');
      END;

      -- Accounts created before this step get the same set, unless they already made categories of their own.
      INSERT INTO categories (user_id, kind, name)
      SELECT u.id, d.kind, d.name
        FROM users u,
             (SELECT 'income' AS kind, 'Salary' AS name UNION ALL SELECT 'income', 'Other income'
              UNION ALL SELECT 'expense', 'Groceries' UNION ALL SELECT 'expense', 'Housing'
              UNION ALL SELECT 'expense', 'Transport' UNION ALL SELECT 'expense', 'Utilities'
              UNION ALL SELECT 'expense', 'Eating out' UNION ALL SELECT 'expense', 'Health'
              UNION ALL SELECT 'expense', 'Entertainment' UNION ALL SELECT 'expense', 'Other') d
       WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.user_id = u.id);

      -- A page filtered by category or type seeks straight to its rows in date order instead of walking the
      -- whole history and discarding rows that do not match.
      CREATE INDEX transactions_by_user_category_date ON transactions(user_id, category_id, occurred_on DESC, id DESC);
      CREATE INDEX transactions_by_user_type_date ON transactions(user_id, type, occurred_on DESC, id DESC);
    `,
  },
  {
    version: 3,
    name: 'rate limit counters',
    sql: `
      -- Fixed-window hit counters for express-rate-limit, kept in the database so a restart or a second
      -- process cannot hand an attacker a fresh budget of password guesses.
      CREATE TABLE rate_limits (
        key      TEXT    PRIMARY KEY,
        hits     INTEGER NOT NULL,
        reset_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX rate_limits_by_reset ON rate_limits(reset_at);
    `,
  },
  {
    version: 4,
    name: 'one category-name rule: names normalised, colliding categories merged, unique by a case-free key',
    up: oneCategoryNameRule,
  },
  {
    version: 5,
    name: 'durable background jobs',
    sql: `
      -- Work that outlives a request (CSV imports, sweeps, later scheduled postings). A row is written before the
      -- work starts and marked when it ends, so a restart finds every job in a known state. A key makes work that
      -- must happen once (one import per upload, one sweep per hour) unique in the schema, across processes.
      CREATE TABLE jobs (
        id             INTEGER PRIMARY KEY,
        kind           TEXT    NOT NULL,
        key            TEXT    UNIQUE,
        user_id        INTEGER REFERENCES users(id) ON DELETE CASCADE,
        state          TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'interrupted')),
        payload        TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
        progress_done  INTEGER NOT NULL DEFAULT 0,
        progress_total INTEGER NOT NULL DEFAULT 0,
        progress_note  TEXT,
        result         TEXT    CHECK (result IS NULL OR json_valid(result)),
        error          TEXT,
        attempts       INTEGER NOT NULL DEFAULT 0,
        run_after      INTEGER NOT NULL,
        created_at     INTEGER NOT NULL,
        started_at     INTEGER,
        heartbeat_at   INTEGER,
        finished_at    INTEGER,
        runner_id      TEXT,
        runner_host    TEXT,
        runner_pid     INTEGER
      );
      CREATE INDEX jobs_by_state ON jobs(state, run_after);
      CREATE INDEX jobs_by_user ON jobs(user_id) WHERE user_id IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'a language per person',
    sql: `
      -- The language of the person's pages, amounts and dates (en, uk, ...); NULL follows their browser, which is
      -- what every account made before languages existed keeps doing until its owner chooses.
      ALTER TABLE users ADD COLUMN language TEXT;
    `,
  },
];
