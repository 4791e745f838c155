import { openDatabase } from '../../src/db/open.ts';
import { migrate } from '../../src/db/migrate.ts';
const db = openDatabase(':memory:' as string);
migrate(db);
db.prepare("INSERT INTO users (email, password_hash) VALUES ('a@b.c', 'x')").run();
const acct = db.prepare('SELECT id FROM accounts').pluck().get();
db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description) VALUES (1, ?, 'expense', 5, '2026-01-01', 'Coffee')").run(acct);
db.prepare("INSERT INTO transactions_fts (transactions_fts, rank) VALUES ('integrity-check', 1)").run();
console.log('ok when consistent');
db.exec('DROP TRIGGER transactions_fts_update');
db.prepare("UPDATE transactions SET description = 'Tea'").run();
try { db.prepare("INSERT INTO transactions_fts (transactions_fts, rank) VALUES ('integrity-check', 1)").run(); console.log('NOT caught'); } catch (e) { console.log('caught:', (e as Error).message); }
