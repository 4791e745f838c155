import type { Db } from './open.ts';

/**
 * Demo and benchmark data: realistic-looking users and transactions, written fast in one transaction.
 * Used by `npm run seed:demo` (src/tools/seed-demo.ts) and the benchmark (test/bench/bench.ts).
 */

/** A repeatable source of numbers in [0, 1), so a seed number gives the same data every time. */
export type RandomSource = () => number;

/** mulberry32: tiny, fast and good enough to spread demo data; not for anything secret. */
export function createRandomSource(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedTransactionsOptions {
  /** How many transactions to add for the user. */
  readonly count: number;
  /** The newest possible date (YYYY-MM-DD); dates spread evenly back from here. */
  readonly endOn: string;
  /** How many years back the dates go. */
  readonly years: number;
  readonly random: RandomSource;
  /** Share of rows that are income (0..1). */
  readonly incomeShare?: number;
  /**
   * 'bulk' computes the monthly totals once with GROUP BY instead of per row in the insert trigger;
   * 'trigger' lets the trigger do it row by row. Both give identical totals (test/integration/derived-totals).
   * Default: bulk from 10,000 rows up.
   */
  readonly mode?: 'bulk' | 'trigger';
  /**
   * Bulk mode only: drop the secondary indexes of transactions and rebuild them by sorting afterwards.
   * Default: when the new rows outnumber the rows already in the table (a rebuild re-sorts every user's rows).
   */
  readonly rebuildIndexes?: boolean;
  /** Insert newest first instead of oldest first (ids then fall as dates rise). For measuring index costs. */
  readonly newestFirst?: boolean;
}

export interface SeedReport {
  readonly userId: number;
  readonly inserted: number;
  readonly mode: 'bulk' | 'trigger';
  /** How many secondary indexes were dropped and rebuilt by sorting (bulk mode on a small table). */
  readonly rebuiltIndexes: number;
  /** Milliseconds per phase (insert, indexes, totals). */
  readonly phases: Readonly<Record<string, number>>;
  readonly milliseconds: number;
}

interface Theme {
  readonly descriptions: readonly string[];
  /** Typical amount range in whole currency units. */
  readonly min: number;
  readonly max: number;
}

// Keyed by the lower-cased default category names; anything else falls back to the generic theme.
const EXPENSE_THEMES: Readonly<Record<string, Theme>> = {
  groceries: { descriptions: ['Supermarket', 'Farmers market', 'Corner shop', 'Bakery', 'Butcher', 'Weekly shop'], min: 4, max: 160 },
  housing: { descriptions: ['Rent', 'Mortgage payment', 'Home insurance', 'Plumber', 'Furniture'], min: 80, max: 1800 },
  transport: { descriptions: ['Bus pass', 'Fuel', 'Train ticket', 'Taxi', 'Parking', 'Bike repair'], min: 2, max: 120 },
  utilities: { descriptions: ['Electricity bill', 'Water bill', 'Internet', 'Phone bill', 'Gas bill'], min: 20, max: 220 },
  'eating out': { descriptions: ['Coffee', 'Lunch', 'Pizza night', 'Restaurant dinner', 'Takeaway', 'Brunch'], min: 3, max: 90 },
  health: { descriptions: ['Pharmacy', 'Dentist', 'Gym membership', 'Optician', 'Physiotherapy'], min: 8, max: 250 },
  entertainment: { descriptions: ['Cinema', 'Streaming subscription', 'Concert tickets', 'Books', 'Board game'], min: 5, max: 140 },
};
const GENERIC_EXPENSE: Theme = {
  descriptions: ['Hardware store', 'Gift', 'Clothes', 'Haircut', 'Post office', 'Stationery', 'Charity'],
  min: 2,
  max: 200,
};
const INCOME_THEMES: Readonly<Record<string, Theme>> = {
  salary: { descriptions: ['Salary', 'Monthly salary', 'Bonus', 'Overtime'], min: 1200, max: 5200 },
};
const GENERIC_INCOME: Theme = {
  descriptions: ['Refund', 'Interest', 'Sold old bike', 'Birthday gift', 'Freelance invoice', 'Cashback'],
  min: 5,
  max: 900,
};

interface Pick {
  readonly categoryId: number | null;
  readonly theme: Theme;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Every calendar day from `years` back up to endOn, oldest first. */
function daysBackFrom(endOn: string, years: number): string[] {
  const end = Date.parse(`${endOn}T00:00:00Z`);
  if (Number.isNaN(end)) throw new RangeError(`endOn must be YYYY-MM-DD, got "${endOn}"`);
  const first = new Date(end);
  first.setUTCFullYear(first.getUTCFullYear() - years);
  const days: string[] = [];
  for (let t = first.getTime() + DAY_MS; t <= end; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** Creates users with one shared password hash (hashing once keeps seeding fast); existing emails are reused. */
export function seedUsers(db: Db, emails: readonly string[], passwordHash: string): number[] {
  const insert = db.prepare<[string, string]>('INSERT INTO users (email, password_hash) VALUES (?, ?) ON CONFLICT (email) DO NOTHING');
  const byEmail = db.prepare<[string], { id: number }>('SELECT id FROM users WHERE email = ?');
  return db.transaction(() =>
    emails.map((email) => {
      insert.run(email, passwordHash);
      const row = byEmail.get(email);
      if (!row) throw new Error(`could not create user ${email}`);
      return row.id;
    }),
  ).immediate();
}

/** Sets the password hash of an existing user (the demo account gets a fresh password on every run). */
export function setPasswordHash(db: Db, userId: number, passwordHash: string): void {
  db.prepare<[string, number]>('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId);
}

/** The user's categories split by kind, each paired with the theme its name suggests. */
function picksForUser(db: Db, userId: number): { expense: Pick[]; income: Pick[] } {
  const rows = db
    .prepare<[number], { id: number; kind: 'income' | 'expense'; name: string }>(
      'SELECT id, kind, name FROM categories WHERE user_id = ? ORDER BY id',
    )
    .all(userId);
  const expense: Pick[] = [];
  const income: Pick[] = [];
  for (const row of rows) {
    const key = row.name.toLowerCase();
    if (row.kind === 'expense') expense.push({ categoryId: row.id, theme: EXPENSE_THEMES[key] ?? GENERIC_EXPENSE });
    else income.push({ categoryId: row.id, theme: INCOME_THEMES[key] ?? GENERIC_INCOME });
  }
  // Without categories (or before they exist) rows stay uncategorised but still read like real spending.
  if (expense.length === 0) {
    for (const theme of [...Object.values(EXPENSE_THEMES), GENERIC_EXPENSE]) expense.push({ categoryId: null, theme });
  }
  if (income.length === 0) {
    for (const theme of [...Object.values(INCOME_THEMES), GENERIC_INCOME]) income.push({ categoryId: null, theme });
  }
  return { expense, income };
}

const TOTALS_INSERT_TRIGGER = 'transactions_totals_insert';
const BULK_FROM_ROWS = 10_000;
const ROWS_PER_STATEMENT = 100;

/**
 * Adds `count` transactions for the user in one transaction, dates spread over the years, oldest first so ids
 * rise with dates as when people enter them. Returns what it did and how long it took.
 */
export function seedTransactionsForUser(db: Db, userId: number, options: SeedTransactionsOptions): SeedReport {
  const started = performance.now();
  const { random, count } = options;
  const mode = options.mode ?? (count >= BULK_FROM_ROWS ? 'bulk' : 'trigger');
  const incomeShare = options.incomeShare ?? 0.08;
  const days = daysBackFrom(options.endOn, options.years);
  const picks = picksForUser(db, userId);

  // Sorted day offsets: ascending dates in id order, like a real history entered over time.
  const offsets = new Uint32Array(count);
  for (let i = 0; i < count; i++) offsets[i] = Math.floor(random() * days.length);
  offsets.sort();
  if (options.newestFirst) offsets.reverse();
  const monthOfDay = new Uint32Array(days.length);
  const months: string[] = [];
  days.forEach((day, i) => {
    if (months.at(-1) !== day.slice(0, 7)) months.push(day.slice(0, 7));
    monthOfDay[i] = months.length - 1;
  });
  // Totals per (month, pick) accumulated while generating: what the insert trigger would add up row by row.
  const allPicks = [...picks.income.map((p) => ({ ...p, type: 'income' as const })), ...picks.expense.map((p) => ({ ...p, type: 'expense' as const }))];
  const sums = new Float64Array(months.length * allPicks.length);
  const counts = new Uint32Array(months.length * allPicks.length);

  const placeholders = (n: number) => Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?)').join(', ');
  const insertMany = db.prepare(
    `INSERT INTO transactions (user_id, type, amount_cents, occurred_on, description, category_id) VALUES ${placeholders(ROWS_PER_STATEMENT)}`,
  );
  const insertOne = db.prepare(
    'INSERT INTO transactions (user_id, type, amount_cents, occurred_on, description, category_id) VALUES (?, ?, ?, ?, ?, ?)',
  );

  const params: (string | number | null)[] = [];
  const pushRow = (i: number) => {
    const isIncome = random() < incomeShare;
    const p = isIncome
      ? Math.floor(random() * picks.income.length)
      : picks.income.length + Math.floor(random() * picks.expense.length);
    const pick = allPicks[p]!;
    const theme = pick.theme;
    const description = theme.descriptions[Math.floor(random() * theme.descriptions.length)]!;
    // Skewed towards the low end of the range, as real spending is.
    const units = theme.min + (theme.max - theme.min) * random() * random();
    const amountCents = Math.max(1, Math.round(units * 100));
    const day = offsets[i]!;
    const slot = monthOfDay[day]! * allPicks.length + p;
    sums[slot]! += amountCents;
    counts[slot]! += 1;
    params.push(userId, pick.type, amountCents, days[day]!, description, pick.categoryId);
  };

  const writeRows = () => {
    let i = 0;
    for (; i + ROWS_PER_STATEMENT <= count; i += ROWS_PER_STATEMENT) {
      params.length = 0;
      for (let j = 0; j < ROWS_PER_STATEMENT; j++) pushRow(i + j);
      insertMany.run(params);
    }
    for (; i < count; i++) {
      params.length = 0;
      pushRow(i);
      insertOne.run(params);
    }
  };

  const phases: Record<string, number> = {};
  const timed = <T>(name: string, fn: () => T): T => {
    const t0 = performance.now();
    const out = fn();
    phases[name] = Math.round(performance.now() - t0);
    return out;
  };
  let rebuiltIndexes = 0;
  db.transaction(() => {
    const trigger =
      mode === 'bulk'
        ? db
            .prepare<[string], { sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?")
            .get(TOTALS_INSERT_TRIGGER)
        : undefined;
    if (!trigger) {
      timed('insert', writeRows);
      return;
    }
    // The per-row work (the totals upsert in the trigger, one insertion into every index) is the bulk insert's
    // cost. Inside this one transaction the trigger and, when the new rows outnumber the old ones, the
    // secondary indexes are set aside, the rows go in, the indexes are rebuilt by sorting and the trigger is put
    // back exactly as it was (same SQL), and the totals summed while generating are added in one upsert per group. Other connections
    // only ever see the schema and totals from before or after, never in between.
    const existing = db.prepare<[], { n: number | null }>('SELECT max(id) AS n FROM transactions').get()?.n ?? 0;
    const indexes =
      (options.rebuildIndexes ?? count > existing)
        ? db
            .prepare<[], { name: string; sql: string }>(
              "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'transactions' AND sql IS NOT NULL",
            )
            .all()
        : [];
    db.exec(`DROP TRIGGER ${TOTALS_INSERT_TRIGGER}`);
    for (const index of indexes) db.exec(`DROP INDEX "${index.name.replaceAll('"', '""')}"`);
    timed('insert', writeRows);
    timed('indexes', () => {
      for (const index of indexes) db.exec(index.sql);
    });
    rebuiltIndexes = indexes.length;
    db.exec(trigger.sql);
    timed('totals', () => {
      // Upsert-adds, exactly as the trigger does, so totals of rows the user already had are kept.
      const upsert = db.prepare<[number, string, string, number, number, number]>(
        `INSERT INTO monthly_totals (user_id, month, type, category_key, total_cents, tx_count) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id, month, type, category_key)
         DO UPDATE SET total_cents = total_cents + excluded.total_cents, tx_count = tx_count + excluded.tx_count`,
      );
      for (let slot = 0; slot < counts.length; slot++) {
        if (counts[slot] === 0) continue;
        const pick = allPicks[slot % allPicks.length]!;
        const month = months[Math.floor(slot / allPicks.length)]!;
        upsert.run(userId, month, pick.type, pick.categoryId ?? 0, sums[slot]!, counts[slot]!);
      }
    });
  }).immediate();

  return { userId, inserted: count, mode, rebuiltIndexes, phases, milliseconds: performance.now() - started };
}

/** How many transactions the user has (a count over their rows: for tools and checks, not for pages). */
export function countTransactionsOfUser(db: Db, userId: number): number {
  return db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM transactions WHERE user_id = ?').get(userId)?.n ?? 0;
}

/**
 * The keyset cursor ("YYYY-MM-DD.id" parts) of the row `depth` rows into the user's newest-first list, so the
 * benchmark can open a page deep in history exactly as following "Older" links would reach it.
 */
export function cursorAtDepth(db: Db, userId: number, depth: number): { occurredOn: string; id: number } | undefined {
  const row = db
    .prepare<[number, number], { occurred_on: string; id: number }>(
      'SELECT occurred_on, id FROM transactions WHERE user_id = ? ORDER BY occurred_on DESC, id DESC LIMIT 1 OFFSET ?',
    )
    .get(userId, depth);
  return row && { occurredOn: row.occurred_on, id: row.id };
}

/** The id of the user's category with this kind and name (case-insensitive), if they have one. */
export function findCategoryIdByName(db: Db, userId: number, kind: 'income' | 'expense', name: string): number | undefined {
  return db
    .prepare<[number, string, string], { id: number }>(
      'SELECT id FROM categories WHERE user_id = ? AND kind = ? AND name = ? COLLATE NOCASE',
    )
    .get(userId, kind, name)?.id;
}

/** Every index and trigger with its SQL, sorted by name: to prove a bulk load put the schema back exactly. */
export function listSchemaOf(db: Db): { type: string; name: string; sql: string | null }[] {
  return db
    .prepare<[], { type: string; name: string; sql: string | null }>(
      "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger') ORDER BY name",
    )
    .all();
}
