import { openDatabase } from '../../src/db/open.ts';
const db = openDatabase('/tmp/phases-200k.sqlite');
const rows = db.prepare('SELECT sid, data, expires_at, last_seen_at FROM sessions ORDER BY last_seen_at DESC LIMIT 3').all();
console.log(JSON.stringify(rows, null, 1).slice(0, 1500));
console.log(db.prepare('SELECT count(*) FROM sessions').pluck().get());
