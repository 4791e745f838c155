import { writeFileSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { LEDGERLY_EXPORT_MAPPING } from '../../src/domain/imports.ts';
import { createRandomSource, seedUsers } from '../../src/tools/seed.ts';
import { importServiceOn } from '../helpers/bookkeeping.ts';
import { seedBenchRules } from './bench-db.ts';
import { createAccountsRepo } from '../../src/db/repos/accounts.ts';
const dir = process.env.DIR ?? '/tmp/imp/run'; rmSync(dir, { recursive: true, force: true }); mkdirSync(dir, { recursive: true });
const db = openDatabase(path.join(dir, 'db.sqlite')); migrate(db);
const [uid] = seedUsers(db, ['import@bench.example'], 'x');
createAccountsRepo(db).createAccount(uid!, { name: 'Main', kind: 'checking', openingBalanceCents: 0, openingOn: '2000-01-01' });
const rulesN = Number(process.env.RULES ?? 100);
if (rulesN) seedBenchRules(db, uid!, rulesN);
const csvPath = path.join(dir, 'import.csv');
{
  const r = createRandomSource(7);
  const cats = ['Groceries', 'Housing', 'Transport', 'Eating out', 'Salary', 'Side project'];
  let out = 'date,type,category,amount,description\r\n';
  for (let i = 0; i < Number(process.env.ROWS ?? 100_000); i++) {
    const day = new Date(Date.UTC(2023, 0, 1) + Math.floor(r() * 3 * 365) * 86_400_000).toISOString().slice(0, 10);
    const c = cats[i % cats.length]!;
    const cents = 1 + Math.floor(r() * 50_000);
    out += `${day},${c === 'Salary' ? 'income' : 'expense'},${c},${(cents / 100).toFixed(2)},"Imported row ${i}, with a comma"\r\n`;
  }
  writeFileSync(csvPath, out);
}
const svc = importServiceOn(db, path.join(dir, 'imports'), { rules: rulesN > 0 });
(globalThis as { gc?: () => void }).gc?.();
const heap0 = process.memoryUsage().heapUsed; const rss0 = process.memoryUsage().rss;
let peakHeap = heap0; let peakRss = rss0;
const t = setInterval(() => { const m = process.memoryUsage(); peakHeap = Math.max(peakHeap, m.heapUsed); peakRss = Math.max(peakRss, m.rss); }, 2);
const t0 = performance.now(); const c0 = process.cpuUsage();
const res = await svc.importFile(uid!, csvPath, LEDGERLY_EXPORT_MAPPING);
const ms = performance.now() - t0; const cpu = process.cpuUsage(c0);
clearInterval(t);
const m = process.memoryUsage(); peakHeap = Math.max(peakHeap, m.heapUsed); peakRss = Math.max(peakRss, m.rss);
console.log(JSON.stringify({ imported: res.imported, ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000), rssGrowthMb: Math.round((peakRss - rss0) / 1e6), heapGrowthMb: Math.round((peakHeap - heap0) / 1e6) }));
