import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createTestContext, postForm, registerUser, type Agent, type TestContext } from '../helpers/app.ts';
import { consistencyProblems, databaseFingerprint } from '../helpers/attack.ts';
import { finishedPage, upload } from '../helpers/csv-import.ts';
import { camt053, ofx1, ofx2, qif, type FixtureStatement } from '../helpers/statement-fixtures.ts';

/**
 * The import form fed malformed statements in every format, as the import issue asks: cut short, in the wrong
 * encoding, with huge fields, with XML entities (external ones must never be read, internal ones never expanded) and
 * nested deeper than any statement. Whatever arrives: never a 5xx, never a byte of a file the statement points at,
 * and a refused file writes nothing; a file that is read imports whole or not at all.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
// A file on this machine an external entity would name: its text must never reach a page or the database.
const SECRET_FILE = '/etc/passwd';
const SECRET_LINE = /root:[^:\n]*:0:0/;

const sample: FixtureStatement = {
  account: { bank: '021000021', number: '555000' },
  currency: 'USD',
  closing: { cents: 10_000, day: '2026-03-31' },
  entries: [
    { day: '2026-03-02', cents: 250_000, name: 'ACME Payroll', memo: 'March', bankId: 'F-1' },
    { day: '2026-03-15', cents: -1_250, name: 'Coffee & Co', memo: '', bankId: 'F-2' },
    { day: '2026-03-16', cents: -9_999, name: 'Café Olé', memo: 'Card 1234', bankId: 'F-3' },
  ],
};

const FORMATS: Record<string, (s: FixtureStatement) => string> = {
  'OFX 1.x': (s) => ofx1(s),
  'OFX 2.x': (s) => ofx2(s),
  QFX: (s) => ofx1(s, { qfx: true }),
  QIF: (s) => qif(s),
  'CAMT.053': (s) => camt053(s),
};

/** Puts a DOCTYPE after the XML declaration (or at the start), so the document would use what it declares. */
function withDoctype(text: string, doctype: string, use: string): string {
  const declaration = /^\s*<\?xml[^>]*\?>/.exec(text)?.[0] ?? '';
  return `${declaration}${doctype}${text.slice(declaration.length).replace('Coffee &amp; Co', `Coffee ${use}`).replace('Coffee & Co', `Coffee ${use}`)}`;
}

const EXTERNAL = `<!DOCTYPE x [<!ENTITY leak SYSTEM "file://${SECRET_FILE}">]>`;
const LAUGHS = `<!DOCTYPE x [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>`;

/** Ways a statement file goes wrong, each applied to a well-formed file of the format. */
const mangle: fc.Arbitrary<(file: string) => Buffer> = fc.oneof(
  // Cut short anywhere.
  fc.double({ min: 0, max: 1, noNaN: true }).map((at) => (file: string) => Buffer.from(file.slice(0, Math.floor(file.length * at)), 'utf8')),
  // Bytes overwritten, or inserted, at random places.
  fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => (file: string) => {
    const bytes = Buffer.from(file, 'utf8');
    for (const [at, byte] of edits) bytes[Math.min(bytes.length - 1, Math.floor(bytes.length * at))] = byte;
    return bytes;
  }),
  // The wrong encoding: UTF-16 without its mark, Latin-1 bytes where UTF-8 was declared, UTF-8 with a Latin-1 mark.
  fc.constantFrom(
    (file: string) => Buffer.from(file, 'utf16le'),
    (file: string) => Buffer.from(file.replace(/Payroll/, 'Zahlung für Müller'), 'latin1'),
    (file: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(file, 'utf8')]),
  ),
  // A huge field: a name of hundreds of thousands of characters, on one line.
  fc.integer({ min: 100_000, max: 600_000 }).map((n) => (file: string) => Buffer.from(file.replace(/ACME Payroll/, 'A'.repeat(n)), 'utf8')),
  // Entities: an external one naming a local file, and the billion laughs.
  fc.constantFrom(
    (file: string) => Buffer.from(withDoctype(file, EXTERNAL, '&leak;'), 'utf8'),
    (file: string) => Buffer.from(withDoctype(file, LAUGHS, '&d;'), 'utf8'),
    (file: string) => Buffer.from(file.replace('Coffee', '<!ENTITY x SYSTEM "file:///etc/passwd">&x;'), 'utf8'),
  ),
  // Nested far deeper than any statement, inside the document.
  fc.integer({ min: 100, max: 20_000 }).map((depth) => (file: string) => {
    const at = Math.max(file.indexOf('<STMTTRN>'), file.indexOf('<Ntry>'), file.indexOf('!Type'));
    const nest = `${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`;
    return Buffer.from(at < 0 ? `${nest}${file}` : `${file.slice(0, at)}${nest}${file.slice(at)}`, 'utf8');
  }),
);

describe('fuzzing the import form with malformed statements in every format', () => {
  let ctx: TestContext;
  let agent: Agent;

  before(async () => {
    ctx = createTestContext();
    agent = await registerUser(ctx.app, 'fuzz-statements@example.com');
  });
  after(() => ctx.cleanup());

  for (const [name, write] of Object.entries(FORMATS)) {
    test(`${name}: ${RUNS} mangled files are read or refused, never a 5xx, never an entity, nothing half-written`, async () => {
      let imported = 0;
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(mangle, async (make) => {
          const bytes = make(write(sample));
          const before = databaseFingerprint(ctx.db, { ignoreTables: ['rate_limits', 'sessions'] });
          const up = await upload(agent, bytes);
          assert.ok(up.status < 500, `upload answered ${up.status}`);
          if (up.status !== 303) return;
          const preview = await agent.get(up.headers.location!);
          assert.ok(preview.status < 500, `preview answered ${preview.status}`);
          assert.doesNotMatch(preview.text, SECRET_LINE, 'the preview never shows a file an entity names');
          assert.doesNotMatch(preview.text, /(ha){100}/, 'no entity is expanded');
          if (preview.status !== 200) {
            refused++;
            assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['rate_limits', 'sessions'] }), before, 'a refused file writes nothing');
            return;
          }
          // Read as a statement or as CSV: import what the page offers, and the result must be whole.
          const account = /name="account"[\s\S]*?<option value="(\d+)" selected>/.exec(preview.text)?.[1];
          if (account === undefined) return;
          const posted = await postForm(agent, up.headers.location!, up.headers.location!, { account });
          assert.ok(posted.status < 500, `import answered ${posted.status}`);
          if (posted.status !== 303) return;
          const done = await finishedPage(agent, posted.headers.location!);
          imported++;
          assert.doesNotMatch(done, SECRET_LINE);
          assert.deepEqual(consistencyProblems(ctx), []);
          const stored = ctx.db.prepare('SELECT description FROM transactions').pluck().all() as string[];
          assert.ok(stored.every((d) => !SECRET_LINE.test(d) && !/(ha){100}/.test(d) && d.length <= 200), 'no entity text, no field beyond the limit');
        }),
        // The file as written is always among the runs, so the property is seen to hold for an import too.
        { numRuns: RUNS, includeErrorInReport: true, examples: [[(file: string) => Buffer.from(file, 'utf8')]] },
      );
      assert.ok(imported > 0, `some files were imported (${imported})`);
      // QIF is lines, read leniently (a bad entry is listed, the rest imported); the XML formats refuse what breaks them.
      if (name !== 'QIF') assert.ok(refused > 0, `some files were refused (${refused})`);
    });
  }

  test('an external entity is refused outright: its file is never read into the preview or the database', async () => {
    for (const write of [FORMATS['OFX 2.x']!, FORMATS['CAMT.053']!]) {
      const up = await upload(agent, Buffer.from(withDoctype(write(sample), EXTERNAL, '&leak;'), 'utf8'));
      const preview = await agent.get(up.headers.location!);
      assert.equal(preview.status, 422);
      assert.match(preview.text, /declares a DOCTYPE, which no bank statement needs/);
    }
  });
});
