import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from '../../src/db/open.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';
import { totalsFrom } from '../helpers/app.ts';
import { totalsForUserFromRows, usd as formatCents } from '../helpers/bookkeeping.ts';
import {
  csrfTokenIn,
  HttpClient,
  loginOverHttp,
  registerOverHttp,
  serverEnv,
  startServer,
  tempDataDir,
} from '../helpers/server-process.ts';

/** Adds and deletes per client: 12 by default (what CI runs: 600 in all); LEDGERLY_CONCURRENCY_OPS=500 for a longer soak. */
const OPS_PER_CLIENT = Math.max(5, Number(process.env.LEDGERLY_CONCURRENCY_OPS ?? 12) || 12);
const USERS = 5;
const CLIENTS = 50;
// One date for every row keeps each user's list in insertion order, so a client finds its recent rows on page one.
const DAY = '2026-06-15';

interface Expected {
  /** Description -> signed amount for rows this user added and did not delete, counting acknowledged requests only. */
  readonly live: Map<string, { type: 'income' | 'expense'; cents: number }>;
}

interface Counters {
  adds: number;
  deletes: number;
  failures: string[];
}

/** The rows of a transactions page as [id, description] pairs, read from the table a person sees. */
function rowsOnPage(html: string): Array<{ id: number; description: string }> {
  const rows: Array<{ id: number; description: string }> = [];
  for (const chunk of html.split('<tr').slice(1)) {
    const description = /class="tx__desc">([^<]*)</.exec(chunk)?.[1];
    const id = /href="\/transactions\/(\d+)\/delete/.exec(chunk)?.[1];
    if (description !== undefined && id !== undefined) rows.push({ id: Number(id), description });
  }
  return rows;
}

/** One browser session adding and deleting its own rows, OPS_PER_CLIENT times; only 303 answers count. */
async function runClient(client: HttpClient, name: string, expected: Expected, counters: Counters): Promise<void> {
  const mine: string[] = [];
  let token = await client.csrfToken('/transactions/new');
  for (let n = 0; n < OPS_PER_CLIENT; n++) {
    if (mine.length > 0 && Math.random() < 0.35) {
      const page = await client.get('/transactions');
      const target = rowsOnPage(page.text).find((row) => mine.includes(row.description));
      if (target) {
        const confirm = await client.get(`/transactions/${target.id}/delete`);
        token = csrfTokenIn(confirm.text);
        const res = await client.postForm(`/transactions/${target.id}/delete`, { _csrf: token });
        if (res.status !== 303) {
          counters.failures.push(`${name} delete ${target.id}: ${res.status}`);
          continue;
        }
        expected.live.delete(target.description);
        mine.splice(mine.indexOf(target.description), 1);
        counters.deletes++;
        continue;
      }
    }
    const type = Math.random() < 0.4 ? 'income' : 'expense';
    const cents = 1 + Math.floor(Math.random() * 99_999);
    const description = `${name}-${n}`;
    const res = await client.postForm('/transactions', {
      _csrf: token,
      type,
      amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
      date: DAY,
      description,
    });
    if (res.status !== 303) {
      counters.failures.push(`${name} add: ${res.status}`);
      continue;
    }
    expected.live.set(description, { type, cents });
    mine.push(description);
    counters.adds++;
  }
}

test(`${CLIENTS} parallel clients making ${OPS_PER_CLIENT} adds and deletes each for ${USERS} users leave every total equal to the acknowledged writes`, async (t) => {
  const tmp = tempDataDir('ledgerly-concurrency-');
  t.after(() => tmp.remove());
  const server = await startServer(serverEnv({ DATABASE_PATH: tmp.dbPath, LOG_LEVEL: 'info' }));
  t.after(() => server.kill());

  const emails = Array.from({ length: USERS }, (_, u) => `parallel-${u}@example.com`);
  const expectations = new Map<string, Expected>(emails.map((email) => [email, { live: new Map() }]));
  const clients: Array<{ email: string; client: HttpClient; name: string }> = [];
  for (const [u, email] of emails.entries()) {
    clients.push({ email, client: await registerOverHttp(server.url, email), name: `u${u}c0` });
  }
  // The other clients are separate sessions (separate browsers) of the same users.
  const logins = await Promise.all(
    Array.from({ length: CLIENTS - USERS }, async (_, i) => {
      const email = emails[i % USERS]!;
      return { email, client: await loginOverHttp(server.url, email), name: `u${i % USERS}c${1 + Math.floor(i / USERS)}` };
    }),
  );
  clients.push(...logins);
  assert.equal(clients.length, CLIENTS);

  const counters: Counters = { adds: 0, deletes: 0, failures: [] };
  await Promise.all(clients.map((c) => runClient(c.client, c.name, expectations.get(c.email)!, counters)));

  assert.deepEqual(counters.failures, [], 'every request was answered as a person would expect');
  assert.ok(counters.adds > CLIENTS, `work was done (${counters.adds} adds)`);
  assert.ok(counters.deletes > 0, `deletes happened (${counters.deletes})`);

  const db = openDatabase(tmp.dbPath, { readonly: true });
  t.after(() => db.close());
  assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  const repo = createTransactionsRepo(db);
  for (const email of emails) {
    const live = expectations.get(email)!.live;
    let incomeCents = 0;
    let expenseCents = 0;
    for (const row of live.values()) {
      if (row.type === 'income') incomeCents += row.cents;
      else expenseCents += row.cents;
    }

    // The raw rows: exactly the acknowledged, undeleted ones, with their amounts.
    const userId = db.prepare<[string], { id: number }>('SELECT id FROM users WHERE email = ?').get(email)!.id;
    const rows = db
      .prepare<[number], { description: string; type: 'income' | 'expense'; amount_cents: number }>(
        'SELECT description, type, amount_cents FROM transactions WHERE user_id = ? ORDER BY description',
      )
      .all(userId);
    assert.deepEqual(
      rows,
      [...live].map(([description, r]) => ({ description, type: r.type, amount_cents: r.cents })).sort((a, b) => (a.description < b.description ? -1 : a.description > b.description ? 1 : 0)),
      `${email}: the stored rows are exactly the acknowledged ones`,
    );
    assert.deepEqual(totalsForUserFromRows(db, userId), { incomeCents, expenseCents, balanceCents: incomeCents - expenseCents });
    assert.deepEqual(repo.totalsForUser(userId), totalsForUserFromRows(db, userId), `${email}: per-month totals agree with the rows`);

    // The dashboard numbers a person reads.
    const owner = clients.find((c) => c.email === email)!.client;
    const shown = totalsFrom((await owner.get('/dashboard?period=all')).text);
    assert.deepEqual(shown, { Income: formatCents(incomeCents), Expenses: formatCents(expenseCents), 'Net': formatCents(incomeCents - expenseCents) }, `${email}: dashboard`);
  }

  t.diagnostic(`${CLIENTS} clients, ${USERS} users: ${counters.adds} adds and ${counters.deletes} deletes acknowledged, totals exact for every user`);
});
