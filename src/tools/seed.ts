/**
 * Demo and benchmark data: realistic-looking users and transactions, generated from a seed and written fast in
 * one transaction per user. Used by `npm run seed:demo` (seed-demo.ts) and the benchmark (test/bench/bench.ts).
 */
import { bulkLoadTransactions, insertUsersOnce, maxTransactionId, type MonthlyTotalDelta } from '../db/bulk-load.ts';
import type { Db } from '../db/open.ts';
import { createCategoriesRepo } from '../db/repos/categories.ts';
import { addDays, isCalendarDate } from '../domain/calendar.ts';
import type { TransactionType } from '../domain/transactions.ts';

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
   * 'bulk' adds the monthly totals once, summed while generating, instead of per row in the insert trigger;
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

/** Every calendar day after the same day `years` back, up to endOn, oldest first. */
function daysBackFrom(endOn: string, years: number): string[] {
  if (!isCalendarDate(endOn)) throw new RangeError(`endOn must be YYYY-MM-DD, got "${endOn}"`);
  const sameDay = `${String(Number(endOn.slice(0, 4)) - years).padStart(4, '0')}${endOn.slice(4)}`;
  // 29 February has no same day in a common year: it rolls on to 1 March.
  const first = isCalendarDate(sameDay) ? sameDay : addDays(`${sameDay.slice(0, 8)}28`, 1);
  const days: string[] = [];
  for (let day = addDays(first, 1); day <= endOn; day = addDays(day, 1)) days.push(day);
  return days;
}

/** Creates users with one shared password hash (hashing once keeps seeding fast); existing emails are reused. */
export function seedUsers(db: Db, emails: readonly string[], passwordHash: string): number[] {
  return insertUsersOnce(db, emails, passwordHash);
}

/** The user's categories split by kind, each paired with the theme its name suggests. */
function picksForUser(db: Db, userId: number): { expense: Pick[]; income: Pick[] } {
  const expense: Pick[] = [];
  const income: Pick[] = [];
  const categories = createCategoriesRepo(db).listCategoriesForUser(userId).sort((a, b) => a.id - b.id);
  for (const row of categories) {
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

const BULK_FROM_ROWS = 10_000;

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
  const allPicks: (Pick & { type: TransactionType })[] = [
    ...picks.income.map((p) => ({ ...p, type: 'income' as const })),
    ...picks.expense.map((p) => ({ ...p, type: 'expense' as const })),
  ];
  const sums = new Float64Array(months.length * allPicks.length);
  const counts = new Uint32Array(months.length * allPicks.length);

  const fill = (write: (type: TransactionType, cents: number, on: string, description: string, categoryId: number | null) => void) => {
    for (let i = 0; i < count; i++) {
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
      write(pick.type, amountCents, days[day]!, description, pick.categoryId);
    }
  };
  function* totals(): Iterable<MonthlyTotalDelta> {
    for (let slot = 0; slot < counts.length; slot++) {
      if (counts[slot] === 0) continue;
      const pick = allPicks[slot % allPicks.length]!;
      yield { month: months[Math.floor(slot / allPicks.length)]!, type: pick.type, categoryKey: pick.categoryId ?? 0, cents: sums[slot]!, count: counts[slot]! };
    }
  }
  // Rebuilding the indexes re-sorts every user's rows, so it pays only when the new rows outnumber the old.
  const rebuildIndexes = options.rebuildIndexes ?? count > maxTransactionId(db);
  const loaded = bulkLoadTransactions(db, userId, fill, totals, { mode, rebuildIndexes });
  return { userId, inserted: count, mode, rebuiltIndexes: loaded.rebuiltIndexes, phases: loaded.phases, milliseconds: performance.now() - started };
}
