import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { seedUsers } from '../../src/tools/seed.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';

const mode = process.argv[2] ?? 'all';
const dir = mkdtempSync(path.join(os.tmpdir(), 'ins-'));
const db = openDatabase(path.join(dir, 'db.sqlite'));
migrate(db);
const [userId] = seedUsers(db, ['a@example.com'], 'x'.repeat(60));
const accountId = db.prepare('SELECT id FROM accounts WHERE user_id = ?').pluck().get(userId) as number;
const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'transactions' AND name LIKE '%insert%'").all() as { name: string; sql: string }[];
console.log(triggers.map((t) => t.name).join(' '));
if (mode !== 'all') for (const t of triggers) if (mode === 'none' || t.name.includes(mode)) db.exec(`DROP TRIGGER ${t.name}`);
const idx = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transactions' AND sql IS NOT NULL").pluck().all();
console.log(idx.join(' '));
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const rows = Array.from({ length: 100_000 }, (_, i) => ({
  type: 'expense' as const, amountCents: 1 + Math.floor(rnd() * 50000),
  occurredOn: new Date(Date.UTC(2023, 0, 1) + Math.floor(rnd() * 3 * 365) * 86_400_000).toISOString().slice(0, 10),
  description: `Payee ${i % 500}`, categoryId: null, importKey: `id:B${i}`,
})).sort((a, b) => (a.occurredOn < b.occurredOn ? -1 : 1));
const repo = createTransactionsRepo(db);
const t0 = performance.now();
if (process.argv[3] === 'batch') {
  const N = 100;
  const stmt = db.prepare(`INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description, category_id, import_key) VALUES ${Array(N).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT (account_id, import_key) WHERE import_key IS NOT NULL DO NOTHING`);
  db.transaction(() => {
    const params: unknown[] = [];
    let n = 0;
    for (let at = 0; at + N <= rows.length; at += N) {
      params.length = 0;
      for (let i = at; i < at + N; i++) { const r = rows[i]!; params.push(userId, accountId, r.type, r.amountCents, r.occurredOn, r.description, r.categoryId, r.importKey); }
      n += stmt.run(...params).changes;
    }
    console.log('changes', n);
  })();
} else db.transaction(() => repo.insertImportedRows(userId!, accountId, rows))();
console.log(mode, Math.round(performance.now() - t0), 'ms');
