/**
 * Guards the cost of pages without timing anything: every SQL statement a page actually runs (recorded while the
 * real app serves it over HTTP) is passed to EXPLAIN QUERY PLAN with the same parameters, and the plan must
 * neither scan a table that grows with history (transactions, monthly_totals) nor sort rows in a temp B-tree
 * for ORDER BY. A new query on a page that misses an index fails here, whatever the machine.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { Statement } from 'better-sqlite3';
import type { Express } from 'express';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createDataExportRepo } from '../../src/db/repos/data-export.ts';
import { createDataExportService } from '../../src/services/data-export.ts';
import { systemClock } from '../../src/clock.ts';
import { createUsersRepo } from '../../src/db/repos/users.ts';
import { dayAt } from '../../src/domain/calendar.ts';
import { createRandomSource, seedTransactionsForUser } from '../../src/tools/seed.ts';
import { addTransaction, appAndJobsOn, postForm, registerUser, stopServing, TEST_PASSWORD, type Agent } from '../helpers/app.ts';
import type { JobRunner } from '../../src/jobs/runner.ts';
import { importCsv } from '../helpers/csv-import.ts';

/** The test app's today, near enough: its clock starts at the real time, in UTC. */
const TODAY = dayAt(Date.now(), 'UTC');

interface Executed {
  readonly sql: string;
  readonly params: unknown[];
}

interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

/** Tables whose size grows with users' history: a page must only ever seek into them. */
const GROWING_TABLES = new Set(['transactions', 'monthly_totals', 'account_monthly_totals', 'account_category_totals']);
const SQL_WORDS = new Set(['where', 'on', 'left', 'inner', 'join', 'cross', 'group', 'order', 'limit', 'using', 'natural', 'set', 'values', 'union', 'as', 'indexed', 'not']);

/**
 * A Db whose prepared statements record each execution (SQL and parameters) into `log`. Everything else passes
 * straight through to the real connection, so the app behaves exactly as in production.
 */
function recordingDb(db: Db, log: Executed[]): Db {
  const wrap = (stmt: Statement): Statement => {
    const proxy: Statement = new Proxy(stmt, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => unknown;
        if (prop === 'run' || prop === 'get' || prop === 'all' || prop === 'iterate') {
          return (...args: unknown[]) => {
            log.push({ sql: target.source, params: args });
            return fn.apply(target, args);
          };
        }
        // pluck(), raw(), expand(), bind() return the statement itself: keep handing out the recording one.
        return (...args: unknown[]) => {
          const out = fn.apply(target, args);
          return out === target ? proxy : out;
        };
      },
    });
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => wrap(target.prepare(sql));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The names a statement uses for the growing tables: the table names and their aliases. */
function growingTableNames(sql: string): Set<string> {
  const names = new Set<string>();
  for (const match of sql.matchAll(/\b(?:FROM|JOIN|UPDATE|INTO)\s+([A-Za-z_]\w*)(?:\s+(?:AS\s+)?([A-Za-z_]\w*))?/gi)) {
    const table = match[1]!.toLowerCase();
    if (!GROWING_TABLES.has(table)) continue;
    names.add(table);
    const alias = match[2]?.toLowerCase();
    if (alias && !SQL_WORDS.has(alias)) names.add(alias);
  }
  return names;
}

/** What is wrong with a statement's plan, or [] when it only seeks into growing tables and never sorts rows. */
function planProblems(db: Db, executed: Executed): string[] {
  const plan = db.prepare<unknown[], PlanRow>(`EXPLAIN QUERY PLAN ${executed.sql}`).all(...executed.params);
  const names = growingTableNames(executed.sql);
  const problems: string[] = [];
  for (const { detail } of plan) {
    const scan = /^SCAN (\w+)/.exec(detail);
    if (scan && names.has(scan[1]!.toLowerCase())) problems.push(`full scan: ${detail}`);
    if (/USE TEMP B-TREE FOR (?:LAST TERM OF )?ORDER BY/.test(detail) && names.size > 0) problems.push(`sort: ${detail}`);
    if (/^CORRELATED (?:SCALAR|LIST) SUBQUERY/.test(detail) && names.size > 0) problems.push(`a subquery run again for each row: ${detail}`);
  }
  return problems;
}

function uniqueBySql(log: readonly Executed[]): Executed[] {
  const seen = new Map<string, Executed>();
  for (const e of log) if (!seen.has(e.sql)) seen.set(e.sql, e);
  return [...seen.values()];
}

interface Fixture {
  app: Express;
  db: Db;
  log: Executed[];
  agent: Agent;
  /** The app's job runner, not started: a test that imports starts it. */
  jobs: JobRunner;
  groceriesId: number;
  cleanup(): Promise<void>;
}

/** A real app on a temp file, recording every statement, with one signed-in user who has 3,000 transactions. */
async function fixture(): Promise<Fixture> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-plans-'));
  const dbPath = path.join(dir, 'plans.sqlite');
    const db = openDatabase(dbPath);
  migrate(db);
  const log: Executed[] = [];
  const { app, jobs } = appAndJobsOn(recordingDb(db, log), { DATABASE_PATH: dbPath });
  const agent = await registerUser(app, 'plans@example.com');
  await registerUser(app, 'neighbour@example.com');
  const users = createUsersRepo(db);
  const userId = users.findCredentialsByEmail('plans@example.com')!.id;
  const neighbourId = users.findCredentialsByEmail('neighbour@example.com')!.id;
  const random = createRandomSource(5);
  seedTransactionsForUser(db, userId, { count: 3000, endOn: TODAY, years: 10, random });
  seedTransactionsForUser(db, neighbourId, { count: 1000, endOn: TODAY, years: 10, random });
  const groceriesId = createCategoriesRepo(db).findCategoryByName(userId, 'expense', 'Groceries')?.id;
  assert.ok(groceriesId, 'the user has a Groceries category');
  return {
    app,
    db,
    log,
    agent,
    jobs,
    groceriesId,
    async cleanup() {
      await stopServing(app);
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** GETs a page (expecting 200) and returns the statements it ran that read or write the growing tables. */
async function statementsOf(f: Fixture, url: string): Promise<{ html: string; statements: Executed[] }> {
  f.log.length = 0;
  const res = await f.agent.get(url);
  assert.equal(res.status, 200, `GET ${url} answered ${res.status}`);
  const statements = uniqueBySql(f.log).filter((e) => growingTableNames(e.sql).size > 0);
  return { html: res.text, statements };
}

/**
 * Sorts whose size is bounded by design, each with why. The reports' largest expenses of a range are sorted only
 * when the range holds at most 20,000 of the person's expenses, counted from monthly_totals first, and few enough
 * that walking the amount index would cost more; otherwise the statement that walks it runs instead (transactions
 * repo, biggestExpenses).
 */
const BOUNDED_SORTS: readonly RegExp[] = [/INDEXED BY transactions_by_user_type_date\b[\s\S]*ORDER BY t\.amount_cents DESC, t\.id DESC LIMIT \?/];

function assertPlansSeek(f: Fixture, url: string, statements: readonly Executed[]): void {
  assert.ok(statements.length > 0, `GET ${url} ran no statement on transactions or its monthly totals; the recorder missed it`);
  const allowed = (e: Executed, problem: string) => problem.startsWith('sort:') && BOUNDED_SORTS.some((b) => b.test(e.sql));
  const failures = statements.flatMap((e) =>
    planProblems(f.db, e)
      .filter((p) => !allowed(e, p))
      .map((p) => `${p}\n    in: ${e.sql.replace(/\s+/g, ' ').trim()}`),
  );
  assert.deepEqual(failures, [], `GET ${url}:\n  ${failures.join('\n  ')}`);
}

function hrefs(html: string, pattern: RegExp): string[] {
  return [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&')).filter((h) => pattern.test(h));
}

test('the plan checker flags a full scan of transactions and a sort for ORDER BY', async (t) => {
  const f = await fixture();
  t.after(() => f.cleanup());
  const scan = planProblems(f.db, { sql: 'SELECT id FROM transactions WHERE description = ?', params: ['Coffee'] });
  assert.match(scan.join(), /full scan: SCAN transactions/);
  const sort = planProblems(f.db, {
    sql: 'SELECT t.id FROM transactions AS t WHERE t.user_id = ? ORDER BY t.amount_cents DESC LIMIT 50',
    params: [1],
  });
  assert.match(sort.join(), /sort: USE TEMP B-TREE FOR ORDER BY/);
  const keyset = planProblems(f.db, {
    sql: 'SELECT id FROM transactions WHERE user_id = ? ORDER BY occurred_on DESC, id DESC LIMIT 51',
    params: [1],
  });
  assert.deepEqual(keyset, []);
});

test('every dashboard period reads monthly totals and recent rows through indexes', async (t) => {
  const f = await fixture();
  t.after(() => f.cleanup());
  const first = await statementsOf(f, '/dashboard');
  assertPlansSeek(f, '/dashboard', first.statements);
  const periods = [...new Set(hrefs(first.html, /^\/dashboard\?period=/))];
  assert.ok(periods.length > 0, 'the dashboard links to other periods');
  for (const url of periods) {
    const page = await statementsOf(f, url);
    assertPlansSeek(f, url, page.statements);
  }
});

test('the transactions list reads its first page and keyset pages by index without sorting', async (t) => {
  const f = await fixture();
  t.after(() => f.cleanup());
  let url = '/transactions';
  for (let page = 1; page <= 3; page++) {
    const { html, statements } = await statementsOf(f, url);
    assertPlansSeek(f, url, statements);
    const [older] = hrefs(html, /^\/transactions\?(?:.*&)?after=/);
    assert.ok(older, `page ${page} links to older transactions`);
    url = older;
  }
});

test('filtered lists by date, type, category and text, alone and combined, seek by index without sorting', async (t) => {
  const f = await fixture();
  t.after(() => f.cleanup());
  const year = Number(TODAY.slice(0, 4)) - 5;
  const filters = [
    `type=expense&from=${year}-01-01&to=${year}-12-31`,
    `from=${year}-03-01&to=${year}-03-31`,
    'type=income',
    `category=${f.groceriesId}`,
    'q=of',
  ];
  for (const filter of filters) {
    const url = `/transactions?${filter}`;
    const { html, statements } = await statementsOf(f, url);
    assertPlansSeek(f, url, statements);
    // The keyset page of a filtered list keeps the filter and must be as cheap as its first page.
    const [older] = hrefs(html, /^\/transactions\?(?:.*&)?after=/);
    if (older) {
      const next = await statementsOf(f, older);
      assertPlansSeek(f, older, next.statements);
    }
  }
});

test("with a category the rows are read through the category's index; sums never in amount order; an account's category sums its whole months from their totals", async (t) => {
  const f = await fixture();
  t.after(() => f.cleanup());
  const year = Number(TODAY.slice(0, 4)) - 5;
  const accountId = Number(f.db.prepare("SELECT id FROM accounts WHERE user_id = (SELECT id FROM users WHERE email = 'plans@example.com') ORDER BY id LIMIT 1").pluck().get());
  const planOf = (e: Executed) => f.db.prepare<unknown[], PlanRow>(`EXPLAIN QUERY PLAN ${e.sql}`).all(...e.params).map((r) => r.detail);
  // Each passed the checks above, and each read a whole history at 1,000,000 rows by SQLite's own choice of index.
  for (const filter of [
    `account=${accountId}&category=${f.groceriesId}`,
    `account=${accountId}&category=none`,
    `account=${accountId}&from=${year}-03-10&category=${f.groceriesId}`,
    'type=expense&category=none',
    `account=${accountId}&from=${year}-03-10&category=none`,
    'q=ga',
    `category=${f.groceriesId}&q=ga`,
    'category=none&q=ga',
  ]) {
    const url = `/transactions?${filter}`;
    const { statements } = await statementsOf(f, url);
    assertPlansSeek(f, url, statements);
    const category = filter.includes('category=');
    for (const e of statements) {
      const plan = planOf(e);
      const rows = plan.filter((d) => /^SEARCH t USING /.test(d));
      assert.ok(rows.every((d) => !d.includes('transactions_by_user_type_amount')), `${url} reads rows in amount order: ${plan.join(' | ')}`);
      if (category) assert.ok(rows.every((d) => d.includes('transactions_by_user_category_date')), `${url} reads rows otherwise than by the category: ${plan.join(' | ')}`);
    }
    if (filter.startsWith('account=') && !filter.includes('q=')) {
      // (A table that grows with months, not rows: the statements above are those on the tables that grow with rows.)
      assert.ok(f.log.some((e) => e.sql.includes('FROM account_category_totals')), `${url} sums whole months from account_category_totals`);
    }
  }
  // Running the rules over the uncategorised rows of ten years seeks them by the category's index too.
  await postForm(f.agent, '/rules/new', '/rules', { text: 'coffee', match: 'contains', category: String(f.groceriesId), type: '', minAmount: '', maxAmount: '', account: '', transferAccount: '', rename: '' });
  const run = `/rules/run?from=${year - 4}-01-01&to=${TODAY}&scope=uncategorised`;
  const ruled = (await statementsOf(f, run)).statements.filter((e) => e.sql.includes('category_id IS NULL'));
  assert.equal(ruled.length, 1, `${run} reads the uncategorised rows once`);
  assert.ok(planOf(ruled[0]!).some((d) => d.startsWith('SEARCH t USING INDEX transactions_by_user_category_date (user_id=? AND category_id=?')), `${run}: ${planOf(ruled[0]!).join(' | ')}`);
});

/**
 * What is wrong with a text search's plan: it must start from the trigram index's matches and only look rows up by id
 * (or, for a category whose name holds the text, by the category index); sorting the matches is its bounded cost. A
 * page of a frequent word may instead walk one of the person's date indexes newest first, keeping the rows among the
 * matches (read once into a list): then it reads nothing else and sorts nothing.
 */
function searchPlanProblems(db: Db, executed: Executed): string[] {
  const plan = db.prepare<unknown[], PlanRow>(`EXPLAIN QUERY PLAN ${executed.sql}`).all(...executed.params);
  const details = plan.map((p) => p.detail);
  const problems: string[] = [];
  if (!details.some((d) => /^SCAN transactions_fts VIRTUAL TABLE INDEX \d+:M/.test(d))) problems.push(`not driven by the text index: ${details.join(' | ')}`);
  for (const d of details) {
    const access = /^(?:SCAN|SEARCH) (\w+)(?: USING (.*))?$/.exec(d);
    if (!access || !['t', 'm', 'transactions', 'monthly_totals'].includes(access[1]!)) continue;
    const how = access[2] ?? '';
    const byId = /^INTEGER PRIMARY KEY \(rowid=\?\)/.test(how);
    const byCategory = access[1] === 'm' && /transactions_by_user_category_date \(user_id=\? AND category_id=\?\)|transactions_by_user_category_date \(user_id=\?\)/.test(how);
    // A covering walk (the Newer link's, which reads only the keys) reads even less than one that looks rows up.
    const byDate = walks(executed) && access[1] === 't' && /^(?:COVERING )?INDEX transactions_by_(?:user|user_type|user_category|account)_date \((?:user_id|account_id)=\?/.test(how);
    if (!byId && !byCategory && !byDate) problems.push(`reads ${access[1]} otherwise than by id: ${d}`);
  }
  if (walks(executed) && details.some((d) => d.includes('TEMP B-TREE'))) problems.push(`a walk that sorts: ${details.join(' | ')}`);
  return problems;
}

/** Whether a search's page walks a date index (the repository's other way: see pageSearchWay). */
function walks(executed: Executed): boolean {
  return executed.sql.includes('+t.id IN');
}

test('a text search starts from the trigram index: rows are looked up by id or a date index walked, only the matches are summed and sorted', async (t) => {
  const f = await fixture();
  t.after(() => f.cleanup());
  const year = Number(TODAY.slice(0, 4)) - 5;
  const searches = ['q=Coffee', 'q=offe', `category=${f.groceriesId}&from=${year}-01-01&to=${year}-06-30&q=market`, `type=expense&q=bill&from=${year}-01-01`, 'q=grocer'];
  let walked = 0;
  for (const search of searches) {
    const url = `/transactions?${search}`;
    const { html, statements } = await statementsOf(f, url);
    // The count that chooses the page's way reads only the index: it is checked with the others below.
    const searching = statements.filter((e) => e.sql.includes('transactions_fts') && !e.sql.startsWith('SELECT count(*) FROM transactions_fts'));
    walked += searching.filter(walks).length;
    assert.ok(searching.length >= 2, `GET ${url}: the page and its totals both search (${searching.length})`);
    const failures = searching.flatMap((e) => searchPlanProblems(f.db, e).map((p) => `${p}\n    in: ${e.sql.replace(/\s+/g, ' ').trim()}`));
    assert.deepEqual(failures, [], `GET ${url}:\n  ${failures.join('\n  ')}`);
    const others = statements.filter((e) => !searching.includes(e));
    if (others.length > 0) assertPlansSeek(f, url, others);
    const [older] = hrefs(html, /^\/transactions\?(?:.*&)?after=/);
    if (older) {
      const next = (await statementsOf(f, older)).statements.filter((e) => e.sql.includes('transactions_fts') && !e.sql.startsWith('SELECT count(*)'));
      assert.deepEqual(next.flatMap((e) => searchPlanProblems(f.db, e)), [], older);
    }
    // The search's export pages through the same plans, 2,000 rows at a time.
    const exportUrl = `/transactions/export.csv?${search}`;
    const exported = (await statementsOf(f, exportUrl)).statements.filter((e) => e.sql.includes('transactions_fts') && !e.sql.startsWith('SELECT count(*)'));
    assert.ok(exported.length > 0, `${exportUrl} searches`);
    walked += exported.filter(walks).length;
    assert.deepEqual(exported.flatMap((e) => searchPlanProblems(f.db, e)), [], exportUrl);
  }
  assert.ok(walked > 0, 'a search page walked a date index, so that plan was checked too');
});

test('adding a transaction through the form touches only indexed rows', async (t) => {
  const f = await fixture();
  t.after(() => f.cleanup());
  f.log.length = 0;
  const res = await addTransaction(f.agent, { amount: '12.34', description: 'Plan check' });
  assert.equal(res.status, 303);
  const statements = uniqueBySql(f.log).filter((e) => growingTableNames(e.sql).size > 0);
  assertPlansSeek(f, 'POST /transactions', statements);
});

test('a schedule starting in the past looks for the rows already recorded, and its transfers, by index', async (t) => {
  const f = await fixture();
  t.after(() => f.cleanup());
  await postForm(f.agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
  const accounts = (await f.agent.get('/transfers/new')).text;
  const [main, savings] = [...accounts.matchAll(/<option value="(\d+)"[^>]*>(Main account|Savings)</g)].map((m) => m[1]!);
  const start = `${Number(TODAY.slice(0, 4)) - 2}-01-15`;
  const schedule = (fields: Record<string, string>) =>
    postForm(f.agent, '/scheduled/new', '/scheduled', {
      type: 'expense', account: main!, toAccount: '', category: '', amount: '12.00', description: 'Plan', frequency: 'months',
      every: '1', weekday: '', monthDay: '', startOn: start, endOn: '', count: '', backlog: 'post', ...fields,
    });
  f.log.length = 0;
  assert.equal((await schedule({})).status, 303);
  assert.equal((await schedule({ type: 'transfer', toAccount: savings! })).status, 303);
  const statements = uniqueBySql(f.log).filter((e) => growingTableNames(e.sql).size > 0 && /schedule_id IS NULL/.test(e.sql));
  assert.equal(statements.length, 2, 'both searches ran');
  assertPlansSeek(f, 'POST /scheduled', statements);
  // Each one's delete page looks up what it posted (its rows, a transfer's legs) by their own keys.
  for (const id of f.db.prepare('SELECT id FROM schedules').pluck().all() as number[]) {
    const { statements: looked } = await statementsOf(f, `/scheduled/${id}/delete`);
    assertPlansSeek(f, `GET /scheduled/${id}/delete`, looked);
  }
});

test('a large CSV import touches only indexed rows', async (t) => {
  const f = await fixture();
  f.jobs.start();
  t.after(async () => {
    await f.jobs.stop(0);
    await f.cleanup();
  });
  // A transfer typed by hand from savings, and the file's own record of it, which a rule makes a transfer: the import
  // looks for the leg it already has (along the account's date index) instead of writing a second transfer.
  await postForm(f.agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
  const userId = Number(f.db.prepare("SELECT id FROM users WHERE email = 'plans@example.com'").pluck().get());
  const savings = Number(f.db.prepare("SELECT id FROM accounts WHERE user_id = ? AND name = 'Savings'").pluck().get(userId));
  const main = Number(f.db.prepare("SELECT id FROM accounts WHERE user_id = ? AND name <> 'Savings' ORDER BY id LIMIT 1").pluck().get(userId));
  assert.equal((await postForm(f.agent, '/transfers/new', '/transfers', { from: String(savings), to: String(main), amount: '25.00', date: TODAY, description: 'From savings' })).status, 303);
  const rule = { textMatch: 'contains', text: 'from savings', amountFrom: '', amountTo: '', type: '', account: '', category: '', transfer: String(savings), rename: '' };
  assert.equal((await postForm(f.agent, '/rules', '/rules', rule)).status, 303);
  f.log.length = 0;
  const lines = Array.from({ length: 1_100 }, (_, i) => `${TODAY},expense,Groceries,${1 + i}.25,Plan check ${i}`);
  const { result } = await importCsv(f.agent, `date,type,category,amount,description\n${lines.join('\n')}\n${TODAY},income,,25.00,From savings\n`, { targetAccount: String(main) });
  assert.match(result, /<strong>1,100<\/strong> transactions were imported/);
  assert.match(result, /1 row was the other side of a transfer already recorded/);
  const statements = uniqueBySql(f.log).filter((e) => growingTableNames(e.sql).size > 0);
  assert.ok(statements.some((e) => e.sql.includes('import_key IS NULL')), 'the import looked for the other side of the transfer');
  assertPlansSeek(f, 'a CSV import of 1,100 rows', statements);
  // Undoing it: its page, and the removal with the scheduled occurrences it gives back.
  const importUrl = /href="(\/import\/[a-f0-9]{32})\/undo"/.exec(result)![1]!;
  f.log.length = 0;
  assert.equal((await f.agent.get(`${importUrl}/undo`)).status, 200);
  assert.equal((await postForm(f.agent, `${importUrl}/undo`, `${importUrl}/undo`, {})).status, 303);
  const undone = uniqueBySql(f.log).filter((e) => growingTableNames(e.sql).size > 0 || /schedule_occurrences/.test(e.sql));
  assert.ok(undone.some((e) => /FROM schedule_occurrences/.test(e.sql)), 'the undo looked for occurrences to give back');
  assertPlansSeek(f, 'undoing the import', undone);
});

/** Reads a page's statements as statementsOf does, with an Authorization header (the API answers only to a token). */
async function apiStatementsOf(f: Fixture, url: string, token: string): Promise<Executed[]> {
  f.log.length = 0;
  const res = await f.agent.get(url).set('authorization', `Bearer ${token}`);
  assert.equal(res.status, 200, `GET ${url} answered ${res.status}`);
  return uniqueBySql(f.log).filter((e) => growingTableNames(e.sql).size > 0);
}

test('accounts, registers and their keyset pages, budgets, reports, the export and the API seek by index without sorting', async (t) => {
  const f = await fixture();
  t.after(() => f.cleanup());
  const accounts = await statementsOf(f, '/accounts');
  assertPlansSeek(f, '/accounts', accounts.statements);
  // What the balances hold of days after today: later months from their totals, the rest of this month by date.
  assert.ok(accounts.statements.some((e) => e.sql.includes('FROM account_monthly_totals WHERE user_id = ? AND month > ?')), 'later months are planned');
  assert.ok(accounts.statements.some((e) => e.sql.includes('occurred_on > ? AND occurred_on <= ?')), "the rest of this month's rows are planned");
  const registers = [...new Set(hrefs(accounts.html, /^\/accounts\/\d+$/))];
  assert.ok(registers.length > 0, 'the accounts page links to a register');
  for (const url of registers) {
    const register = await statementsOf(f, url);
    assertPlansSeek(f, url, register.statements);
    const [older] = hrefs(register.html, /^\/accounts\/\d+\?(?:.*&)?after=/);
    assert.ok(older, `${url} links to its older rows (3,000 rows are more than a page)`);
    assertPlansSeek(f, older, (await statementsOf(f, older)).statements);
    // A page that starts in the first half of a month sums its month up to the row, one in the second half from the
    // row to the month's end: both statements are planned.
    const accountId = Number(/^\/accounts\/(\d+)$/.exec(url)![1]);
    for (const half of ['<=', '>'] as const) {
      const row = f.db
        .prepare<[number], { id: number; occurred_on: string }>(`SELECT id, occurred_on FROM transactions WHERE account_id = ? AND substr(occurred_on, 9) ${half} '15' ORDER BY occurred_on DESC, id DESC LIMIT 1 OFFSET 200`)
        .get(accountId);
      if (!row) continue;
      const page = `${url}?after=${row.occurred_on}.${row.id}`;
      const { statements } = await statementsOf(f, page);
      assert.ok(statements.some((e) => /occurred_on >= \?|occurred_on <= \?/.test(e.sql) && e.sql.includes('sum(CASE')), `${page} sums part of a month`);
      assertPlansSeek(f, page, statements);
    }
  }

  // The categories page counts each category's rows from the monthly totals: in one grouped pass, never once a category.
  const categories = await statementsOf(f, '/categories');
  assert.ok(categories.statements.some((e) => e.sql.includes('monthly_totals')), 'the categories page counts from the monthly totals');
  assertPlansSeek(f, '/categories', categories.statements);

  const budgets = await statementsOf(f, '/budgets');
  assertPlansSeek(f, '/budgets', budgets.statements);
  for (const url of [...new Set(hrefs(budgets.html, /^\/budgets\/\d{4}-\d{2}$/))].slice(0, 3)) assertPlansSeek(f, url, (await statementsOf(f, url)).statements);

  // Reports: the default year (its running month compared up to today, from the rows: all accounts and one), ten
  // years, half a year of one account, and a category's trend.
  const year = Number(TODAY.slice(0, 4));
  const accountId = /^\/accounts\/(\d+)$/.exec(registers[0]!)![1];
  const running = await statementsOf(f, `/reports?account=${accountId}`);
  assert.ok(running.statements.some((e) => e.sql.includes('GROUP BY type, category_id') && e.sql.includes('json_each')), "one account's running month is summed from its rows");
  assertPlansSeek(f, `/reports?account=${accountId}`, running.statements);
  // Where the averages start: the first month with income or expenses, sought in the totals' keys (all accounts, some).
  assert.ok(running.statements.some((e) => e.sql.includes('min(month) FROM account_category_totals')), "some accounts' first month is planned");
  const all = await statementsOf(f, '/reports');
  assert.ok(all.statements.some((e) => e.sql.includes('min(month) FROM monthly_totals')), 'the first month of all accounts is planned');
  for (const url of [
    '/reports',
    `/reports?from=${year - 9}-01&to=${year}-12`,
    `/reports?from=${year - 1}-01&to=${year - 1}-06&account=${accountId}`,
    `/reports?from=${year - 2}-01&to=${year}-12&trend=${f.groceriesId}`,
  ]) {
    assertPlansSeek(f, url, (await statementsOf(f, url)).statements);
  }

  const exported = await statementsOf(f, '/transactions/export.csv');
  assert.ok(exported.html.split('\r\n').length > 3000, 'the export has every row');
  assertPlansSeek(f, '/transactions/export.csv', exported.statements);
  // The data export pages through the person's transactions oldest first, 500 at a time, by the date index. It reads
  // on a connection of its own (a snapshot), so its statements are recorded by running its reads on the recording one.
  const everything = await f.agent.get('/account/export.json');
  const exportedRows = exported.html.split('\r\n').length - 2;
  assert.equal((JSON.parse(everything.text) as { transactions: unknown[] }).transactions.length, exportedRows, 'the data export has every row');
  f.log.length = 0;
  const userId = Number(f.db.prepare("SELECT id FROM users WHERE email = 'plans@example.com'").pluck().get());
  const reads = createDataExportService({ snapshot: () => ({ exports: createDataExportRepo(recordingDb(f.db, f.log)), release: () => {} }), clock: systemClock, currency: 'USD' });
  await reads.write(userId, new Writable({ write: (_chunk, _encoding, done) => done() }));
  const exportReads = uniqueBySql(f.log).filter((e) => growingTableNames(e.sql).size > 0);
  assert.ok(exportReads.length > 0, 'the data export reads transactions');
  assertPlansSeek(f, '/account/export.json', exportReads);

  await postForm(f.agent, '/account/api-tokens', '/account/api-tokens', { name: 'plans', scope: 'read', lifetime: 'never', password: TEST_PASSWORD });
  const token = /id="fresh-token">(lgy_[^<]+)</.exec((await f.agent.get('/account/api-tokens')).text)?.[1];
  assert.ok(token, 'a fresh token is shown once');
  for (const url of ['/api/v1/transactions', '/api/v1/transactions?type=expense&limit=100', '/api/v1/summary', `/api/v1/summary?period=${TODAY.slice(0, 4)}`, '/api/v1/summary?period=all']) {
    assertPlansSeek(f, url, await apiStatementsOf(f, url, token));
  }
  // Transfers are listed from the outgoing legs' index, never by reading incomes and expenses: each shape of the list
  // (an account, days, a later page) is planned.
  await postForm(f.agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
  const savings = Number(f.db.prepare("SELECT id FROM accounts WHERE user_id = ? AND name = 'Savings'").pluck().get(userId));
  for (const day of ['-01-05', '-02-05', '-03-05']) {
    await postForm(f.agent, '/transfers/new', '/transfers', { from: accountId!, to: String(savings), amount: '25.00', date: `${year - 1}${day}`, description: 'Put aside' });
  }
  const firstPage = await f.agent.get('/api/v1/transfers?limit=1').set('authorization', `Bearer ${token}`);
  assert.ok(firstPage.body.nextCursor, 'three transfers are more than a page of one');
  for (const url of [
    '/api/v1/transfers',
    `/api/v1/transfers?limit=1&cursor=${firstPage.body.nextCursor}`,
    `/api/v1/transfers?account=${savings}`,
    `/api/v1/transfers?account=${accountId}&from=${year - 1}-02-01&to=${year - 1}-12-31&limit=1&cursor=${firstPage.body.nextCursor}`,
  ]) {
    const statements = await apiStatementsOf(f, url, token);
    assertPlansSeek(f, url, statements);
    // Seeking the date index of all the person's rows would also pass above, yet read every income and expense
    // between the days (630 ms at 1M rows): the walk must be along the outgoing legs alone, or with an account, along
    // that account's legs alone (walking every outgoing leg for those touching it read 100,000 for a page: 100 ms).
    const listing = statements.filter((e) => e.sql.includes("o.type = 'transfer_out'"));
    assert.equal(listing.length, 1, `${url} lists transfers with one statement`);
    const walked = f.db.prepare<unknown[], PlanRow>(`EXPLAIN QUERY PLAN ${listing[0]!.sql}`).all(...listing[0]!.params).map((r) => r.detail);
    const walk = url.includes('account=')
      ? /^SEARCH w USING INDEX transactions_transfer_legs_by_account \(account_id=\?/
      : /^SEARCH w USING INDEX transactions_by_user_type_date \(user_id=\? AND type=\?/;
    assert.ok(walked.some((d) => walk.test(d)), `${url}: ${walked.join(' | ')}`);
  }
  // The transfers page reads the same way, in each shape of its filter.
  const webPage = await statementsOf(f, '/transfers');
  const olderHref = /<a href="(\/transfers\?after=[^"]+)" rel="next">/.exec(webPage.html);
  // A page after a cursor also reads the page before it, for its Newer link, walking the same index the other way.
  for (const url of [
    '/transfers',
    `/transfers?account=${savings}`,
    `/transfers?account=${accountId}&from=${year - 1}-02-01&to=${year - 1}-12-31`,
    `/transfers?from=${year - 1}-02-10&to=${year - 1}-06-20`,
    `/transfers?account=${savings}&from=${year - 1}-01-02&to=${year - 1}-01-30`,
    '/transfers?after=2999-12-31.999999',
    `/transfers?account=${savings}&after=2999-12-31.999999`,
  ]) {
    const { statements } = await statementsOf(f, url);
    assert.ok(statements.some((e) => e.sql.includes("o.type = 'transfer_out'")), `${url} lists transfers`);
    if (url.includes('after=')) assert.ok(statements.some((e) => e.sql.includes('(w.occurred_on, w.id) > (?, ?)')), `${url} looks for the page before it`);
    // The count reads whole months from the account totals, and legs only in the part months at a range's ends: a
    // walk of legs with an open end read every transfer the person has (280 ms at 100,000 on every page).
    const counting = statements.filter((e) => e.sql.includes('AS in_count'));
    assert.ok(counting.length > 0, `${url} counts its transfers`);
    const sameMonth = url.includes('-01-02&to=');
    assert.equal(counting.some((e) => e.sql.includes('FROM account_monthly_totals')), !sameMonth, `${url}: whole months from their totals`);
    for (const walk of counting.filter((e) => e.sql.includes('FROM transactions'))) {
      assert.ok(walk.sql.includes('w.occurred_on >= ?') && walk.sql.includes('w.occurred_on <= ?'), `${url} counts legs only between two days: ${walk.sql}`);
    }
    assert.equal(counting.some((e) => e.sql.includes('FROM transactions')), url.includes('-02-10&') || sameMonth, `${url}: legs read in its part months only`);
    assertPlansSeek(f, url, statements);
  }
  assert.equal(olderHref, null, 'three transfers are one page');
});

test("a reconciliation's pages, ticks, tick-all and finish read the account's status index and its monthly totals", async (t) => {
  const f = await fixture();
  t.after(() => f.cleanup());
  const userId = Number(f.db.prepare("SELECT id FROM users WHERE email = 'plans@example.com'").pluck().get());
  const accountId = Number(f.db.prepare('SELECT account_id FROM transactions WHERE user_id = ? GROUP BY account_id ORDER BY count(*) DESC LIMIT 1').pluck().get(userId));
  const base = `/accounts/${accountId}/reconcile`;
  // Only the POST's own statements (postForm first GETs the page for its token).
  const postStatements = async (fields: Record<string, string | string[]>) => {
    const token = /name="_csrf" value="([^"]+)"/.exec((await f.agent.get(base)).text)![1]!;
    f.log.length = 0;
    const res = await f.agent.post(`${base}/rows`).type('form').send({ _csrf: token, ...fields });
    assert.ok(res.status === 303 || res.status === 422, `POST ${base}/rows answered ${res.status}`);
    return uniqueBySql(f.log).filter((e) => growingTableNames(e.sql).size > 0);
  };
  // Every listing statement walks transactions_by_account_status_date, one ordered seek per status.
  const assertWalksStatusIndex = (url: string, statements: readonly Executed[]) => {
    const listing = statements.filter((e) => e.sql.includes('UNION ALL'));
    assert.ok(listing.length > 0, `${url} lists rows`);
    for (const e of listing) {
      const plan = f.db.prepare<unknown[], PlanRow>(`EXPLAIN QUERY PLAN ${e.sql}`).all(...e.params).map((r) => r.detail);
      assert.equal(plan.filter((d) => /^SEARCH transactions USING INDEX transactions_by_account_status_date \(account_id=\? AND status=\?/.test(d)).length, 2, `${url}: ${plan.join(' | ')}`);
    }
  };

  await postForm(f.agent, '/accounts', base, { statementOn: TODAY, statementBalance: '0.00' });
  const first = await statementsOf(f, base);
  assertPlansSeek(f, base, first.statements);
  assertWalksStatusIndex(base, first.statements);
  // The cleared balance sums whole months from the account's totals and its last month's rows by the date index.
  assert.ok(first.statements.some((e) => e.sql.includes('sum(cleared_net_cents)')), 'the cleared balance reads the monthly totals');
  const later = /name="go" value="([^"]+)"[^>]*>Later/.exec(first.html)?.[1];
  assert.ok(later, 'the account has more rows than a page');
  const second = await statementsOf(f, `${base}?after=${later}`);
  assertPlansSeek(f, `${base}?after=${later}`, second.statements);
  assertWalksStatusIndex(`${base}?after=${later}`, second.statements);
  assert.ok(second.statements.some((e) => e.sql.includes('DESC LIMIT')), 'a later page finds where the page before starts');

  const shown = [...first.html.matchAll(/name="shown" value="(\d+)"/g)].map((m) => m[1]!);
  assertPlansSeek(f, 'update', await postStatements({ action: 'update', after: '', ids: shown.slice(0, 5), shown }));
  assertPlansSeek(f, 'tickAll', await postStatements({ action: 'tickAll', after: '' }));
  // Every row is ticked: the statement balance is the account's balance on the statement date.
  const balance = Number(f.db.prepare("SELECT opening_balance_cents + (SELECT coalesce(sum(CASE WHEN type IN ('income', 'transfer_in') THEN amount_cents ELSE -amount_cents END), 0) FROM transactions WHERE account_id = accounts.id AND occurred_on <= ?) FROM accounts WHERE id = ?").pluck().get(TODAY, accountId));
  f.db.prepare('UPDATE reconciliations SET statement_balance_cents = ? WHERE account_id = ?').run(balance, accountId);
  const finished = await postStatements({ action: 'finish', after: '' });
  assert.ok(finished.some((e) => e.sql.includes("SET status = 'reconciled'")), 'finishing marked the rows reconciled');
  assertPlansSeek(f, 'finish', finished);
  assert.equal(f.db.prepare("SELECT count(*) FROM transactions WHERE account_id = ? AND status != 'reconciled' AND occurred_on <= ?").pluck().get(accountId, TODAY), 0);
});
