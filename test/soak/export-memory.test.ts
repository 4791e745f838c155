/**
 * The exports stream: a real server process, started fresh on a database where one person has 1,000,000
 * transactions, sends every row of that person's CSV export, and then of their whole data as JSON
 * (/account/export.json), while its resident memory grows by less than 30 MB each time.
 * The peak is the kernel's own high-water mark (VmHWM), reset just before the download, so a spike between two
 * samples cannot hide. Memory, not time: nothing here is timed.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import bcrypt from 'bcrypt';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { CSV_EXPORT_HEADER } from '../../src/domain/imports.ts';
import { createRandomSource, seedTransactionsForUser, seedUsers } from '../../src/tools/seed.ts';
import { TEST_PASSWORD } from '../helpers/app.ts';
import { loginOverHttp, serverEnv, startServer, tempDataDir } from '../helpers/server-process.ts';

const ROWS = 1_000_000;
const GROWTH_LIMIT_MB = 30;
const EMAIL = 'million@example.com';

/** One field of /proc/<pid>/status, in MB. */
function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

test(`exporting ${ROWS.toLocaleString('en-US')} rows, as CSV and in the JSON of all the person's data, grows a fresh server's RSS by less than ${GROWTH_LIMIT_MB} MB`, { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const data = tempDataDir('ledgerly-export-memory-');
  t.after(() => data.remove());
  const db = openDatabase(data.dbPath);
  migrate(db);
  const [userId] = seedUsers(db, [EMAIL], bcrypt.hashSync(TEST_PASSWORD, 4));
  seedTransactionsForUser(db, userId!, { count: ROWS, endOn: '2026-11-30', years: 10, random: createRandomSource(18) });
  db.close();

  const server = await startServer(serverEnv({ DATABASE_PATH: data.dbPath }));
  t.after(() => server.kill());
  const pid = server.child.pid!;
  const client = await loginOverHttp(server.url, EMAIL);

  // Writing 5 to clear_refs resets the process's peak RSS to what it holds now.
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const before = statusMb(pid, 'VmRSS');
  const res = await fetch(new URL('/transactions/export.csv', server.url), { headers: { cookie: client.cookieHeader() } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
  let lines = 0;
  let head = '';
  for await (const chunk of res.body!) {
    const bytes = chunk as Uint8Array;
    if (head.length < CSV_EXPORT_HEADER.length) head += Buffer.from(bytes.subarray(0, 200)).toString('utf8');
    for (const byte of bytes) if (byte === 0x0a) lines++;
  }
  const peak = statusMb(pid, 'VmHWM');

  assert.ok(head.startsWith(CSV_EXPORT_HEADER), `the file starts with the header, got ${JSON.stringify(head.slice(0, 80))}`);
  assert.equal(lines, ROWS + 1, 'the header and every row, each on its own line');
  const growth = peak - before;
  t.diagnostic(`server RSS ${before.toFixed(1)} MB before, ${peak.toFixed(1)} MB at its peak during the export (+${growth.toFixed(1)} MB)`);
  assert.ok(growth < GROWTH_LIMIT_MB, `RSS grew ${growth.toFixed(1)} MB (from ${before.toFixed(1)} to ${peak.toFixed(1)}), limit ${GROWTH_LIMIT_MB}`);

  // The whole of the person's data, on the same warm server: every transaction is a line of the document.
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const jsonBefore = statusMb(pid, 'VmRSS');
  const all = await fetch(new URL('/account/export.json', server.url), { headers: { cookie: client.cookieHeader() } });
  assert.equal(all.status, 200);
  let jsonLines = 0;
  let tail = '';
  for await (const chunk of all.body!) {
    const bytes = chunk as Uint8Array;
    for (const byte of bytes) if (byte === 0x0a) jsonLines++;
    tail = (tail + Buffer.from(bytes.subarray(Math.max(0, bytes.length - 200))).toString('utf8')).slice(-200);
  }
  const jsonPeak = statusMb(pid, 'VmHWM');
  assert.ok(jsonLines >= ROWS, `a line for each transaction, got ${jsonLines}`);
  assert.ok(tail.endsWith(']}\n'), `the document is whole, ending ${JSON.stringify(tail.slice(-40))}`);
  const jsonGrowth = jsonPeak - jsonBefore;
  t.diagnostic(`server RSS ${jsonBefore.toFixed(1)} MB before, ${jsonPeak.toFixed(1)} MB at its peak during the JSON export (+${jsonGrowth.toFixed(1)} MB)`);
  assert.ok(jsonGrowth < GROWTH_LIMIT_MB, `RSS grew ${jsonGrowth.toFixed(1)} MB during the JSON export (from ${jsonBefore.toFixed(1)} to ${jsonPeak.toFixed(1)}), limit ${GROWTH_LIMIT_MB}`);
});
