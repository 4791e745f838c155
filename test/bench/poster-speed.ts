/**
 * `node --import tsx test/bench/poster-speed.ts`: the scheduled-transaction poster in-process, on a fresh database
 * with one daily schedule 10,000 occurrences behind: total time, the first and the slowest batches.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/open.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createSchedulesRepo } from '../../src/db/repos/schedules.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createTransfersRepo } from '../../src/db/repos/transfers.ts';
import { createTransactionRunner } from '../../src/db/unit-of-work.ts';
import { createScheduleService } from '../../src/services/schedules.ts';
const dir = mkdtempSync(path.join(tmpdir(), 'ps-'));
const db = openDatabase(path.join(dir, 'x.sqlite'));
migrate(db);
db.prepare("INSERT INTO users (email, password_hash) VALUES ('a@b.c', 'x')").run();
const userId = 1;
const accountId = (db.prepare('SELECT id FROM accounts').get() as { id: number }).id;
const start = '1999-01-01';
db.prepare(`INSERT INTO schedules (user_id, type, account_id, amount_cents, description, frequency, every, start_on, effective_from, next_on, max_count, created_at, updated_at)
  VALUES (?, 'expense', ?, 100, 'x', 'days', 1, ?, ?, ?, 10000, 0, 0)`).run(userId, accountId, start, start, start);
const svc = createScheduleService({ schedules: createSchedulesRepo(db), accounts: createAccountsRepo(db), categories: createCategoriesRepo(db), transfers: createTransfersRepo(db), inTransaction: createTransactionRunner(db), clock: { now: () => Date.now() }, defaultTimeZone: 'UTC' });
const t0 = performance.now();
let maxBatch = 0;
let total = 0;
const times: number[] = []; for (;;) { const b0 = performance.now(); const n = svc.postDueBatch(); times.push(performance.now() - b0); maxBatch = Math.max(maxBatch, performance.now() - b0); total += n; if (!n) break; } console.log(times.slice(0, 5).map((x) => x.toFixed(1)).join(" "), [...times].sort((a, b) => b - a).slice(0, 5).map((x) => x.toFixed(1)).join(" "));
console.log({ total, ms: Math.round(performance.now() - t0), maxBatchMs: maxBatch.toFixed(1) });
