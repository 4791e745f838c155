import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestContext, postForm, registerUser, TEST_PASSWORD } from '../helpers/app.ts';
import { logInAgent } from '../helpers/security.ts';
import { accountIdOf, assertMonthlyTotalsMatchRows, userIdOf } from '../helpers/bookkeeping.ts';
import { manualClock } from '../helpers/clock.ts';
import { importCsv } from '../helpers/csv-import.ts';

test('an imported row that is a scheduled occurrence is offered as a match: a posted one is not imported again, a coming one is recorded as it', async (t) => {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 9)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const ann = userIdOf(ctx.db, 'ann@example.com');
  const main = accountIdOf(ctx.db, ann, 'Main account');
  const schedule = (fields: Record<string, string>) =>
    postForm(agent, '/scheduled/new', '/scheduled', {
      type: 'expense', account: String(main), toAccount: '', category: '', frequency: 'months', every: '1', weekday: '', monthDay: '', endOn: '', count: '', ...fields,
    });
  assert.equal((await schedule({ amount: '900', description: 'Rent', startOn: '2026-01-01' })).status, 303); // posted 1 Jan, 1 Feb, 1 Mar
  assert.equal((await schedule({ amount: '15.99', description: 'Streaming', startOn: '2026-03-16', frequency: 'weeks' })).status, 303);
  const before = ctx.db.prepare('SELECT count(*) FROM transactions').pluck().get() as number;

  const csv = [
    'date,type,amount,description',
    '2026-03-02,expense,900.00,ACME PROPERTIES', // the bank's record of the rent posted on 1 March
    '2026-03-17,expense,15.99,STREAMCO', // the streaming due on 16 March, not posted yet
    '2026-03-10,expense,900.00,Another 900', // nine days from any rent: a row of its own
    '2026-03-18,expense,15.00,Close but not the amount',
  ].join('\n');
  const { preview, result } = await importCsv(agent, csv);
  assert.match(preview, /Matches “Rent” of Mar 1, 2026, already posted by its schedule: not imported again/);
  assert.match(preview, /Matches “Streaming” scheduled for Mar 16, 2026: imported as that occurrence/);
  assert.equal((preview.match(/Matches “/g) ?? []).length, 2, 'the other two rows are plain rows');
  assert.doesNotMatch(preview, /Likely duplicate: /);

  assert.match(result, /<strong>3<\/strong> transactions were imported from 4 rows\./);
  assert.match(result, /1 row matched a transaction its schedule had already posted and was not imported again\. <span class="import-result__lines">Lines: 2</);
  assert.match(result, /1 row was recorded as a scheduled occurrence, which will not be posted again\. <span class="import-result__lines">Lines: 3</);
  assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions').pluck().get(), before + 3);
  const recorded = ctx.db
    .prepare("SELECT t.occurred_on, t.description, o.occurs_on FROM transactions t JOIN schedule_occurrences o ON o.transaction_id = t.id WHERE t.description = 'STREAMCO'")
    .get();
  assert.deepEqual(recorded, { occurred_on: '2026-03-17', description: 'STREAMCO', occurs_on: '2026-03-16' });

  // When its day has passed the poster does not post that occurrence again; the next week's it does.
  ctx.clock.set(Date.UTC(2026, 2, 24, 9));
  await ctx.jobs.runDue();
  const streaming = ctx.db.prepare("SELECT occurred_on FROM transactions WHERE amount_cents = 1599 ORDER BY occurred_on").pluck().all();
  assert.deepEqual(streaming, ['2026-03-17', '2026-03-23']);

  // Importing the same file again: every row is now in, the two scheduled ones as posted occurrences.
  const later = await logInAgent(ctx.app, 'ann@example.com', TEST_PASSWORD); // the old session has timed out
  const again = await importCsv(later, csv);
  assert.match(again.result, /<strong>0<\/strong> transactions were imported from 4 rows\./);
  assert.match(again.result, /2 rows matched transactions their schedules had already posted/);
  assertMonthlyTotalsMatchRows(ctx.db);
});
