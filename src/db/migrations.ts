import { categoryNameKey, MAX_CATEGORY_NAME_CHARS, normaliseCategoryName, repairCategoryName } from '../domain/categories.ts';
import { MAX_TOTAL_CENTS, TOTALS_TOO_LARGE } from '../domain/money.ts';
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

/**
 * Step 39: the name rule came to refuse text-direction overrides and names that show nothing. Stored category and
 * account names it now refuses are repaired as step 4 repaired names (the overrides become spaces; a name that shows
 * nothing becomes "Unnamed category 12"), so every name a page shows can be saved back and exported and imported
 * again. A repaired name that another category of that kind (or another account) already has takes its id in
 * brackets instead of merging: merging would now move budgets, rules and schedules too. Names the rule accepts are
 * left exactly as they are.
 */
function namesUnderTheStricterRule(db: Db): void {
  const tables = [
    { table: 'categories', group: 'kind', fallback: 'Unnamed category' },
    { table: 'accounts', group: "''", fallback: 'Unnamed account' },
  ] as const;
  for (const { table, group, fallback } of tables) {
    const rows = db.prepare<[], { id: number; user_id: number; grp: string; name: string }>(`SELECT id, user_id, ${group} AS grp, name FROM ${table} ORDER BY id`).all();
    const taken = db.prepare<[number, string, string, number], { one: number }>(
      `SELECT 1 AS one FROM ${table} WHERE user_id = ? AND ${group} = ? AND name_key = ? AND id <> ?`,
    );
    const rename = db.prepare<[string, string, number]>(`UPDATE ${table} SET name = ?, name_key = ? WHERE id = ?`);
    for (const row of rows) {
      const checked = normaliseCategoryName(row.name);
      if (checked.ok && checked.name === row.name) continue;
      let name = repairCategoryName(row.name, `${fallback} ${row.id}`);
      if (taken.get(row.user_id, row.grp, categoryNameKey(name), row.id)) {
        const suffix = ` (${row.id})`;
        name = `${[...name].slice(0, MAX_CATEGORY_NAME_CHARS - suffix.length).join('').trimEnd()}${suffix}`;
      }
      rename.run(name, categoryNameKey(name), row.id);
    }
  }
}

/**
 * A trigger holding each person to at most `max` rows of `table` (domain/limits.ts), counted by the index on user_id;
 * `which` narrows the rows that count. The numbers are written here, not read from domain/limits.ts: a migration is
 * history and must not change when the constant does (test/integration/limits.test.ts holds the two together).
 */
const limitTrigger = (table: string, kind: string, max: number, which = '') => `CREATE TRIGGER ${table}_limit BEFORE INSERT ON ${table}
        WHEN (SELECT count(*) FROM ${table} WHERE user_id = NEW.user_id${which}) >= ${max} BEGIN
        SELECT RAISE(ABORT, 'ledgerly: limit reached: ${kind}');
      END;`;

/** The signed effect of a transactions row (NEW or OLD) on its account's balance, in SQL. */
const signedOn = (row: 'NEW' | 'OLD') => `CASE WHEN ${row}.type IN ('income', 'transfer_in') THEN ${row}.amount_cents ELSE -${row}.amount_cents END`;
/** Its effect on the cleared balance: the same for cleared and reconciled rows, nothing for the rest. */
const clearedOn = (row: 'NEW' | 'OLD') => `CASE WHEN ${row}.status = 'uncleared' THEN 0 ELSE ${signedOn(row)} END`;
const incomeOn = (row: 'NEW' | 'OLD') => `CASE WHEN ${row}.type = 'income' THEN ${row}.amount_cents ELSE 0 END`;
const expenseOn = (row: 'NEW' | 'OLD') => `CASE WHEN ${row}.type = 'expense' THEN ${row}.amount_cents ELSE 0 END`;

/** Adds a transactions row to its account's month in account_monthly_totals (trigger body). */
const addTo = (row: 'NEW' | 'OLD') => `
      INSERT INTO account_monthly_totals
        (user_id, account_id, month, net_cents, cleared_net_cents, income_cents, income_count, expense_cents, expense_count, tx_count)
      VALUES (${row}.user_id, ${row}.account_id, substr(${row}.occurred_on, 1, 7), ${signedOn(row)}, ${clearedOn(row)},
              ${incomeOn(row)}, ${row}.type = 'income', ${expenseOn(row)}, ${row}.type = 'expense', 1)
      ON CONFLICT (user_id, account_id, month) DO UPDATE SET
        net_cents = net_cents + excluded.net_cents,
        cleared_net_cents = cleared_net_cents + excluded.cleared_net_cents,
        income_cents = income_cents + excluded.income_cents,
        income_count = income_count + excluded.income_count,
        expense_cents = expense_cents + excluded.expense_cents,
        expense_count = expense_count + excluded.expense_count,
        tx_count = tx_count + 1;`;

/** Takes a transactions row out of its account's month, dropping the month when it holds nothing (trigger body). */
const takeFrom = (row: 'NEW' | 'OLD') => `
      UPDATE account_monthly_totals
         SET net_cents = net_cents - ${signedOn(row)}, cleared_net_cents = cleared_net_cents - ${clearedOn(row)},
             income_cents = income_cents - ${incomeOn(row)}, income_count = income_count - (${row}.type = 'income'),
             expense_cents = expense_cents - ${expenseOn(row)}, expense_count = expense_count - (${row}.type = 'expense'),
             tx_count = tx_count - 1
       WHERE user_id = ${row}.user_id AND account_id = ${row}.account_id AND month = substr(${row}.occurred_on, 1, 7);
      DELETE FROM account_monthly_totals
       WHERE user_id = ${row}.user_id AND account_id = ${row}.account_id AND month = substr(${row}.occurred_on, 1, 7)
         AND tx_count = 0;`;

/**
 * Step 7: accounts and transfers. Every transaction moves into one of its owner's accounts ("Main account" for
 * each existing user, holding all their rows, so no total changes); transfers are two legs in transactions linked
 * by a transfers row, kept out of the income and expense totals by the triggers; per-account monthly totals, kept
 * in the same transaction as every write, give balances, cleared balances and net worth without reading rows.
 */
function accountsAndTransfers(db: Db): void {
  db.exec(`
    CREATE TABLE accounts (
      id                    INTEGER PRIMARY KEY,
      user_id               INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      name                  TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
      name_key              TEXT    NOT NULL,
      kind                  TEXT    NOT NULL CHECK (kind IN ('checking', 'savings', 'cash', 'credit_card', 'loan', 'investment', 'other')),
      opening_balance_cents INTEGER NOT NULL DEFAULT 0
                            CHECK (typeof(opening_balance_cents) = 'integer' AND abs(opening_balance_cents) <= 100000000000),
      opening_on            TEXT    NOT NULL CHECK (opening_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
      archived              INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
      position              INTEGER NOT NULL DEFAULT 0,
      created_at            TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE UNIQUE INDEX accounts_unique_key ON accounts(user_id, name_key);
    -- The accounts page's order, and the first account a row without one goes into.
    CREATE INDEX accounts_by_user_order ON accounts(user_id, archived, position, id);

    -- One row per transfer; its two legs are transactions rows (transfer_out and transfer_in) that point here.
    CREATE TABLE transfers (
      id         INTEGER PRIMARY KEY,
      user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE INDEX transfers_by_user ON transfers(user_id);

    -- Each existing user gets one checking account holding all their transactions; a new user gets it from the
    -- trigger below (registration names it in the person's language).
    INSERT INTO accounts (user_id, name, name_key, kind, opening_on)
    SELECT id, 'Main account', 'main account', 'checking', coalesce(
             (SELECT min(occurred_on) FROM transactions t WHERE t.user_id = users.id), substr(created_at, 1, 10))
      FROM users;
    CREATE TRIGGER users_default_account AFTER INSERT ON users BEGIN
      INSERT INTO accounts (user_id, name, name_key, kind, opening_on)
      VALUES (NEW.id, 'Main account', 'main account', 'checking', substr(NEW.created_at, 1, 10));
    END;

    DROP TRIGGER transactions_totals_insert;
    DROP TRIGGER transactions_totals_delete;
    DROP TRIGGER transactions_totals_update;

    CREATE TABLE transactions_new (
      id           INTEGER PRIMARY KEY,
      user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      -- No cascade: an account holding rows cannot be deleted (deleting the user removes both in one statement).
      account_id   INTEGER NOT NULL REFERENCES accounts(id),
      type         TEXT    NOT NULL CHECK (type IN ('income', 'expense', 'transfer_in', 'transfer_out')),
      amount_cents INTEGER NOT NULL CHECK (typeof(amount_cents) = 'integer' AND amount_cents BETWEEN 1 AND 100000000000),
      occurred_on  TEXT    NOT NULL CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
      description  TEXT    NOT NULL DEFAULT '' CHECK (length(description) <= 200),
      category_id  INTEGER REFERENCES categories(id) ON DELETE SET NULL,
      transfer_id  INTEGER REFERENCES transfers(id) ON DELETE CASCADE,
      status       TEXT    NOT NULL DEFAULT 'uncleared' CHECK (status IN ('uncleared', 'cleared', 'reconciled')),
      created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
      -- A transfer leg has a transfer and no category; income and expense have no transfer.
      CHECK ((transfer_id IS NULL) = (type IN ('income', 'expense'))),
      CHECK (transfer_id IS NULL OR category_id IS NULL)
    );
    INSERT INTO transactions_new (id, user_id, account_id, type, amount_cents, occurred_on, description, category_id, created_at)
    SELECT t.id, t.user_id, a.id, t.type, t.amount_cents, t.occurred_on, t.description, t.category_id, t.created_at
      FROM transactions t JOIN accounts a ON a.user_id = t.user_id;
    DROP TABLE transactions;
    ALTER TABLE transactions_new RENAME TO transactions;

    CREATE INDEX transactions_by_user_date ON transactions(user_id, occurred_on DESC, id DESC);
    CREATE INDEX transactions_by_category ON transactions(category_id) WHERE category_id IS NOT NULL;
    CREATE INDEX transactions_by_user_category_date ON transactions(user_id, category_id, occurred_on DESC, id DESC);
    CREATE INDEX transactions_by_user_type_date ON transactions(user_id, type, occurred_on DESC, id DESC);
    -- An account's register, newest first, and its month's rows for the running balance.
    CREATE INDEX transactions_by_account_date ON transactions(account_id, occurred_on DESC, id DESC);
    CREATE INDEX transactions_by_transfer ON transactions(transfer_id) WHERE transfer_id IS NOT NULL;

    -- Income and expense totals, as before; transfer legs never enter them.
    CREATE TRIGGER transactions_totals_insert AFTER INSERT ON transactions WHEN NEW.type IN ('income', 'expense') BEGIN
      INSERT INTO monthly_totals (user_id, month, type, category_key, total_cents, tx_count)
      VALUES (NEW.user_id, substr(NEW.occurred_on, 1, 7), NEW.type, coalesce(NEW.category_id, 0), NEW.amount_cents, 1)
      ON CONFLICT (user_id, month, type, category_key)
      DO UPDATE SET total_cents = total_cents + excluded.total_cents, tx_count = tx_count + 1;
    END;
    CREATE TRIGGER transactions_totals_delete AFTER DELETE ON transactions WHEN OLD.type IN ('income', 'expense') BEGIN
      UPDATE monthly_totals
         SET total_cents = total_cents - OLD.amount_cents, tx_count = tx_count - 1
       WHERE user_id = OLD.user_id AND month = substr(OLD.occurred_on, 1, 7)
         AND type = OLD.type AND category_key = coalesce(OLD.category_id, 0);
      DELETE FROM monthly_totals
       WHERE user_id = OLD.user_id AND month = substr(OLD.occurred_on, 1, 7)
         AND type = OLD.type AND category_key = coalesce(OLD.category_id, 0) AND tx_count = 0;
    END;
    -- A row never turns from income or expense into a transfer leg or back (the services refuse it), so one
    -- condition covers both sides.
    CREATE TRIGGER transactions_totals_update
    AFTER UPDATE OF user_id, type, amount_cents, occurred_on, category_id ON transactions
    WHEN OLD.type IN ('income', 'expense') BEGIN
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

    -- Per account and month: the signed sum of every row (transfers included) and of the cleared ones, and the
    -- income and expense in it, so balances, cleared balances, running balances, net worth over time and a list's
    -- totals for one account read months, never rows.
    CREATE TABLE account_monthly_totals (
      user_id           INTEGER NOT NULL,
      account_id        INTEGER NOT NULL,
      month             TEXT    NOT NULL,
      net_cents         INTEGER NOT NULL,
      cleared_net_cents INTEGER NOT NULL,
      income_cents      INTEGER NOT NULL,
      income_count      INTEGER NOT NULL,
      expense_cents     INTEGER NOT NULL,
      expense_count     INTEGER NOT NULL,
      tx_count          INTEGER NOT NULL,
      PRIMARY KEY (user_id, account_id, month)
    ) WITHOUT ROWID;
    INSERT INTO account_monthly_totals
      (user_id, account_id, month, net_cents, cleared_net_cents, income_cents, income_count, expense_cents, expense_count, tx_count)
    SELECT user_id, account_id, substr(occurred_on, 1, 7),
           sum(CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END), 0,
           sum(CASE WHEN type = 'income' THEN amount_cents ELSE 0 END), sum(type = 'income'),
           sum(CASE WHEN type = 'expense' THEN amount_cents ELSE 0 END), sum(type = 'expense'), count(*)
      FROM transactions GROUP BY user_id, account_id, substr(occurred_on, 1, 7);

    CREATE TRIGGER transactions_account_totals_insert AFTER INSERT ON transactions BEGIN
      ${addTo('NEW')}
    END;
    CREATE TRIGGER transactions_account_totals_delete AFTER DELETE ON transactions BEGIN
      ${takeFrom('OLD')}
    END;
    CREATE TRIGGER transactions_account_totals_update
    AFTER UPDATE OF user_id, account_id, type, amount_cents, occurred_on, status ON transactions BEGIN
      ${takeFrom('OLD')}
      ${addTo('NEW')}
    END;
    -- Rows must be in an account of their owner: a second line of defence behind the services' checks.
    CREATE TRIGGER transactions_account_owner_insert BEFORE INSERT ON transactions
    WHEN (SELECT user_id FROM accounts WHERE id = NEW.account_id) IS NOT NEW.user_id BEGIN
      SELECT RAISE(ABORT, 'account of another user');
    END;
    CREATE TRIGGER transactions_account_owner_update BEFORE UPDATE OF user_id, account_id ON transactions
    WHEN (SELECT user_id FROM accounts WHERE id = NEW.account_id) IS NOT NEW.user_id BEGIN
      SELECT RAISE(ABORT, 'account of another user');
    END;
    CREATE TRIGGER users_delete_account_totals AFTER DELETE ON users BEGIN
      DELETE FROM account_monthly_totals WHERE user_id = OLD.id;
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
  {
    version: 7,
    name: 'accounts, transfers, cleared and reconciled rows, per-account monthly totals',
    up: accountsAndTransfers,
  },
  {
    version: 8,
    name: 'reconciliations against bank statements',
    sql: `
      -- A reconciliation checks an account against a statement: its date and ending balance. While it is open the
      -- person ticks rows (they become cleared); finishing it marks the cleared rows up to the date reconciled.
      CREATE TABLE reconciliations (
        id                      INTEGER PRIMARY KEY,
        user_id                 INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        account_id              INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        statement_on            TEXT    NOT NULL CHECK (statement_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
        statement_balance_cents INTEGER NOT NULL CHECK (typeof(statement_balance_cents) = 'integer'),
        created_at              INTEGER NOT NULL,
        finished_at             INTEGER
      );
      -- At most one open reconciliation per account, whatever two requests race.
      CREATE UNIQUE INDEX reconciliations_one_open ON reconciliations(account_id) WHERE finished_at IS NULL;
      CREATE INDEX reconciliations_by_user ON reconciliations(user_id);
      -- The rows a reconciliation lists: an account's rows up to a day that are not reconciled yet.
      CREATE INDEX transactions_by_account_status_date ON transactions(account_id, status, occurred_on);
    `,
  },
  {
    version: 9,
    name: 'a time zone per person',
    sql: `
      -- The IANA zone in which the person's days and months begin and end; NULL follows the instance's TIME_ZONE.
      ALTER TABLE users ADD COLUMN time_zone TEXT;
    `,
  },
  {
    version: 10,
    name: 'monthly budgets per expense category, with optional rollover',
    sql: `
      -- An amount per expense category and month. The month is part of the key, so one category has one amount a
      -- month whatever two requests race; deleting the category (or the user) deletes its amounts.
      CREATE TABLE budgets (
        user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        category_id  INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
        month        TEXT    NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
        amount_cents INTEGER NOT NULL CHECK (typeof(amount_cents) = 'integer' AND amount_cents BETWEEN 1 AND 100000000000),
        PRIMARY KEY (user_id, category_id, month)
      ) WITHOUT ROWID;
      CREATE INDEX budgets_by_category ON budgets(category_id);
      -- Budgets only on the owner's own expense categories: a second line of defence behind the service.
      CREATE TRIGGER budgets_category_owner BEFORE INSERT ON budgets
      WHEN (SELECT user_id FROM categories WHERE id = NEW.category_id AND kind = 'expense') IS NOT NEW.user_id BEGIN
        SELECT RAISE(ABORT, 'budget on a category that is not the user''s expense category');
      END;
      -- Whether the category's leftover (or overspend) carries into the next month's available amount.
      ALTER TABLE categories ADD COLUMN budget_rollover INTEGER NOT NULL DEFAULT 0 CHECK (budget_rollover IN (0, 1));
    `,
  },
  {
    version: 11,
    name: 'scheduled transactions that post themselves, exactly once per occurrence',
    sql: `
      -- A schedule: what to post (an income, an expense or a transfer) and when (domain/schedules.ts reads the rule).
      -- effective_from is the first day the current rule applies (an edit changes only what comes after it);
      -- posted_through is the last day up to which every occurrence has been posted or skipped; next_on is the
      -- first occurrence after it, NULL once the series has ended, and what the poster looks for.
      CREATE TABLE schedules (
        id             INTEGER PRIMARY KEY,
        user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        type           TEXT    NOT NULL CHECK (type IN ('income', 'expense', 'transfer')),
        account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        to_account_id  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
        category_id    INTEGER REFERENCES categories(id) ON DELETE SET NULL,
        amount_cents   INTEGER NOT NULL CHECK (typeof(amount_cents) = 'integer' AND amount_cents BETWEEN 1 AND 100000000000),
        description    TEXT    NOT NULL DEFAULT '' CHECK (length(description) <= 200),
        frequency      TEXT    NOT NULL CHECK (frequency IN ('days', 'weeks', 'months', 'years')),
        every          INTEGER NOT NULL CHECK (every BETWEEN 1 AND 999),
        weekday        INTEGER CHECK (weekday BETWEEN 0 AND 6),
        month_day      INTEGER CHECK (month_day BETWEEN 1 AND 31),
        start_on       TEXT    NOT NULL CHECK (start_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
        end_on         TEXT    CHECK (end_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
        max_count      INTEGER CHECK (max_count BETWEEN 1 AND 10000),
        effective_from TEXT    NOT NULL,
        posted_through TEXT,
        next_on        TEXT,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        CHECK ((type = 'transfer') = (to_account_id IS NOT NULL)),
        CHECK (type <> 'transfer' OR category_id IS NULL),
        CHECK ((frequency = 'weeks') = (weekday IS NOT NULL)),
        CHECK ((frequency = 'months') = (month_day IS NOT NULL))
      );
      CREATE INDEX schedules_by_user ON schedules(user_id, id);
      CREATE INDEX schedules_by_account ON schedules(account_id);
      CREATE INDEX schedules_by_to_account ON schedules(to_account_id) WHERE to_account_id IS NOT NULL;
      CREATE INDEX schedules_by_category ON schedules(category_id) WHERE category_id IS NOT NULL;
      -- What the poster looks for: schedules with an occurrence due.
      CREATE INDEX schedules_due ON schedules(next_on) WHERE next_on IS NOT NULL;
      CREATE TRIGGER schedules_owner_insert BEFORE INSERT ON schedules
      WHEN (SELECT user_id FROM accounts WHERE id = NEW.account_id) IS NOT NEW.user_id
        OR (NEW.to_account_id IS NOT NULL AND (SELECT user_id FROM accounts WHERE id = NEW.to_account_id) IS NOT NEW.user_id)
        OR (NEW.category_id IS NOT NULL AND (SELECT user_id FROM categories WHERE id = NEW.category_id) IS NOT NEW.user_id) BEGIN
        SELECT RAISE(ABORT, 'schedule refers to another user''s account or category');
      END;
      CREATE TRIGGER schedules_owner_update BEFORE UPDATE OF user_id, account_id, to_account_id, category_id ON schedules
      WHEN (SELECT user_id FROM accounts WHERE id = NEW.account_id) IS NOT NEW.user_id
        OR (NEW.to_account_id IS NOT NULL AND (SELECT user_id FROM accounts WHERE id = NEW.to_account_id) IS NOT NEW.user_id)
        OR (NEW.category_id IS NOT NULL AND (SELECT user_id FROM categories WHERE id = NEW.category_id) IS NOT NEW.user_id) BEGIN
        SELECT RAISE(ABORT, 'schedule refers to another user''s account or category');
      END;

      -- One row per handled occurrence. The key is the schedule and the occurrence's day, so an occurrence is posted
      -- (or skipped) once, whatever two processes, a retry or a crash do: the second insert finds the row and the
      -- transaction it would have written is never written.
      CREATE TABLE schedule_occurrences (
        schedule_id    INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
        occurs_on      TEXT    NOT NULL,
        user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        outcome        TEXT    NOT NULL CHECK (outcome IN ('posted', 'skipped')),
        transaction_id INTEGER REFERENCES transactions(id) ON DELETE SET NULL,
        transfer_id    INTEGER REFERENCES transfers(id) ON DELETE SET NULL,
        handled_at     INTEGER NOT NULL,
        PRIMARY KEY (schedule_id, occurs_on)
      ) WITHOUT ROWID;
      CREATE INDEX schedule_occurrences_by_user ON schedule_occurrences(user_id);
      CREATE INDEX schedule_occurrences_by_transaction ON schedule_occurrences(transaction_id) WHERE transaction_id IS NOT NULL;
      CREATE INDEX schedule_occurrences_by_transfer ON schedule_occurrences(transfer_id) WHERE transfer_id IS NOT NULL;

      -- A posted row keeps the schedule it came from (the export marks it); deleting the schedule keeps the row.
      ALTER TABLE transactions ADD COLUMN schedule_id INTEGER REFERENCES schedules(id) ON DELETE SET NULL;
      CREATE INDEX transactions_by_schedule ON transactions(schedule_id) WHERE schedule_id IS NOT NULL;
    `,
  },
  {
    version: 12,
    name: 'a colour theme per person',
    sql: `
      -- light or dark; NULL follows the device (prefers-color-scheme).
      ALTER TABLE users ADD COLUMN theme TEXT CHECK (theme IN ('light', 'dark'));
    `,
  },
  {
    version: 13,
    name: 'the largest expenses of a range without sorting every row',
    sql: `
      -- A report's biggest expenses walk this from the largest down and stop at the tenth in range, instead of
      -- sorting ten years of rows (a third of a second at a million).
      CREATE INDEX transactions_by_user_type_amount ON transactions(user_id, type, amount_cents DESC, id DESC);
    `,
  },
  {
    version: 14,
    name: 'income and expense totals per account, month and category',
    sql: `
      -- What monthly_totals holds, per account too, so a report for chosen accounts reads months, never rows. Kept
      -- exact by the triggers below in the same transaction as every write; transfer legs never enter it.
      CREATE TABLE account_category_totals (
        user_id      INTEGER NOT NULL,
        account_id   INTEGER NOT NULL,
        month        TEXT    NOT NULL,
        type         TEXT    NOT NULL,
        category_key INTEGER NOT NULL,
        total_cents  INTEGER NOT NULL,
        tx_count     INTEGER NOT NULL,
        PRIMARY KEY (user_id, account_id, month, type, category_key)
      ) WITHOUT ROWID;
      INSERT INTO account_category_totals (user_id, account_id, month, type, category_key, total_cents, tx_count)
      SELECT user_id, account_id, substr(occurred_on, 1, 7), type, coalesce(category_id, 0), sum(amount_cents), count(*)
        FROM transactions WHERE type IN ('income', 'expense')
       GROUP BY user_id, account_id, substr(occurred_on, 1, 7), type, coalesce(category_id, 0);

      CREATE TRIGGER transactions_account_category_insert AFTER INSERT ON transactions WHEN NEW.type IN ('income', 'expense') BEGIN
        INSERT INTO account_category_totals (user_id, account_id, month, type, category_key, total_cents, tx_count)
        VALUES (NEW.user_id, NEW.account_id, substr(NEW.occurred_on, 1, 7), NEW.type, coalesce(NEW.category_id, 0), NEW.amount_cents, 1)
        ON CONFLICT (user_id, account_id, month, type, category_key)
        DO UPDATE SET total_cents = total_cents + excluded.total_cents, tx_count = tx_count + 1;
      END;
      CREATE TRIGGER transactions_account_category_delete AFTER DELETE ON transactions WHEN OLD.type IN ('income', 'expense') BEGIN
        UPDATE account_category_totals SET total_cents = total_cents - OLD.amount_cents, tx_count = tx_count - 1
         WHERE user_id = OLD.user_id AND account_id = OLD.account_id AND month = substr(OLD.occurred_on, 1, 7)
           AND type = OLD.type AND category_key = coalesce(OLD.category_id, 0);
        DELETE FROM account_category_totals
         WHERE user_id = OLD.user_id AND account_id = OLD.account_id AND month = substr(OLD.occurred_on, 1, 7)
           AND type = OLD.type AND category_key = coalesce(OLD.category_id, 0) AND tx_count = 0;
      END;
      CREATE TRIGGER transactions_account_category_update
      AFTER UPDATE OF user_id, account_id, type, amount_cents, occurred_on, category_id ON transactions
      WHEN OLD.type IN ('income', 'expense') BEGIN
        UPDATE account_category_totals SET total_cents = total_cents - OLD.amount_cents, tx_count = tx_count - 1
         WHERE user_id = OLD.user_id AND account_id = OLD.account_id AND month = substr(OLD.occurred_on, 1, 7)
           AND type = OLD.type AND category_key = coalesce(OLD.category_id, 0);
        DELETE FROM account_category_totals
         WHERE user_id = OLD.user_id AND account_id = OLD.account_id AND month = substr(OLD.occurred_on, 1, 7)
           AND type = OLD.type AND category_key = coalesce(OLD.category_id, 0) AND tx_count = 0;
        INSERT INTO account_category_totals (user_id, account_id, month, type, category_key, total_cents, tx_count)
        VALUES (NEW.user_id, NEW.account_id, substr(NEW.occurred_on, 1, 7), NEW.type, coalesce(NEW.category_id, 0), NEW.amount_cents, 1)
        ON CONFLICT (user_id, account_id, month, type, category_key)
        DO UPDATE SET total_cents = total_cents + excluded.total_cents, tx_count = tx_count + 1;
      END;
      CREATE TRIGGER users_delete_account_category_totals AFTER DELETE ON users BEGIN
        DELETE FROM account_category_totals WHERE user_id = OLD.id;
      END;
    `,
  },
  {
    version: 15,
    name: 'dashboard charts can be turned off per person',
    sql: `
      ALTER TABLE users ADD COLUMN dashboard_charts INTEGER NOT NULL DEFAULT 1 CHECK (dashboard_charts IN (0, 1));
    `,
  },
  {
    version: 16,
    name: 'invites, and when each person last signed in',
    sql: `
      -- Single-use sign-up links for REGISTRATION=invite: only the SHA-256 of the token is kept, so a copy of the
      -- database does not hold usable links. used_by goes to NULL when that account is deleted.
      CREATE TABLE invites (
        id          INTEGER PRIMARY KEY,
        token_hash  TEXT    NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        used_at     INTEGER,
        used_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
        CHECK (expires_at > created_at)
      ) STRICT;
      ALTER TABLE users ADD COLUMN last_sign_in_at INTEGER;
    `,
  },
  {
    version: 17,
    name: 'two-factor sign-in: a TOTP key per person and single-use recovery codes',
    sql: `
      -- totp_last_step is the last 30-second step whose code was accepted: a code is good once (RFC 6238 section 5.2).
      ALTER TABLE users ADD COLUMN totp_secret TEXT;
      ALTER TABLE users ADD COLUMN totp_enabled_at INTEGER;
      ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
      -- Only the SHA-256 of each code is kept (a code is 50 random bits, so a fast hash is enough).
      CREATE TABLE recovery_codes (
        id        INTEGER PRIMARY KEY,
        user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash TEXT    NOT NULL,
        used_at   INTEGER,
        UNIQUE (user_id, code_hash)
      ) STRICT;
    `,
  },
  {
    version: 18,
    name: 'when each session was last seen, and each person\'s security events',
    sql: `
      ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
      -- Sign-ins, failed sign-ins, lockouts, password and two-factor changes, sessions ended: what the account page
      -- lists, kept 180 days (the hourly sweep prunes older ones). detail is a short code, never a secret.
      CREATE TABLE security_events (
        id      INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        at      INTEGER NOT NULL,
        event   TEXT    NOT NULL,
        ip      TEXT,
        detail  TEXT
      ) STRICT;
      CREATE INDEX security_events_by_user ON security_events(user_id, at DESC);
      CREATE INDEX security_events_by_age ON security_events(at);
    `,
  },
  {
    version: 19,
    name: 'passkeys',
    sql: `
      -- WebAuthn credentials: the public key and the signature counter the authenticator reports, never a secret.
      CREATE TABLE passkeys (
        id            INTEGER PRIMARY KEY,
        user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        credential_id TEXT    NOT NULL UNIQUE,
        public_key    BLOB    NOT NULL,
        counter       INTEGER NOT NULL DEFAULT 0,
        transports    TEXT,
        name          TEXT    NOT NULL,
        created_at    INTEGER NOT NULL,
        last_used_at  INTEGER
      ) STRICT;
      CREATE INDEX passkeys_by_user ON passkeys(user_id);
    `,
  },
  {
    version: 20,
    name: 'personal access tokens for the API',
    sql: `
      -- Only the SHA-256 of a token is kept (a token is 32 random bytes, so a fast hash is enough): a copy of the
      -- database holds no usable token. Revoking deletes the row.
      CREATE TABLE api_tokens (
        id           INTEGER PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name         TEXT    NOT NULL,
        token_hash   TEXT    NOT NULL UNIQUE,
        scope        TEXT    NOT NULL CHECK (scope IN ('read', 'read-write')),
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER,
        last_used_at INTEGER
      ) STRICT;
      CREATE INDEX api_tokens_by_user ON api_tokens(user_id);
    `,
  },
  {
    version: 21,
    name: 'idempotency keys for API writes',
    sql: `
      -- A write's key, what it was (method, path and body digest) and its answer, stored in the write's own
      -- transaction: a retry with the same key and body gets that answer again and changes nothing. Kept 24 hours.
      CREATE TABLE idempotency_keys (
        user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        key         TEXT    NOT NULL,
        request     TEXT    NOT NULL,
        status      INTEGER NOT NULL,
        response    TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,
        PRIMARY KEY (user_id, key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
    `,
  },
  {
    version: 22,
    name: 'all-time income and expense per person',
    sql: `
      -- The all-time income and expense of each person (the dashboard's and the API's balance), kept from
      -- monthly_totals by triggers on it, so that reading them is two rows whatever the length of the history. The
      -- bulk loader writes monthly_totals directly, and these triggers follow it there too.
      CREATE TABLE user_totals (
        user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        type        TEXT    NOT NULL,
        total_cents INTEGER NOT NULL,
        PRIMARY KEY (user_id, type)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO user_totals (user_id, type, total_cents)
        SELECT user_id, type, sum(total_cents) FROM monthly_totals GROUP BY user_id, type;
      CREATE TRIGGER monthly_totals_user_insert AFTER INSERT ON monthly_totals BEGIN
        INSERT INTO user_totals (user_id, type, total_cents) VALUES (NEW.user_id, NEW.type, NEW.total_cents)
        ON CONFLICT (user_id, type) DO UPDATE SET total_cents = total_cents + excluded.total_cents;
      END;
      CREATE TRIGGER monthly_totals_user_update AFTER UPDATE OF total_cents ON monthly_totals BEGIN
        UPDATE user_totals SET total_cents = total_cents - OLD.total_cents + NEW.total_cents
         WHERE user_id = NEW.user_id AND type = NEW.type;
      END;
      CREATE TRIGGER monthly_totals_user_delete AFTER DELETE ON monthly_totals BEGIN
        UPDATE user_totals SET total_cents = total_cents - OLD.total_cents WHERE user_id = OLD.user_id AND type = OLD.type;
      END;
    `,
  },
  {
    version: 23,
    name: 'statements: each imported row keeps its bank id, each account the statement account it was imported from',
    sql: `
      -- An imported row's key within its account: the bank's own id ("id:" and OFX FITID, CAMT AcctSvcrRef or
      -- NtryRef) or a fingerprint ("fp:") of day, amount, description and occurrence in the file. Unique per
      -- account, so importing a statement again, or one that overlaps, can only add the rows that are new.
      ALTER TABLE transactions ADD COLUMN import_key TEXT;
      CREATE UNIQUE INDEX transactions_by_import_key ON transactions(account_id, import_key) WHERE import_key IS NOT NULL;
      -- The account identifier a statement names (an IBAN, bank and account numbers), remembered on the account it
      -- was first imported into, so the next statement from it goes there by default.
      ALTER TABLE accounts ADD COLUMN statement_account TEXT;
      CREATE UNIQUE INDEX accounts_by_statement_account ON accounts(user_id, statement_account) WHERE statement_account IS NOT NULL;
    `,
  },
  {
    version: 24,
    name: 'remembered CSV mappings',
    sql: `
      -- How a person last imported a CSV file with these column headers (the mapping, date format, decimal separator,
      -- target account and choices, as JSON), keyed by a digest of the normalised header, so the next file from the
      -- same bank opens with them.
      CREATE TABLE csv_mappings (
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        header_key TEXT    NOT NULL,
        settings   TEXT    NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, header_key)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 25,
    name: 'rules that categorise and rename',
    sql: `
      -- A person's ordered rules: what a row must look like (description text, an amount range, a type, an account;
      -- every one given must hold) and what a match does (a category, a new description). A rule whose category or
      -- account is deleted goes with it: it would no longer mean what its owner wrote.
      CREATE TABLE rules (
        id               INTEGER PRIMARY KEY,
        user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        position         INTEGER NOT NULL,
        text_match       TEXT    CHECK (text_match IN ('contains', 'starts', 'equals')),
        text_value       TEXT,
        amount_min_cents INTEGER,
        amount_max_cents INTEGER,
        type             TEXT    CHECK (type IN ('income', 'expense')),
        account_id       INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
        category_id      INTEGER REFERENCES categories(id) ON DELETE CASCADE,
        rename           TEXT,
        created_at       INTEGER NOT NULL,
        CHECK ((text_match IS NULL) = (text_value IS NULL)),
        CHECK ((amount_min_cents IS NULL) = (amount_max_cents IS NULL))
      ) STRICT;
      CREATE INDEX rules_by_user ON rules(user_id, position);
    `,
  },
  {
    version: 26,
    name: 'rules that mark a row as a transfer',
    sql: `
      -- A rule may mark a matching row as a transfer to another of the person's accounts instead of setting a
      -- category (a transfer has none). Like the rule's other account, it goes with the account.
      ALTER TABLE rules ADD COLUMN transfer_account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE
        CHECK (transfer_account_id IS NULL OR category_id IS NULL);
    `,
  },
  {
    version: 27,
    name: 'remembered CSV mappings keep their header',
    sql: `
      -- The header line a remembered mapping was made for (cut to 500 characters), so the import page can list what it
      -- remembers and the person can forget one. Mappings saved before have none to show until used again.
      ALTER TABLE csv_mappings ADD COLUMN header TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    version: 28,
    name: 'full-text search over descriptions (FTS5, trigram)',
    sql: `
      -- Text search that stays flat however long the history: every description in an FTS5 index of trigrams (so
      -- "off" finds "coffee"), case and accents set aside, kept by triggers in the same transaction as every write.
      -- Each entry's rowid is user_id * 2^32 + the transaction's id, so one person's entries are one range of rowids
      -- and a search seeks only that person's matches, whoever else shares the database. It keeps no copy of the text
      -- (contentless, deletable by rowid).
      CREATE VIRTUAL TABLE transactions_fts USING fts5(
        description, content = '', contentless_delete = 1, tokenize = 'trigram remove_diacritics 1'
      );
      CREATE TRIGGER transactions_fts_insert AFTER INSERT ON transactions BEGIN
        INSERT INTO transactions_fts (rowid, description) VALUES (NEW.user_id * 4294967296 + NEW.id, NEW.description);
      END;
      CREATE TRIGGER transactions_fts_delete AFTER DELETE ON transactions BEGIN
        DELETE FROM transactions_fts WHERE rowid = OLD.user_id * 4294967296 + OLD.id;
      END;
      CREATE TRIGGER transactions_fts_update AFTER UPDATE OF description ON transactions BEGIN
        DELETE FROM transactions_fts WHERE rowid = OLD.user_id * 4294967296 + OLD.id;
        INSERT INTO transactions_fts (rowid, description) VALUES (NEW.user_id * 4294967296 + NEW.id, NEW.description);
      END;
      INSERT INTO transactions_fts (rowid, description) SELECT user_id * 4294967296 + id, description FROM transactions;
    `,
  },

  {
    version: 29,
    name: 'all-time counts per person',
    sql: `
      -- How many incomes and expenses each person has in all, beside their all-time sums, so that the unfiltered
      -- transactions list reads its totals and count from two rows instead of summing every month group.
      ALTER TABLE user_totals ADD COLUMN tx_count INTEGER NOT NULL DEFAULT 0;
      UPDATE user_totals SET tx_count = coalesce(
        (SELECT sum(m.tx_count) FROM monthly_totals m WHERE m.user_id = user_totals.user_id AND m.type = user_totals.type), 0);
      DROP TRIGGER monthly_totals_user_insert;
      DROP TRIGGER monthly_totals_user_update;
      DROP TRIGGER monthly_totals_user_delete;
      CREATE TRIGGER monthly_totals_user_insert AFTER INSERT ON monthly_totals BEGIN
        INSERT INTO user_totals (user_id, type, total_cents, tx_count) VALUES (NEW.user_id, NEW.type, NEW.total_cents, NEW.tx_count)
        ON CONFLICT (user_id, type) DO UPDATE SET total_cents = total_cents + excluded.total_cents, tx_count = tx_count + excluded.tx_count;
      END;
      CREATE TRIGGER monthly_totals_user_update AFTER UPDATE OF total_cents, tx_count ON monthly_totals BEGIN
        UPDATE user_totals SET total_cents = total_cents - OLD.total_cents + NEW.total_cents, tx_count = tx_count - OLD.tx_count + NEW.tx_count
         WHERE user_id = NEW.user_id AND type = NEW.type;
      END;
      CREATE TRIGGER monthly_totals_user_delete AFTER DELETE ON monthly_totals BEGIN
        UPDATE user_totals SET total_cents = total_cents - OLD.total_cents, tx_count = tx_count - OLD.tx_count
         WHERE user_id = OLD.user_id AND type = OLD.type;
      END;
    `,
  },
  {
    version: 30,
    name: 'the text index merged into one segment',
    sql: `
      -- Migration 28 filled the text index in one statement, which leaves it as many segments with merges pending,
      -- and FTS5 then does a share of that merging on every later write: on a 1,000,000-row database, 1,000
      -- single-row inserts took 180-245 ms with the index as filled, 29-30 ms once merged (0.3 s, once).
      INSERT INTO transactions_fts (transactions_fts) VALUES ('optimize');
    `,
  },
  {
    version: 31,
    name: 'all-time totals kept within exact range',
    sql: `
      -- A person's all-time incomes, and expenses, stay within ${MAX_TOTAL_CENTS} cents (domain/money.ts): every sum a page
      -- shows is part of one of them, so it stays a safe integer. A write that would take one further is refused
      -- whole; one that brings it back down (deleting rows) is always allowed.
      CREATE TRIGGER user_totals_in_range_insert BEFORE INSERT ON user_totals
        WHEN abs(NEW.total_cents) > ${MAX_TOTAL_CENTS} BEGIN SELECT RAISE(ABORT, '${TOTALS_TOO_LARGE}'); END;
      CREATE TRIGGER user_totals_in_range_update BEFORE UPDATE OF total_cents ON user_totals
        WHEN abs(NEW.total_cents) > ${MAX_TOTAL_CENTS} AND abs(NEW.total_cents) > abs(OLD.total_cents) BEGIN SELECT RAISE(ABORT, '${TOTALS_TOO_LARGE}'); END;
    `,
  },
  {
    version: 32,
    name: 'account totals follow only the changes that move them',
    sql: `
      -- An account's monthly totals changed on every UPDATE naming one of their columns, and an UPDATE of the status
      -- took the row out of its month and put it back (three statements a row) even when only its reconciled mark
      -- changed, which moves no total. Finishing a reconciliation of 1,000,000 rows, or ticking them all, spent most
      -- of its time there. Now a move (owner, account, type, amount or day) takes the row out and puts it back as
      -- before; a change of status alone adjusts the cleared total, and only when the row enters or leaves
      -- "uncleared"; anything else changes no total.
      DROP TRIGGER transactions_account_totals_update;
      CREATE TRIGGER transactions_account_totals_update
      AFTER UPDATE OF user_id, account_id, type, amount_cents, occurred_on, status ON transactions
      WHEN OLD.user_id IS NOT NEW.user_id OR OLD.account_id IS NOT NEW.account_id OR OLD.type IS NOT NEW.type
        OR OLD.amount_cents IS NOT NEW.amount_cents OR OLD.occurred_on IS NOT NEW.occurred_on BEGIN
        ${takeFrom('OLD')}
        ${addTo('NEW')}
      END;
      CREATE TRIGGER transactions_account_totals_status
      AFTER UPDATE OF status ON transactions
      WHEN (OLD.status = 'uncleared') IS NOT (NEW.status = 'uncleared')
        AND OLD.user_id IS NEW.user_id AND OLD.account_id IS NEW.account_id AND OLD.type IS NEW.type
        AND OLD.amount_cents IS NEW.amount_cents AND OLD.occurred_on IS NEW.occurred_on BEGIN
        UPDATE account_monthly_totals SET cleared_net_cents = cleared_net_cents - ${clearedOn('OLD')} + ${clearedOn('NEW')}
         WHERE user_id = NEW.user_id AND account_id = NEW.account_id AND month = substr(NEW.occurred_on, 1, 7);
      END;
    `,
  },
  {
    version: 33,
    name: 'budget rollover starts in the month it is turned on',
    sql: `
      -- Rollover was a yes/no per category, and the chain of carried amounts always began at the category's first
      -- budgeted month: turning it on in December rewrote every month before ("$150.00 left" in a November that had
      -- shown $50.00). The month it was turned on is kept now, and carrying begins there. A rollover already on keeps
      -- what it showed: '0000-01' is before any budget, so its chain still begins at the first budgeted month.
      ALTER TABLE categories ADD COLUMN budget_rollover_from TEXT
        CHECK (budget_rollover_from IS NULL OR (length(budget_rollover_from) = 7 AND budget_rollover_from GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'));
      UPDATE categories SET budget_rollover_from = '0000-01' WHERE budget_rollover = 1;
    `,
  },
  {
    version: 34,
    name: 'a schedule counts its times across edits',
    sql: `
      -- "N times" counted the positions of the present rule from its start date, so an edit could post more than N
      -- (a new interval) or never go on (a count raised after the series ended). An edit now records where the count
      -- stands in the new rule's positions (domain/schedules.ts countOffsetFor); 0 for a schedule never edited.
      ALTER TABLE schedules ADD COLUMN count_offset INTEGER NOT NULL DEFAULT 0
        CHECK (typeof(count_offset) = 'integer' AND count_offset BETWEEN -1000000000 AND 1000000000);
    `,
  },
  {
    version: 35,
    name: 'sessions are stored under a digest of their id',
    sql: `
      -- Sessions were stored under their ids, the cookies' secret: anyone with a copy of the database file or a
      -- backup could sign in as every person with a live session. They are now stored under a SHA-256 digest of
      -- the id (db/session-store.ts). SQL cannot compute one, and a session kept under its raw id could be presented
      -- from an old copy, so the sessions end: everyone signs in again once.
      DELETE FROM sessions;
    `,
  },
  {
    version: 36,
    name: 'an import marks the rows it wrote',
    sql: `
      -- Undoing an import removed the rows whose ids lay in the range it wrote; ids are reused once the highest rows
      -- are deleted, so a row typed later could fall in that range and go with it. The import now marks its rows
      -- with its job's id, in the same transaction, and an undo removes only rows in its range that bear the mark.
      -- No index: an undo reads its range by the primary key. No trigger follows the column.
      ALTER TABLE transactions ADD COLUMN import_job INTEGER;
    `,
  },
  {
    version: 37,
    name: 'at most so many categories, accounts, rules and schedules a person',
    sql: `
      -- domain/limits.ts: these are read whole onto pages and into every add, so one person's tens of thousands
      -- slowed everyone. Held here, so every way in is held alike; a person already over a limit keeps what they
      -- have and cannot add more. The count seeks each table's index on user_id.
      ${limitTrigger('categories', 'categories', 1000)}
      ${limitTrigger('accounts', 'accounts', 200)}
      ${limitTrigger('rules', 'rules', 500)}
      ${limitTrigger('schedules', 'schedules', 500)}
    `,
  },
  {
    version: 38,
    name: 'at most so many live API tokens a person',
    sql: `
      -- domain/limits.ts: each token has its own rate limit, so unlimited tokens were an unlimited rate. Tokens that
      -- have expired do not count (they stay listed until revoked); a revoked token is deleted.
      ${limitTrigger('api_tokens', 'apiTokens', 25, ' AND (expires_at IS NULL OR expires_at > NEW.created_at)')}
    `,
  },
  {
    version: 39,
    name: 'stored category and account names the stricter name rule refuses are repaired',
    up: namesUnderTheStricterRule,
  },
  {
    version: 40,
    name: 'budget rollover is a setting from a month on, kept for every month it was changed in',
    sql: `
      -- Rollover was one start month per category, and turning it off forgot it: every earlier month lost what it had
      -- carried (a February that had shown $262.89 available read $250.00 and over budget). Now each change is kept
      -- with its month, and a month's setting is the latest change up to it: turning it off in June leaves January to
      -- May as they were, as turning it on never changed the months before it. '0000-01' (migration 33) stays the
      -- start of a rollover that was on before months were kept.
      CREATE TABLE budget_rollover_changes (
        user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
        month       TEXT    NOT NULL CHECK (length(month) = 7 AND month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
        rollover    INTEGER NOT NULL CHECK (rollover IN (0, 1)),
        PRIMARY KEY (user_id, category_id, month)
      ) WITHOUT ROWID;
      -- A category deleted goes with its changes (the cascade), found by this index rather than by a scan.
      CREATE INDEX budget_rollover_changes_by_category ON budget_rollover_changes(category_id);
      INSERT INTO budget_rollover_changes (user_id, category_id, month, rollover)
      SELECT user_id, id, budget_rollover_from, 1 FROM categories WHERE budget_rollover_from IS NOT NULL AND kind = 'expense';
      ALTER TABLE categories DROP COLUMN budget_rollover_from;
      ALTER TABLE categories DROP COLUMN budget_rollover;
    `,
  },
  {
    version: 41,
    name: "an account's transfers are found without reading everyone else's",
    sql: `
      -- The transfers of one account (either side), newest first: the legs alone, so a page of an account with few
      -- transfers reads those, not every transfer of the person (repos/transfers.ts). Incomes and expenses, most rows,
      -- are not in it and cost nothing more to write.
      CREATE INDEX transactions_transfer_legs_by_account ON transactions(account_id, occurred_on DESC, id DESC) WHERE transfer_id IS NOT NULL;
    `,
  },
  {
    version: 42,
    name: 'budget rollover is kept for each month it is saved in',
    up: rolloverSettingsTable,
  },
  {
    version: 43,
    name: 'transfer totals per account and month; rollover settings only on the owner\'s categories',
    up: transferTotalsAndRolloverOwner,
  },
  {
    version: 44,
    name: 'stored emails in Unicode NFC, as sign-in now reads them',
    up: emailsInNfc,
  },
  {
    version: 45,
    name: 'an occurrence says whether its schedule wrote its row or took one already recorded',
    sql: `
      -- Deleting a schedule may now delete the rows it posted (a start typed years back posted two years of rent). A
      -- row it took as an occurrence because it was recorded already (typed, or imported from the bank) is the
      -- person's own and stays: such occurrences are marked. Those taken so far are the rows written before their
      -- schedule was made (a schedule takes rows only when it is saved; what it posts comes after).
      ALTER TABLE schedule_occurrences ADD COLUMN recorded INTEGER NOT NULL DEFAULT 0 CHECK (recorded IN (0, 1));
      -- So are rows a bank file brought in (an import key, or an import's mark), whenever they were written.
      UPDATE schedule_occurrences SET recorded = 1
       WHERE outcome = 'posted'
         AND EXISTS (SELECT 1 FROM transactions t WHERE t.id = schedule_occurrences.transaction_id
                       AND (t.import_key IS NOT NULL OR t.import_job IS NOT NULL));
      UPDATE schedule_occurrences SET recorded = 1
       WHERE outcome = 'posted'
         AND coalesce((SELECT t.created_at FROM transactions t WHERE t.id = schedule_occurrences.transaction_id),
                      (SELECT f.created_at FROM transfers f WHERE f.id = schedule_occurrences.transfer_id))
           < (SELECT strftime('%Y-%m-%dT%H:%M:%fZ', s.created_at / 1000.0, 'unixepoch') FROM schedules s WHERE s.id = schedule_occurrences.schedule_id);
    `,
  },
  {
    version: 46,
    name: 'the instance remembers the currency its amounts are in',
    sql: `
      -- Amounts are integer cents of no stated currency: a restart with another CURRENCY relabelled every one of them
      -- (1,200.00 USD of rent read 1,200.00 EUR). The first start records its CURRENCY here (db/instance-settings.ts),
      -- and a start with another one is refused until the owner says so (npm run admin -- set-currency). One row
      -- per setting of the whole instance, none a person's.
      CREATE TABLE instance_settings (
        name  TEXT PRIMARY KEY CHECK (name IN ('currency')),
        value TEXT NOT NULL CHECK (length(value) = 3 AND value GLOB '[A-Z][A-Z][A-Z]')
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 47,
    name: 'a cleared row remembers the open reconciliation that ticked it',
    sql: `
      -- Stopping a reconciliation left every row ticked in it cleared, with no way to tell them from the rows cleared
      -- before it began. A tick now writes the open reconciliation's id beside the status, in the same UPDATE (the
      -- totals triggers follow status alone, so the mark costs nothing more); a stop unticks those rows, or keeps them
      -- and forgets the mark, as the person chooses. No index: a stop walks the account's cleared rows, which the
      -- (account, status, day) index already finds. No foreign key: the stop clears the mark before the row goes.
      ALTER TABLE transactions ADD COLUMN cleared_in INTEGER;
    `,
  },
  {
    version: 48,
    name: "a person's last bulk category change can be undone",
    sql: `
      -- Set category on a selection of rows replaced each row's category, and the ones they had were gone. The last
      -- such change of each person is kept here, one row a person (a new change replaces it), with each row's id, the
      -- category it had and the one it was given: Undo puts back the first where the row still holds the second, once,
      -- within a day (services/transactions.ts). At most 100 rows a change (web/forms/bulk-form.ts).
      CREATE TABLE category_undos (
        user_id       INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        made_at       INTEGER NOT NULL,
        category_name TEXT,
        rows          TEXT    NOT NULL CHECK (json_valid(rows) AND json_type(rows) = 'array')
      );
    `,
  },
];

/**
 * Step 44. Sign-in, sign-up and the owner's commands now read an email in NFC (domain/users.ts normaliseEmail), so an
 * address stored decomposed (e + U+0301, as some keyboards type it) would no longer be found: it is rewritten in NFC.
 * One whose NFC form another account already has (a look-alike registered beside it) keeps its spelling; the account
 * holding the NFC form is the one a sign-in finds, and the owner sees both in `admin list-users`. Addresses holding
 * control or format characters are left as stored: they still sign in typed exactly; new ones are refused.
 */
function emailsInNfc(db: Db): void {
  const rows = db.prepare<[], { id: number; email: string }>('SELECT id, email FROM users ORDER BY id').all();
  const taken = db.prepare<[string, number], { one: number }>('SELECT 1 AS one FROM users WHERE email = ? AND id <> ?');
  const rewrite = db.prepare<[string, number]>('UPDATE users SET email = ? WHERE id = ?');
  for (const row of rows) {
    const nfc = row.email.normalize('NFC');
    if (nfc !== row.email && !taken.get(nfc, row.id)) rewrite.run(nfc, row.id);
  }
}

/**
 * Step 42. Keeping only the months rollover changed in (migration 40) let unticking March also untick a June that had
 * been saved ticked. Now the box of every month a budget is saved in is kept, and a month's setting is its own, or
 * else the latest saved before it. The changes kept so far mean the same under this rule, so they stay: the table is
 * renamed. For a few commits migration 40 itself made budget_rollover_settings (the same table and index), so a
 * database made then is at version 41 already in this shape, and there is nothing to rename.
 */
function rolloverSettingsTable(db: Db): void {
  const made = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'budget_rollover_changes'").get();
  if (!made) return;
  db.exec(`
    ALTER TABLE budget_rollover_changes RENAME TO budget_rollover_settings;
    DROP INDEX budget_rollover_changes_by_category;
    CREATE INDEX budget_rollover_settings_by_category ON budget_rollover_settings(category_id);
  `);
}

/** What a transactions row adds to its account month's incoming transfers (trigger bodies of step 43). */
const transferInOn = (row: 'NEW' | 'OLD') => `CASE WHEN ${row}.type = 'transfer_in' THEN ${row}.amount_cents ELSE 0 END`;

/**
 * Step 43. The transfers page said how many transfers a filter keeps and what they moved by reading every leg: 280 ms
 * for a person with 100,000 transfers, on every page. Each account's month now keeps what came in by transfer (sum
 * and count); what went out follows from the totals it already had (net = income + in - expense - out), so the
 * triggers add two columns, not four. A range reads its whole months here and its two part months by date.
 * And budget_rollover_settings gets the owner check budgets have had since step 18, as a second line of defence
 * behind the service, with its months checked (01-12, or '0000-01', the start of a rollover from before months).
 */
function transferTotalsAndRolloverOwner(db: Db): void {
  db.exec(`
    ALTER TABLE account_monthly_totals ADD COLUMN transfer_in_cents INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE account_monthly_totals ADD COLUMN transfer_in_count INTEGER NOT NULL DEFAULT 0;
    UPDATE account_monthly_totals SET transfer_in_cents = t.cents, transfer_in_count = t.n
      FROM (SELECT user_id, account_id, substr(occurred_on, 1, 7) AS month, sum(amount_cents) AS cents, count(*) AS n
              FROM transactions WHERE type = 'transfer_in' GROUP BY 1, 2, 3) t
     WHERE account_monthly_totals.user_id = t.user_id AND account_monthly_totals.account_id = t.account_id
       AND account_monthly_totals.month = t.month;

    DROP TRIGGER transactions_account_totals_insert;
    CREATE TRIGGER transactions_account_totals_insert AFTER INSERT ON transactions BEGIN
      ${addToWithTransfers('NEW')}
    END;
    DROP TRIGGER transactions_account_totals_delete;
    CREATE TRIGGER transactions_account_totals_delete AFTER DELETE ON transactions BEGIN
      ${takeFromWithTransfers('OLD')}
    END;
    DROP TRIGGER transactions_account_totals_update;
    CREATE TRIGGER transactions_account_totals_update
    AFTER UPDATE OF user_id, account_id, type, amount_cents, occurred_on, status ON transactions
    WHEN OLD.user_id IS NOT NEW.user_id OR OLD.account_id IS NOT NEW.account_id OR OLD.type IS NOT NEW.type
      OR OLD.amount_cents IS NOT NEW.amount_cents OR OLD.occurred_on IS NOT NEW.occurred_on BEGIN
      ${takeFromWithTransfers('OLD')}
      ${addToWithTransfers('NEW')}
    END;

    CREATE TRIGGER budget_rollover_settings_owner BEFORE INSERT ON budget_rollover_settings
    WHEN (SELECT user_id FROM categories WHERE id = NEW.category_id AND kind = 'expense') IS NOT NEW.user_id
      OR (NEW.month <> '0000-01' AND substr(NEW.month, 6, 2) NOT BETWEEN '01' AND '12') BEGIN
      SELECT RAISE(ABORT, 'rollover setting on a category that is not the user''s expense category, or in no month');
    END;
    CREATE TRIGGER budget_rollover_settings_owner_update BEFORE UPDATE OF user_id, category_id, month ON budget_rollover_settings
    WHEN (SELECT user_id FROM categories WHERE id = NEW.category_id AND kind = 'expense') IS NOT NEW.user_id
      OR (NEW.month <> '0000-01' AND substr(NEW.month, 6, 2) NOT BETWEEN '01' AND '12') BEGIN
      SELECT RAISE(ABORT, 'rollover setting on a category that is not the user''s expense category, or in no month');
    END;
  `);
}

/** addTo (step 7) with the incoming transfers of step 43. */
const addToWithTransfers = (row: 'NEW' | 'OLD') => `
      INSERT INTO account_monthly_totals
        (user_id, account_id, month, net_cents, cleared_net_cents, income_cents, income_count, expense_cents, expense_count, tx_count,
         transfer_in_cents, transfer_in_count)
      VALUES (${row}.user_id, ${row}.account_id, substr(${row}.occurred_on, 1, 7), ${signedOn(row)}, ${clearedOn(row)},
              ${incomeOn(row)}, ${row}.type = 'income', ${expenseOn(row)}, ${row}.type = 'expense', 1,
              ${transferInOn(row)}, ${row}.type = 'transfer_in')
      ON CONFLICT (user_id, account_id, month) DO UPDATE SET
        net_cents = net_cents + excluded.net_cents,
        cleared_net_cents = cleared_net_cents + excluded.cleared_net_cents,
        income_cents = income_cents + excluded.income_cents,
        income_count = income_count + excluded.income_count,
        expense_cents = expense_cents + excluded.expense_cents,
        expense_count = expense_count + excluded.expense_count,
        tx_count = tx_count + 1,
        transfer_in_cents = transfer_in_cents + excluded.transfer_in_cents,
        transfer_in_count = transfer_in_count + excluded.transfer_in_count;`;

/** takeFrom (step 7) with the incoming transfers of step 43. */
const takeFromWithTransfers = (row: 'NEW' | 'OLD') => `
      UPDATE account_monthly_totals
         SET net_cents = net_cents - ${signedOn(row)}, cleared_net_cents = cleared_net_cents - ${clearedOn(row)},
             income_cents = income_cents - ${incomeOn(row)}, income_count = income_count - (${row}.type = 'income'),
             expense_cents = expense_cents - ${expenseOn(row)}, expense_count = expense_count - (${row}.type = 'expense'),
             tx_count = tx_count - 1,
             transfer_in_cents = transfer_in_cents - ${transferInOn(row)}, transfer_in_count = transfer_in_count - (${row}.type = 'transfer_in')
       WHERE user_id = ${row}.user_id AND account_id = ${row}.account_id AND month = substr(${row}.occurred_on, 1, 7);
      DELETE FROM account_monthly_totals
       WHERE user_id = ${row}.user_id AND account_id = ${row}.account_id AND month = substr(${row}.occurred_on, 1, 7)
         AND tx_count = 0;`;
