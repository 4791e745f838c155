import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createTestContext, postForm, registerUser, type Agent, type TestContext } from '../helpers/app.ts';
import { accountIdOf, importServiceOn, rowIdsFrom, userIdOf } from '../helpers/bookkeeping.ts';
import { manualClock } from '../helpers/clock.ts';
import { finishedPage, importCsv, upload } from '../helpers/csv-import.ts';
import { camt053, ofx1, qif, type FixtureEntry, type FixtureStatement } from '../helpers/statement-fixtures.ts';

const entries: FixtureEntry[] = [
  { day: '2026-03-02', cents: 250_000, name: 'ACME Payroll', memo: 'March salary', bankId: 'F-1' },
  { day: '2026-03-10', cents: -4_550, name: 'Corner Market', memo: '', bankId: 'F-2' },
  { day: '2026-03-15', cents: -1_250, name: 'Coffee & Co', memo: '', bankId: 'F-3' },
  { day: '2026-03-20', cents: -120_000, name: 'Rent', memo: 'April', bankId: 'F-4' },
  { day: '2026-04-02', cents: 250_000, name: 'ACME Payroll', memo: 'April salary', bankId: 'F-5' },
];
const march: FixtureStatement = { account: { bank: '021000021', number: '123456789' }, currency: 'USD', closing: { cents: 124_200, day: '2026-03-31' }, entries: entries.slice(0, 4) };

/** Uploads a statement (named bank.csv: the content decides), opens its page and imports it into `account` (or the one chosen for it). */
async function importStatement(agent: Agent, content: string, account?: number) {
  const up = await upload(agent, content);
  assert.equal(up.status, 303);
  const page = await agent.get(up.headers.location!);
  assert.equal(page.status, 200, page.text.slice(0, 500));
  const chosen = account ?? Number(/<option value="(\d+)" selected>/.exec(page.text)![1]);
  const posted = await postForm(agent, up.headers.location!, up.headers.location!, { account: String(chosen) });
  assert.equal(posted.status, 303, posted.text?.slice(0, 500));
  return { page: page.text, result: await finishedPage(agent, posted.headers.location!) };
}

async function setup(t: { after: (fn: () => unknown) => void }) {
  const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 3, 10, 12)) });
  t.after(() => ctx.cleanup());
  const agent = await registerUser(ctx.app, 'ann@example.com');
  const userId = userIdOf(ctx.db, 'ann@example.com');
  return { ctx, agent, userId, main: accountIdOf(ctx.db, userId, 'Main account') };
}

const rows = (ctx: TestContext) => ctx.db.prepare("SELECT occurred_on, type, amount_cents, description FROM transactions WHERE import_key IS NOT NULL ORDER BY occurred_on, id").all();

describe('importing bank statements', () => {
  test('an OFX statement is told by its content, previewed against the account, and imported with its bank ids; the same file again imports nothing and says so', async (t) => {
    const { ctx, agent } = await setup(t);
    const first = await importStatement(agent, ofx1(march));
    assert.match(first.page, /Import: OFX statement/);
    assert.match(first.page, /021000021 123456789/);
    assert.match(first.result, /<strong>4<\/strong> transactions were imported/);
    assert.deepEqual(rows(ctx), [
      { occurred_on: '2026-03-02', type: 'income', amount_cents: 250_000, description: 'ACME Payroll · March salary' },
      { occurred_on: '2026-03-10', type: 'expense', amount_cents: 4_550, description: 'Corner Market' },
      { occurred_on: '2026-03-15', type: 'expense', amount_cents: 1_250, description: 'Coffee &amp; Co'.replace('&amp;', '&') },
      { occurred_on: '2026-03-20', type: 'expense', amount_cents: 120_000, description: 'Rent · April' },
    ]);

    const again = await importStatement(agent, ofx1(march));
    assert.match(again.page, /All 4 entries were imported before: importing this file again adds nothing\./);
    assert.match(again.page, /imported before, skipped/);
    assert.match(again.result, /Nothing new: every entry of this statement was imported before\./);
    assert.match(again.result, /<strong>0<\/strong> transactions were imported/);
    assert.equal(rows(ctx).length, 4);
  });

  test('an overlapping statement imports only its new entries', async (t) => {
    const { ctx, agent } = await setup(t);
    await importStatement(agent, ofx1(march));
    const overlap = { ...march, closing: undefined, entries: entries.slice(2) };
    const second = await importStatement(agent, ofx1(overlap));
    assert.match(second.page, /2 entries were imported before and will be skipped; 1 new will be imported\./);
    assert.match(second.result, /<strong>1<\/strong> transaction was imported/);
    assert.match(second.result, /2 entries were imported before and were skipped\./);
    assert.equal(rows(ctx).length, 5);
  });

  test('a statement overlapping a CSV import of the same months skips the entries the account already has, one for one, unless they are kept', async (t) => {
    const { ctx, agent, userId, main } = await setup(t);
    // The same bank's CSV of March came in first: the salary, the market and one of two coffees.
    await importCsv(agent, ['date,amount,description', '2026-03-02,2500.00,ACME Payroll · March salary', '2026-03-10,-45.50,Corner Market', '2026-03-15,-12.50,Coffee'].join('\n'));
    const all = () => ctx.db.prepare('SELECT count(*) FROM transactions WHERE user_id = ?').pluck().get(userId) as number;
    assert.equal(all(), 3);
    const overlapping: FixtureStatement = {
      ...march,
      entries: [
        entries[0]!,
        entries[1]!,
        { day: '2026-03-15', cents: -1_250, name: 'Coffee', memo: '', bankId: 'F-C1' },
        { day: '2026-03-15', cents: -1_250, name: 'Coffee', memo: '', bankId: 'F-C2' },
        entries[3]!,
      ],
    };
    const first = await importStatement(agent, ofx1(overlapping), main);
    assert.match(first.page, /3 entries look like transactions this account already has/);
    assert.equal((first.page.match(/Likely duplicate: skipped/g) ?? []).length, 3);
    assert.match(first.page, /name="keepDuplicates"/);
    // The rent and the second coffee are new; the salary, the market and one coffee were in.
    assert.match(first.result, /<strong>2<\/strong> transactions were imported/);
    assert.match(first.result, /3 rows looked like transactions you already had and were skipped\./);
    assert.equal(all(), 5);

    // The same statement again, kept this time: its three entries not imported before come in.
    const up = await upload(agent, ofx1(overlapping));
    const page = (await agent.get(up.headers.location!)).text;
    assert.match(page, /2 entries were imported before and will be skipped; 0 new will be imported\./);
    // A form refused for its account keeps the tick, and imports nothing.
    const refused = await postForm(agent, up.headers.location!, up.headers.location!, { account: '999999', keepDuplicates: '1' });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /name="keepDuplicates" value="1" checked>/);
    assert.equal(all(), 5);
    const posted = await postForm(agent, up.headers.location!, up.headers.location!, { account: String(main), keepDuplicates: '1' });
    const kept = await finishedPage(agent, posted.headers.location!);
    assert.match(kept, /<strong>3<\/strong> transactions were imported/);
    assert.match(kept, /3 rows looked like transactions you already had and were kept\./);
    assert.equal(all(), 8);
    // Into another account nothing of Main account's is a duplicate.
    await postForm(agent, '/accounts', '/accounts', { name: 'Savings', kind: 'savings', openingBalance: '', openingOn: '' });
    const other = await importStatement(agent, ofx1(overlapping), accountIdOf(ctx.db, userId, 'Savings'));
    assert.doesNotMatch(other.page, /look like transactions this account already has/);
    assert.match(other.result, /<strong>5<\/strong> transactions were imported/);
  });

  test('an entry with the day and amount of a transaction the account has under another description (history from another app) is imported, and said', async (t) => {
    const { ctx, agent, userId, main } = await setup(t);
    // March came in first from another app, with its clean payee names; then the bank's own statement.
    await importCsv(agent, ['date,amount,description', '2026-03-10,-45.50,Groceries at the corner', '2026-03-15,-12.50,Coffee'].join('\n'));
    const statement: FixtureStatement = { ...march, entries: [entries[1]!, entries[2]!, { day: '2026-03-15', cents: -1_250, name: 'Coffee', memo: '', bankId: 'F-C9' }] };
    const { page, result } = await importStatement(agent, ofx1(statement), main);
    // Coffee and Coffee: a likely duplicate, skipped. Corner Market against the other app's name: said, imported.
    assert.match(page, /1 entry looks like a transaction this account already has/);
    assert.match(page, /1 entry has the day and amount of a transaction already in this account under another description\. It will be imported: check it is not the same one\./);
    assert.match(page, /same day and amount as “Groceries at the corner”/);
    assert.equal((page.match(/same day and amount as/g) ?? []).length, 1, 'one for one: the second coffee of that price is not marked, its twin is the skipped duplicate');
    assert.match(result, /<strong>2<\/strong> transactions were imported/);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE user_id = ?').pluck().get(userId), 4);
  });

  test('the statement account is remembered on the account it went into, and the next statement goes there by default', async (t) => {
    const { ctx, agent, userId, main } = await setup(t);
    await postForm(agent, '/accounts', '/accounts', { name: 'Joint', kind: 'checking', openingBalance: '', openingOn: '' });
    const joint = accountIdOf(ctx.db, userId, 'Joint');
    const first = await importStatement(agent, ofx1(march), joint);
    assert.match(first.result, /Imported into Joint\. Statements from 021000021 123456789 will go into Joint from now on\./);
    const next = await importStatement(agent, ofx1({ ...march, entries: entries.slice(4), closing: undefined }));
    assert.match(next.page, new RegExp(`<option value="${joint}" selected>Joint</option>`));
    assert.match(next.page, /Statements from this bank account went here before\./);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE account_id = ?').pluck().get(main), 0);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE account_id = ?').pluck().get(joint), 5);
  });

  test("the closing balance is set beside the account's balance on that day, and a difference is shown", async (t) => {
    const { agent } = await setup(t);
    // Net of March: 2,500.00 - 45.50 - 12.50 - 1,200.00 = 1,242.00, and the account opened at zero.
    const matching = await importStatement(agent, camt053({ ...march, account: { number: 'DE89370400440532013000' } }));
    assert.match(matching.result, /The statement&#39;s closing balance on Mar 31, 2026, \$1,242\.00, matches Main account\./);
    const off = await importStatement(agent, camt053({ ...march, account: { number: 'DE89370400440532013000' }, closing: { cents: 130_000, day: '2026-03-31' } }));
    assert.match(off.result, /closing balance on Mar 31, 2026 is \$1,300\.00, but Main account shows \$1,242\.00 on that day: a difference of \$58\.00\./);
    // Its link opens the reconcile page filled in with the statement's day and closing balance; sending it starts.
    const link = /href="(\/accounts\/\d+\/reconcile\?on=2026-03-31&amp;balance=130000)"/.exec(off.result)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(link, 'the link carries the statement');
    const filled = (await agent.get(link)).text;
    assert.match(filled, /name="statementOn" type="date" value="2026-03-31"/);
    assert.match(filled, /name="statementBalance"[^>]*value="1,300\.00"/);
    // Nonsense in the link fills nothing in.
    const odd = (await agent.get(`${link.split('?')[0]!}?on=2026-02-30&balance=1e9`)).text;
    // (Read from the fields themselves: a random CSRF token may hold "1e9".)
    assert.doesNotMatch(/name="statementOn" type="date" value="([^"]*)"/.exec(odd)![1]!, /2026-02-30/);
    assert.match(odd, /name="statementBalance"[^>]*value=""/);
    const start = await postForm(agent, link, link.split('?')[0]!, { statementOn: '2026-03-31', statementBalance: '1,300.00' });
    assert.equal(start.status, 303);
    assert.match((await agent.get(link.split('?')[0]!)).text, /Against the statement of Mar 31, 2026, ending at \$1,300\.00\./);
  });

  test('QIF has no bank ids: its fingerprints still make a second import of the file add nothing, and two equal coffees on one day are two rows', async (t) => {
    const { ctx, agent } = await setup(t);
    const twice: FixtureStatement = { ...march, entries: [entries[2]!, { ...entries[2]!, bankId: 'x' }, entries[3]!] };
    const first = await importStatement(agent, qif(twice));
    assert.match(first.page, /Import: QIF file/);
    assert.equal(rows(ctx).length, 3);
    const again = await importStatement(agent, qif(twice));
    assert.match(again.result, /Nothing new/);
    assert.equal(rows(ctx).length, 3);
  });

  test('a statement entry that a schedule already posted is not imported again; one still to come is recorded as the occurrence', async (t) => {
    const { ctx, agent, main } = await setup(t);
    const schedule = (description: string, startOn: string) =>
      postForm(agent, '/scheduled/new', '/scheduled', { type: 'expense', account: String(main), toAccount: '', category: '', amount: '1200.00', description, frequency: 'months', every: '1', weekday: '', monthDay: '', startOn, endOn: '', count: '1' });
    assert.equal((await schedule('Rent March', '2026-03-20')).status, 303, 'posted at once: its day has come');
    assert.equal((await schedule('Rent April', '2026-04-20')).status, 303, 'still to come');
    const statement = { ...march, closing: undefined, entries: [entries[3]!, { ...entries[3]!, day: '2026-04-18', bankId: 'F-9' }] };
    const { page, result } = await importStatement(agent, ofx1(statement));
    // Its page says beforehand what the import will make of each.
    assert.match(page, /1 entry is what a schedule already posted: it is not imported again\./);
    assert.match(page, /posted by its schedule, skipped/);
    assert.match(page, /recorded as its scheduled occurrence/);
    assert.match(result, /1 row matched a transaction its schedule had already posted and was not imported again\./);
    assert.match(result, /1 row was recorded as a scheduled occurrence, which will not be posted again\./);
    const rent = ctx.db.prepare('SELECT occurred_on, schedule_id IS NOT NULL AS scheduled FROM transactions WHERE amount_cents = 120000 ORDER BY occurred_on').all();
    assert.deepEqual(rent, [{ occurred_on: '2026-03-20', scheduled: 1 }, { occurred_on: '2026-04-18', scheduled: 1 }], 'one row each, both the schedules\' own');
    // Both rows now carry the entries' keys: the same statement again is "imported before" on its page, as it is.
    const again = await importStatement(agent, ofx1(statement));
    assert.match(again.page, /All 2 entries were imported before: importing this file again adds nothing\./);
    assert.match(again.result, /<strong>0<\/strong> transactions were imported/);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions WHERE amount_cents = 120000').pluck().get(), 2);
  });

  test('a statement of over a thousand entries is found by text search, every entry of it, and the index keeps up afterwards', async (t) => {
    const { ctx, agent, userId } = await setup(t);
    const many: FixtureEntry[] = Array.from({ length: 1_100 }, (_, i) => ({
      day: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`,
      cents: -(100 + i),
      name: i === 500 ? 'Kilimanjaro Outfitters' : `Card payment ${i}`,
      memo: '',
      bankId: `B-${i}`,
    }));
    const { result } = await importStatement(agent, ofx1({ ...march, closing: undefined, entries: many }));
    assert.match(result, /<strong>1,100<\/strong> transactions were imported from 1,100 rows/);
    const found = async (q: string) => rowIdsFrom((await agent.get(`/transactions?q=${encodeURIComponent(q)}`)).text);
    const idOf = (description: string) => ctx.db.prepare<[number, string], number>('SELECT id FROM transactions WHERE user_id = ? AND description = ?').pluck().get(userId, description)!;
    assert.deepEqual(await found('manjaro'), [idOf('Kilimanjaro Outfitters')]);
    assert.equal(ctx.db.prepare<[], number>("SELECT count(*) FROM transactions_fts WHERE transactions_fts MATCH 'Card payment'").pluck().get(), 1_099);
    await importStatement(agent, ofx1({ ...march, closing: undefined, entries: [{ day: '2026-03-30', cents: -999, name: 'Kilimanjaro again', memo: '', bankId: 'B-new' }] }));
    assert.deepEqual(await found('kilimanjaro'), [idOf('Kilimanjaro again'), idOf('Kilimanjaro Outfitters')]);
  });

  test('a hostile or broken statement is refused with its reason, and nothing is imported', async (t) => {
    const { ctx, agent } = await setup(t);
    const hostile = camt053(march).replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>');
    // A second account's statement in the same file (a savings account, say) would land in the account chosen.
    const savings = ofx1({ ...march, account: { bank: '021000021', number: '999888777' }, entries: [entries[4]!] });
    const twoAccounts = ofx1(march).replace('</STMTTRNRS>', `</STMTTRNRS>\n${/<STMTTRNRS>[\s\S]*<\/STMTTRNRS>/.exec(savings)![0]}`);
    for (const [file, message] of [
      [hostile, /declares a DOCTYPE, which no bank statement needs/],
      [ofx1(march).replace('</OFX>', '').replace('</BANKTRANLIST>', ''), /not well-formed XML/],
      [twoAccounts, /holds the statements of more than one account \(or in more than one currency\)/],
    ] as const) {
      const up = await upload(agent, file);
      const page = await agent.get(up.headers.location!);
      assert.equal(page.status, 422);
      assert.match(page.text, message);
      assert.doesNotMatch(page.text, /name="account"/);
    }
    assert.equal(rows(ctx).length, 0);
  });

  test('a statement in another currency is not imported, on its page or when its import is posted anyway: there is no conversion', async (t) => {
    const { ctx, agent, userId, main } = await setup(t);
    for (const file of [ofx1({ ...march, currency: 'EUR' }), camt053({ ...march, currency: 'eur' })]) {
      const up = await upload(agent, file);
      const page = await agent.get(up.headers.location!);
      assert.equal(page.status, 422);
      assert.match(page.text, /This statement is in EUR, and this Ledgerly counts every amount in USD\. It was not imported/);
      assert.doesNotMatch(page.text, /name="account"/, 'no import is offered');
      // Posted anyway (a form from before, a script): refused with the same words, and no import begins.
      const posted = await postForm(agent, '/import', up.headers.location!, { account: String(main) });
      assert.equal(posted.status, 422);
      assert.match(posted.text, /This statement is in EUR, and this Ledgerly counts every amount in USD\./);
      assert.equal(ctx.db.prepare("SELECT count(*) FROM jobs WHERE kind = 'statement-import'").pluck().get(), 0);
      // Nor does the importer the bench and tools use take it.
      const saved = path.join(ctx.config.dataDir, 'eur-statement');
      writeFileSync(saved, file);
      assert.equal(await importServiceOn(ctx.db, path.join(ctx.config.dataDir, 'imports')).importStatementFile(userId, saved, main), undefined);
    }
    assert.equal(rows(ctx).length, 0);
    // The statement's own currency code is not added after an amount already written in ours.
    const page = await agent.get((await upload(agent, ofx1(march))).headers.location!);
    assert.match(page.text, /\$1,242\.00 · <time/);
  });

  test('the unique key is the schema\'s: a second row with the same import key in an account cannot be stored', async (t) => {
    const { ctx, agent, main } = await setup(t);
    await importStatement(agent, ofx1(march));
    assert.throws(
      () => ctx.db.prepare("INSERT INTO transactions (user_id, account_id, type, amount_cents, occurred_on, description, import_key) SELECT user_id, account_id, type, amount_cents, occurred_on, description, import_key FROM transactions WHERE account_id = ? AND import_key = 'id:F-1'").run(main),
      /UNIQUE constraint failed/,
    );
  });

  test('an account archived while its statement is being read takes none of it: the write looks at the account again', async (t) => {
    const { ctx, agent, userId, main } = await setup(t);
    const up = await upload(agent, ofx1(march));
    // The import waits in the queue, then the runner takes it and starts reading the file.
    await ctx.jobs.stop(0);
    const posted = await postForm(agent, up.headers.location!, up.headers.location!, { account: String(main) });
    assert.equal(posted.status, 303);
    const state = () => ctx.db.prepare("SELECT state FROM jobs WHERE kind = 'statement-import'").pluck().get();
    ctx.jobs.start();
    while (state() === 'queued') await new Promise((resolve) => setImmediate(resolve));
    assert.equal(state(), 'running', 'caught while reading the file');
    // Archived from another tab (or worker) meanwhile.
    ctx.db.prepare('UPDATE accounts SET archived = 1 WHERE user_id = ? AND id = ?').run(userId, main);
    await ctx.jobs.runDue();
    assert.equal(state(), 'failed');
    assert.equal(rows(ctx).length, 0, 'nothing went into the archived account');
    assert.match(await finishedPage(agent, posted.headers.location!), /archived or deleted before the import ran, so nothing was imported/);
  });

  test('a statement cannot be imported into an account that is not the person\'s', async (t) => {
    const { ctx, agent } = await setup(t);
    const bob = await registerUser(ctx.app, 'bob@example.com');
    void bob;
    const bobs = accountIdOf(ctx.db, userIdOf(ctx.db, 'bob@example.com'), 'Main account');
    const up = await upload(agent, ofx1(march));
    const refused = await postForm(agent, up.headers.location!, up.headers.location!, { account: String(bobs) });
    assert.equal(refused.status, 422);
    assert.match(refused.text, /id="statement-account-error"/);
    assert.equal(rows(ctx).length, 0);
  });
});
