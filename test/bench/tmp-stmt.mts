import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createRulesRepo } from '../../src/db/repos/rules.ts';
import { seedUsers } from '../../src/tools/seed.ts';
import { importServiceOn } from '../helpers/bookkeeping.ts';
import { camt053, ofx1 } from '../helpers/statement-fixtures.ts';
import { LEDGERLY_EXPORT_MAPPING } from '../../src/domain/imports.ts';

const rulesOn = process.argv.includes('--rules');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stmt-'));
const db = openDatabase(path.join(dir, 'db.sqlite'));
migrate(db);
const [userId] = seedUsers(db, ['a@example.com'], 'x'.repeat(60));
const cats = createCategoriesRepo(db);
const ids = ['Groceries', 'Transport', 'Eating out'].map((n) => cats.listCategoriesForUser(userId!).find((c) => c.name === n)?.id ?? cats.createCategory(userId!, 'expense', n).id);
if (rulesOn) {
  const rules = createRulesRepo(db);
  for (let k = 0; k < 100; k++) {
    const base = { text: null, amount: null, type: null, accountId: null, categoryId: null, transferAccountId: null, rename: null };
    const draft =
      k % 4 === 0 ? { ...base, text: { match: 'contains' as const, value: `payee ${k}` }, categoryId: ids[0]! }
      : k % 4 === 1 ? { ...base, text: { match: 'starts' as const, value: `imported row ${k}` }, rename: `Row ${k}` }
      : k % 4 === 2 ? { ...base, amount: { minCents: k * 100, maxCents: k * 100 + 50 }, type: 'expense' as const, categoryId: ids[1]! }
      : { ...base, text: { match: 'equals' as const, value: `merchant ${k}` }, categoryId: ids[2]! };
    rules.createRule(userId!, draft, 0);
  }
}
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const entries = Array.from({ length: 100_000 }, (_, i) => ({
  day: new Date(Date.UTC(2023, 0, 1) + Math.floor(rnd() * 3 * 365) * 86_400_000).toISOString().slice(0, 10),
  cents: (i % 7 === 0 ? 1 : -1) * (1 + Math.floor(rnd() * 50_000)),
  name: `Payee ${i % 500}`,
  memo: `Card payment ${i}`,
  bankId: `B${i}`,
}));
const service = importServiceOn(db, path.join(dir, 'imports'), { rules: rulesOn });
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
for (const [format, write] of [['ofx', ofx1], ['camt053', camt053]] as const) {
  if (only && only !== format) continue;
  const file = path.join(dir, `s.${format}`);
  writeFileSync(file, write({ account: { bank: '1', number: format }, closing: { cents: 0, day: '2026-01-01' }, entries }));
  const accountId = createAccountsRepo(db).createAccount(userId!, { name: format, kind: 'checking', openingBalanceCents: 0, openingOn: '2000-01-01' });
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const r = await service.importStatementFile(userId!, file, accountId);
  const c = process.cpuUsage(cpu);
  console.log(format, Math.round(performance.now() - t0), 'ms wall', Math.round((c.user + c.system) / 1000), 'ms cpu', r?.imported);
}
if (!only || only === 'csv') {
  const lines = ['date,type,category,amount,description'];
  for (let i = 0; i < 100_000; i++) lines.push(`${entries[i]!.day},expense,Groceries,${(Math.abs(entries[i]!.cents) / 100).toFixed(2)},"Imported row ${i}, with a comma"`);
  const file = path.join(dir, 'i.csv');
  writeFileSync(file, lines.join('\r\n') + '\r\n');
  const t0 = performance.now();
  const r = await service.importFile(userId!, file, LEDGERLY_EXPORT_MAPPING);
  console.log('csv', Math.round(performance.now() - t0), 'ms wall', r.imported);
}
