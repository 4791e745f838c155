import { ofxToXml, decodeStatementBytes } from '../../src/domain/statements.ts';
import { ofx1 } from '../helpers/statement-fixtures.ts';
import { SaxesParser } from 'saxes';
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const entries = Array.from({ length: 100_000 }, (_, i) => ({
  day: new Date(Date.UTC(2023, 0, 1) + Math.floor(rnd() * 3 * 365) * 86_400_000).toISOString().slice(0, 10),
  cents: (i % 7 === 0 ? 1 : -1) * (1 + Math.floor(rnd() * 50_000)),
  name: `Payee ${i % 500}`, memo: `Card payment ${i}`, bankId: `B${i}`,
}));
const text = ofx1({ account: { bank: '1', number: 'x' }, closing: { cents: 0, day: '2026-01-01' }, entries });
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  const xml = ofxToXml(text);
  const t1 = performance.now();
  const p = new SaxesParser();
  let n = 0;
  p.on('opentag', () => n++);
  p.on('text', () => {});
  p.write(xml).close();
  const t2 = performance.now();
  console.log('ofxToXml', Math.round(t1 - t0), 'saxes bare', Math.round(t2 - t1), n, xml.length);
}
