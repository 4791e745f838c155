import { openDatabase } from '../../src/db/open.ts';
const db = openDatabase('/tmp/fts-bench.sqlite');
const big = 2, small = 1;
const time = (label: string, sql: string, ...p: unknown[]) => {
  const st = db.prepare(sql);
  let r: unknown;
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) r = st.all(...p);
  console.log(label, ((performance.now() - t0) / 3).toFixed(1), 'ms', JSON.stringify(r).slice(0, 80));
};
time('fts rowids', `SELECT count(*) FROM (SELECT rowid FROM transactions_fts WHERE transactions_fts MATCH ?)`, '"coffee"');
time('fts+lookup sum', `SELECT sum(t.amount_cents), count(*) FROM (SELECT rowid AS id FROM transactions_fts WHERE transactions_fts MATCH ?) h CROSS JOIN transactions t ON t.id = h.id WHERE t.user_id = ?`, '"coffee"', big);
time('fts+lookup sum small', `SELECT sum(t.amount_cents), count(*) FROM (SELECT rowid AS id FROM transactions_fts WHERE transactions_fts MATCH ?) h CROSS JOIN transactions t ON t.id = h.id WHERE t.user_id = ?`, '"coffee"', small);
time('like scan', `SELECT sum(amount_cents), count(*) FROM transactions WHERE user_id = ? AND description LIKE '%coffee%'`, big);
time('ids sorted lookup', `SELECT sum(t.amount_cents) FROM transactions t WHERE t.id IN (SELECT rowid FROM transactions_fts WHERE transactions_fts MATCH ?)`, '"coffee"');
console.log(db.prepare('select count(*) from transactions').pluck().get(), db.prepare("select page_count*page_size/1e6 from pragma_page_count(), pragma_page_size()").pluck().get(), 'MB');
console.log(db.prepare("PRAGMA cache_size").pluck().get(), db.prepare("PRAGMA mmap_size").pluck().get());
