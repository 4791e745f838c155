/**
 * The CSV import streams: a real server process, started fresh, takes a file at the upload limit (about 140,000
 * rows, dated across three years in no order) through the upload, the mapping and the import job, and writes every
 * row while its resident memory grows by less than the limit below. The checked rows wait in the process's scratch
 * database between reading and writing, so what the server holds is a page of them, SQLite's caches and the sort,
 * never the file. The peak is the kernel's high-water mark (VmHWM), reset just before the upload. Memory, not time:
 * nothing here is timed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { openDatabase } from '../../src/db/open.ts';
import { centsToDecimalString } from '../../src/domain/money.ts';
import { MAX_IMPORT_BYTES } from '../../src/services/imports.ts';
import { createRandomSource } from '../../src/tools/seed.ts';
import { registerOverHttp, scratchFilesOf, serverEnv, startServer, tempDataDir, waitUntil } from '../helpers/server-process.ts';

/**
 * Before the rows were staged, this file (187,000 rows) grew the server by 135 MB, each checked row an object until
 * the one writing transaction; staged, by 33-44 MB (the highest in clean-clone runs under load), of which 16 MB is
 * SQLite's page cache filling with the new rows. The limit sits between the two, well clear of both.
 */
const GROWTH_LIMIT_MB = 60;

/** One field of /proc/<pid>/status, in MB. */
function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** A CSV file just under the upload limit, its rows on random days of three years, and their exact sums. */
function bigFile(): { csv: string; rows: number; incomeCents: number; expenseCents: number } {
  const random = createRandomSource(140);
  const lines = ['date,type,category,amount,description'];
  let size = lines[0]!.length + 2;
  let incomeCents = 0;
  let expenseCents = 0;
  for (let i = 0; ; i++) {
    const day = new Date(Date.UTC(2023, 0, 1) + Math.floor(random() * 3 * 365) * 86_400_000).toISOString().slice(0, 10);
    const type = i % 7 === 0 ? 'income' : 'expense';
    const cents = 1 + Math.floor(random() * 50_000);
    const line = `${day},${type},${type === 'income' ? 'Salary' : 'Groceries'},${centsToDecimalString(cents)},Card payment ${i}`;
    if (size + line.length + 2 > MAX_IMPORT_BYTES - 64 * 1024) break;
    lines.push(line);
    size += line.length + 2;
    if (type === 'income') incomeCents += cents;
    else expenseCents += cents;
  }
  return { csv: `${lines.join('\r\n')}\r\n`, rows: lines.length - 1, incomeCents, expenseCents };
}

test(`a CSV file at the upload limit imports through a fresh server growing its RSS by less than ${GROWTH_LIMIT_MB} MB`, { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const file = bigFile();
  const data = tempDataDir('ledgerly-import-memory-');
  t.after(() => data.remove());
  const server = await startServer(serverEnv({ DATABASE_PATH: data.dbPath }));
  t.after(() => server.kill());
  const pid = server.child.pid!;
  const client = await registerOverHttp(server.url, 'big-file@example.com');
  const token = await client.csrfToken('/import');

  // Writing 5 to clear_refs resets the process's peak RSS to what it holds now.
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const before = statusMb(pid, 'VmRSS');
  const upload = await client.postFile('/import', { _csrf: token }, { field: 'file', name: 'big.csv', content: file.csv });
  assert.equal(upload.status, 303, upload.text.slice(0, 300));
  const mapping = await client.get(upload.location!);
  const form = mapping.text.slice(mapping.text.indexOf(`action="${upload.location}" class="import-go"`));
  const fields = Object.fromEntries([...form.slice(0, form.indexOf('</form>')).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
  const posted = await client.postForm(upload.location!, fields);
  assert.equal(posted.status, 303);
  // The scratch file is the process's own, beside the database; while the job runs it holds the staged rows.
  const [scratch, ...more] = scratchFilesOf(data.dbPath, pid);
  assert.ok(
    scratch !== undefined && more.length === 0,
    `the server (pid ${pid}) keeps one scratch database beside the database file; the folder holds: ${readdirSync(data.dir).join(', ')}`,
  );
  const result = await waitUntil('the import to finish', async () => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`the server stopped: ${server.stderr().slice(-2000)}`);
    // A kept-alive connection the server closed while its one writing transaction held the loop is asked again,
    // as a browser retries an idempotent GET.
    const page = await client.get(posted.location!).catch((err: Error) => {
      t.diagnostic(`asked again after: ${err.message} (${String((err.cause as Error | undefined)?.message)})`);
      return undefined;
    });
    return page && /Import finished/.test(page.text) ? page.text : undefined;
  });
  const peak = statusMb(pid, 'VmHWM');

  assert.match(result, new RegExp(`<strong>${file.rows.toLocaleString('en-US')}</strong> transactions were imported`));
  const db = openDatabase(data.dbPath, { readonly: true });
  t.after(() => db.close());
  const sums = db
    .prepare(
      `SELECT count(*) AS n, sum(CASE WHEN type = 'income' THEN amount_cents END) AS income,
              sum(CASE WHEN type = 'expense' THEN amount_cents END) AS expense FROM transactions`,
    )
    .get() as { n: number; income: number; expense: number };
  assert.deepEqual(sums, { n: file.rows, income: file.incomeCents, expense: file.expenseCents }, 'every row once, to the cent');
  assert.ok(statSync(scratch).size <= 64 * 1024, `the finished import gave its scratch space back (${statSync(scratch).size} bytes)`);

  const growth = peak - before;
  t.diagnostic(`${file.rows} rows, ${(file.csv.length / 1e6).toFixed(1)} MB: server RSS ${before.toFixed(1)} MB before, ${peak.toFixed(1)} MB at its peak (+${growth.toFixed(1)} MB)`);
  assert.ok(growth < GROWTH_LIMIT_MB, `RSS grew ${growth.toFixed(1)} MB (from ${before.toFixed(1)} to ${peak.toFixed(1)}), limit ${GROWTH_LIMIT_MB}`);
});
