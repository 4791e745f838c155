import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createUsersRepo } from '../../src/db/repos/users.ts';
import { LEDGERLY_EXPORT_MAPPING } from '../../src/domain/imports.ts';
import { centsToDecimalString } from '../../src/domain/money.ts';
import { createTestContext } from '../helpers/app.ts';
import { importServiceOn } from '../helpers/bookkeeping.ts';

const ROWS = 100_000;

test(`a ${ROWS.toLocaleString('en-US')}-row CSV imports every row exactly, with the exact totals`, async (t) => {
  const ctx = createTestContext();
  t.after(() => ctx.cleanup());
  const user = createUsersRepo(ctx.db).createUser('bench@example.com', 'not-a-real-hash');
  const categories = ['Groceries', 'Housing', 'Transport', 'Eating out', 'Side project'];
  const lines = ['date,type,category,amount,description'];
  let expectedIncome = 0;
  let expectedExpense = 0;
  for (let i = 0; i < ROWS; i++) {
    const day = `20${String(10 + (i % 16))}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
    const type = i % 7 === 0 ? 'income' : 'expense';
    const cents = 1 + ((i * 7919) % 250_000);
    if (type === 'income') expectedIncome += cents;
    else expectedExpense += cents;
    lines.push(`${day},${type},${categories[i % categories.length]},${centsToDecimalString(cents)},"Row ${i}, with a comma"`);
  }
  const file = path.join(ctx.dir, 'big.csv');
  writeFileSync(file, `${lines.join('\r\n')}\r\n`);

  const result = await importServiceOn(ctx.db, path.join(ctx.dir, 'imports')).importFile(user.id, file, LEDGERLY_EXPORT_MAPPING);

  assert.equal(result.rowsRead, ROWS);
  assert.equal(result.imported, ROWS);
  assert.equal(result.errorCount, 0);
  const sums = ctx.db
    .prepare<[number], { income: number; expense: number; n: number }>(
      `SELECT coalesce(sum(CASE WHEN type = 'income' THEN amount_cents END), 0) AS income,
              coalesce(sum(CASE WHEN type = 'expense' THEN amount_cents END), 0) AS expense, count(*) AS n
         FROM transactions WHERE user_id = ?`,
    )
    .get(user.id)!;
  assert.deepEqual(sums, { income: expectedIncome, expense: expectedExpense, n: ROWS });
  // How long it takes is npm run bench's to measure; what must hold at this size is that every row lands exactly.
});
