import { readStatementFile } from '../../src/services/statement-files.ts';
import { camt053, ofx1 } from '../helpers/statement-fixtures.ts';
import { statementImportRows } from '../../src/domain/statements.ts';
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const entries = Array.from({ length: 100_000 }, (_, i) => ({
  day: new Date(Date.UTC(2023, 0, 1) + Math.floor(rnd() * 3 * 365) * 86_400_000).toISOString().slice(0, 10),
  cents: (i % 7 === 0 ? 1 : -1) * (1 + Math.floor(rnd() * 50_000)),
  name: `Payee ${i % 500}`, memo: `Card payment ${i}`, bankId: `B${i}`,
}));
for (const [f, w] of [['ofx', ofx1], ['camt', camt053]] as const) {
  const buf = Buffer.from(w({ account: { bank: '1', number: f }, closing: { cents: 0, day: '2026-01-01' }, entries }));
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const read = readStatementFile(buf);
    const t1 = performance.now();
    const rows = read.ok ? statementImportRows(read.statement.entries) : [];
    console.log(f, (buf.length / 1e6).toFixed(1), 'MB', Math.round(t1 - t0), 'ms parse', Math.round(performance.now() - t1), 'ms rows', rows.length);
  }
}
