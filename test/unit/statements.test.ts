import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { detectFileFormat, parseQifDate, parseStatementAmount, statementDescription, statementImportRows, type StatementEntry } from '../../src/domain/statements.ts';
import { readStatementFile } from '../../src/services/statement-files.ts';
import { camt053, decimal, ofx1, ofx2, qif, windows1252, type FixtureEntry, type FixtureStatement } from '../helpers/statement-fixtures.ts';

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** Reads a file that must be a statement. */
function read(bytes: Uint8Array) {
  const result = readStatementFile(bytes);
  if (!result.ok) throw new Error(`not read: ${JSON.stringify(result)}`);
  return result.statement;
}

/** What the reader should make of a written entry, less its line. */
const expected = (e: FixtureEntry, bankId: boolean) => ({ occurredOn: e.day, amountCents: e.cents, description: statementDescription(e.name, e.memo), bankId: bankId ? e.bankId : null });
const withoutLine = ({ line: _line, ...rest }: StatementEntry) => rest;

const sample: FixtureStatement = {
  account: { bank: '123456789', number: '000111222' },
  currency: 'EUR',
  closing: { cents: 123_456, day: '2026-03-31' },
  entries: [
    { day: '2026-03-02', cents: 250_000, name: 'ACME Payroll', memo: 'March salary', bankId: 'F-1' },
    { day: '2026-03-15', cents: -1_250, name: 'Coffee & Co <Main St>', memo: '', bankId: 'F-2' },
    { day: '2026-03-16', cents: -9_999_999, name: 'Café Olé', memo: 'Card 1234', bankId: 'F-3' },
  ],
};

// Printable text without line breaks or controls, as payees and memos are; any Unicode.
const printable = fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ''));
const entry: fc.Arbitrary<FixtureEntry> = fc.record({
  day: fc.date({ min: new Date(Date.UTC(1995, 0, 1)), max: new Date(Date.UTC(2035, 11, 31)), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  cents: fc.integer({ min: -99_999_999_99, max: 99_999_999_99 }).filter((c) => c !== 0),
  name: printable,
  memo: printable,
  bankId: fc.stringMatching(/^[A-Za-z0-9-]{1,30}$/),
});
const statement = fc.record({ entries: fc.array(entry, { minLength: 1, maxLength: 20 }) }).map((s): FixtureStatement => ({ ...sample, entries: s.entries }));

describe('statement formats, told by content', () => {
  test('each format is recognised from its first characters, never its name; anything else is CSV', () => {
    assert.equal(detectFileFormat(ofx1(sample)), 'ofx');
    assert.equal(detectFileFormat(ofx2(sample)), 'ofx');
    assert.equal(detectFileFormat(ofx1(sample, { qfx: true })), 'qfx');
    assert.equal(detectFileFormat(qif(sample)), 'qif');
    assert.equal(detectFileFormat(`\uFEFF${qif(sample, { type: 'CCard' })}`), 'qif');
    assert.equal(detectFileFormat(camt053(sample)), 'camt053');
    assert.equal(detectFileFormat('date,amount,description\n2026-03-01,12.50,Coffee\n'), 'csv');
    assert.equal(detectFileFormat('<html><body>OFXHEADER:100</body></html>'), 'csv');
  });
});

describe('round trips: every entry read back to the cent', () => {
  const formats: [string, (s: FixtureStatement) => string, boolean][] = [
    ['OFX 1.x (SGML)', (s) => ofx1(s), true],
    ['OFX 2.x (XML)', (s) => ofx2(s), true],
    ['QFX', (s) => ofx1(s, { qfx: true }), true],
    ['OFX credit card', (s) => ofx1(s, { creditCard: true }), true],
    ['QIF bank', (s) => qif(s), false],
    ['QIF credit card, day first, decimal comma', (s) => qif(s, { type: 'CCard', dayFirst: true, comma: true }), false],
    ['CAMT.053', (s) => camt053(s), true],
  ];
  for (const [name, write, bankIds] of formats) {
    test(`${name}: random entries come back as written`, () => {
      fc.assert(
        fc.property(statement, (s) => {
          const read1 = read(utf8(write(s)));
          assert.deepEqual(read1.problems, []);
          assert.deepEqual(read1.entries.map(withoutLine), s.entries.map((e) => expected(e, bankIds)));
        }),
        { numRuns: 60, includeErrorInReport: true },
      );
    });
  }

  test('a statement far longer than the 64 KB pieces the parser reads comes back whole: text cut anywhere, lines kept', () => {
    // Random Unicode (emoji pairs, combining marks, ampersands) so that piece boundaries fall inside every kind of text.
    const entries = fc.sample(entry, { numRuns: 4_000, seed: 17 });
    for (const [name, write] of [['OFX 1.x', ofx1], ['OFX 2.x', ofx2], ['CAMT.053', camt053]] as const) {
      const file = write({ ...sample, entries });
      assert.ok(file.length > 8 * 65_536, `${name} spans many pieces`);
      const got = read(utf8(file));
      assert.deepEqual(got.problems, [], name);
      assert.deepEqual(got.entries.map(withoutLine), entries.map((e) => expected(e, true)), name);
      const lines = got.entries.map((e) => e.line);
      assert.ok(lines.every((line, i) => i === 0 || line > lines[i - 1]!), `${name}: lines rise entry by entry`);
      assert.equal(file.split('\n')[lines.at(-1)! - 1]!.trim().replace(/^<|>$/g, '').split(/[ >]/)[0]!.replace(/^.*:/, '').slice(0, 4), name === 'CAMT.053' ? 'Ntry' : 'STMT', `${name}: the last entry's line is where it starts`);
    }
  });

  test('account, currency and closing balance, where the format has them', () => {
    const o = read(utf8(ofx1(sample)));
    assert.deepEqual([o.format, o.account, o.currency, o.closingBalance], ['ofx', '123456789 000111222', 'EUR', { cents: 123_456, on: '2026-03-31' }]);
    const cc = read(utf8(ofx2({ ...sample, account: { number: '4111XXXX1111' } }, { creditCard: true })));
    assert.deepEqual([cc.account, cc.closingBalance?.cents], ['4111XXXX1111', 123_456]);
    const c = read(utf8(camt053({ ...sample, account: { number: 'UA213223130000026007233566001' }, closing: { cents: -4_200, day: '2026-03-31' } })));
    assert.deepEqual([c.format, c.account, c.currency, c.closingBalance], ['camt053', 'UA213223130000026007233566001', 'EUR', { cents: -4_200, on: '2026-03-31' }]);
    const q = read(utf8(qif(sample, { accountName: 'Everyday' })));
    assert.deepEqual([q.format, q.account, q.closingBalance], ['qif', 'Everyday', null]);
  });

  test('lines point at each entry in the file', () => {
    const text = ofx1(sample);
    const lines = text.split('\r\n');
    const at = read(utf8(text)).entries.map((e) => lines[e.line - 1]);
    assert.deepEqual(at, ['<STMTTRN>', '<STMTTRN>', '<STMTTRN>']);
    const qifText = qif(sample);
    assert.deepEqual(read(utf8(qifText)).entries.map((e) => qifText.split('\r\n')[e.line - 1]![0]), ['D', 'D', 'D']);
  });
});

describe('encodings, signs and separators as the formats write them', () => {
  test('a UTF-8 BOM, UTF-16 with its BOM, Windows-1252 declared by OFX or XML, and undeclared Windows-1252 bytes', () => {
    const names = (bytes: Uint8Array) => read(bytes).entries.map((e) => e.description);
    assert.deepEqual(names(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(qif(sample))])), ['ACME Payroll · March salary', 'Coffee & Co <Main St>', 'Café Olé · Card 1234']);
    assert.deepEqual(names(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(qif(sample), 'utf16le')])).at(-1), 'Café Olé · Card 1234');
    const euro = { ...sample, entries: [{ ...sample.entries[2]!, name: 'Café €5 menu' }] };
    assert.equal(names(windows1252(ofx1(euro, { charset: '1252' })))[0], 'Café €5 menu · Card 1234');
    assert.equal(names(windows1252(camt053(euro).replace('encoding="UTF-8"', 'encoding="windows-1252"')))[0], 'Café €5 menu · Card 1234');
    assert.equal(names(windows1252(qif(euro)))[0], 'Café €5 menu · Card 1234', 'not valid UTF-8, so Windows-1252');
  });

  test('OFX amounts with a decimal comma, and SGML text with a raw ampersand', () => {
    const s = read(utf8(ofx1(sample, { comma: true, rawAmpersand: true })));
    assert.deepEqual(s.entries.map((e) => [e.amountCents, e.description]), [
      [250_000, 'ACME Payroll · March salary'],
      [-1_250, 'Coffee & Co <Main St>'],
      [-9_999_999, 'Café Olé · Card 1234'],
    ]);
  });

  test('amounts: a sign in front, grouping, and a decimal comma only where it ends the number', () => {
    const cents = (text: string) => {
      const r = parseStatementAmount(text);
      return r.ok ? r.cents : r.problem;
    };
    assert.deepEqual(['-12.50', '+12.5', '1,234.56', '-1.234,56', '12,5', '0.07', '1e3', '12.345', '0.00', ''].map(cents), [-1_250, 1_250, 123_456, -123_456, 1_250, 7, 'malformed', 'too-many-decimals', 'zero', 'empty']);
  });

  test('QIF dates: month first as Quicken writes them, apostrophe years, day first when a day above 12 shows it', () => {
    assert.deepEqual(['03/15/2026', '3/5/26', "3/15'26", '12/31/99'].map((d) => parseQifDate(d, false)), ['2026-03-15', '2026-03-05', '2026-03-15', '1999-12-31']);
    assert.deepEqual(['15.03.2026', '05/03/2026'].map((d) => parseQifDate(d, true)), ['2026-03-15', '2026-03-05']);
    assert.equal(parseQifDate('02/30/2026', false), undefined);
    const dayFirst = read(utf8('!Type:Bank\r\nD15/03/2026\r\nT-1.00\r\n^\r\nD05/04/2026\r\nT-2.00\r\n^\r\n'));
    assert.deepEqual(dayFirst.entries.map((e) => e.occurredOn), ['2026-03-15', '2026-04-05']);
  });

  test('QIF: splits count once (the entry total), investment sections are left out, the first account name is kept', () => {
    const text = [
      '!Account', 'NHoliday fund', 'TBank', '^',
      '!Type:Bank', 'D03/01/2026', 'T-100.00', 'PSupermarket', 'SGroceries', '$-60.00', 'SHousehold', '$-40.00', '^',
      '!Type:Invst', 'D03/02/2026', 'NBuy', 'YACME', 'T-500.00', '^',
      '!Type:Bank', 'D03/03/2026', 'U-7.25', 'PBakery', '^',
    ].join('\n');
    const s = read(utf8(text));
    assert.equal(s.account, 'Holiday fund');
    assert.deepEqual(s.entries.map((e) => [e.occurredOn, e.amountCents, e.description]), [['2026-03-01', -10_000, 'Supermarket'], ['2026-03-03', -725, 'Bakery']]);
  });

  test("QIF: Quicken's list of accounts is no entry, and a file of several accounts' entries is refused, as OFX's is", () => {
    const list = ['!Option:AutoSwitch', '!Account', 'NChecking', 'TBank', '^', 'NSavings', 'TBank', '^', '!Clear:AutoSwitch'];
    const checking = ['!Account', 'NChecking', 'TBank', '^', '!Type:Bank', 'D03/01/2026', 'T-100.00', 'PRent', 'LHousing', '^'];
    const savings = ['!Account', 'NSavings', 'TBank', '^', '!Type:Bank', 'D03/02/2026', 'T5.00', 'PInterest', '^'];
    const one = read(utf8([...list, ...checking].join('\n')));
    assert.deepEqual(one.problems, [], 'the list of accounts holds no entry without a date');
    assert.equal(one.account, 'Checking');
    assert.deepEqual(one.entries.map((e) => [e.occurredOn, e.amountCents]), [['2026-03-01', -10_000]]);
    assert.deepEqual(readStatementFile(utf8([...list, ...checking, ...savings].join('\n'))), { ok: false, format: 'qif', problem: 'several-accounts' });
    // A list never cleared ends where the entries begin; one account written in two cases is one account.
    const uncleared = read(utf8(['!Option:AutoSwitch', '!Account', 'NChecking', 'TBank', '^', '!Type:Bank', 'D03/15/2026', 'T-12.50', 'PShop', '^'].join('\n')));
    assert.deepEqual(uncleared.entries.map((e) => e.amountCents), [-1_250]);
    const cased = [...checking, '!Account', 'Nchecking', 'TBank', '^', '!Type:Bank', 'D03/04/2026', 'T-1.00', '^'];
    assert.equal(read(utf8(cased.join('\n'))).entries.length, 2);
  });

  test('CAMT.053: pending entries are left out; NtryRef stands in when there is no AcctSvcrRef', () => {
    const s = read(utf8(camt053(sample, { pending: [1], ntryRefOnly: true })));
    assert.deepEqual(s.entries.map((e) => [e.bankId, e.amountCents]), [['F-1', 250_000], ['F-3', -9_999_999]]);
  });
});

describe('files that are broken or hostile', () => {
  test('an entry without a date or with a bad amount is listed with its line, and the others are read', () => {
    const text = ['!Type:Bank', 'D03/01/2026', 'T12.345', '^', 'T-1.00', 'PNo date', '^', 'D02/30/2026', 'T-1.00', '^', 'D03/04/2026', 'T-2.00', '^'].join('\n');
    const s = read(utf8(text));
    assert.deepEqual(s.problems, [{ line: 2, problem: 'amount-too-many-decimals', text: '12.345' }, { line: 5, problem: 'missing-date' }, { line: 8, problem: 'date', text: '02/30/2026' }]);
    assert.deepEqual(s.entries.map((e) => e.amountCents), [-200]);
  });

  test('truncated XML is refused as malformed, with its line', () => {
    const full = ofx2(sample);
    const cut = readStatementFile(utf8(full.slice(0, Math.floor(full.length / 2))));
    assert.equal(cut.ok, false);
    assert.equal(!cut.ok && 'problem' in cut && cut.problem, 'malformed');
    const camtCut = readStatementFile(utf8(camt053(sample).slice(0, 700)));
    assert.equal(!camtCut.ok && 'problem' in camtCut && camtCut.problem, 'malformed');
  });

  test('no DOCTYPE, so no external entity is ever fetched and no entity expanded (XXE, billion laughs)', () => {
    const xxe = camt053(sample).replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>').replace('Coffee &amp; Co', '&xxe;');
    const laughs = ofx2(sample).replace('<OFX>', '<!DOCTYPE OFX [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><OFX>').replace('ACME Payroll', '&c;');
    for (const file of [xxe, laughs]) {
      const r = readStatementFile(utf8(file));
      assert.deepEqual([r.ok, !r.ok && 'problem' in r && r.problem], [false, 'doctype']);
    }
  });

  test('nesting deeper than any statement is refused before parsing', () => {
    const deep = camt053(sample).replace('<GrpHdr>', `${'<X>'.repeat(5_000)}${'</X>'.repeat(5_000)}<GrpHdr>`);
    const r = readStatementFile(utf8(deep));
    assert.equal(!r.ok && 'problem' in r && r.problem, 'too-deep');
  });

  test('a huge field is cut to the description limit, on one line', () => {
    const huge = { ...sample, entries: [{ ...sample.entries[0]!, name: `Big\t${'x'.repeat(100_000)}`, memo: '' }] };
    const [only] = read(utf8(ofx1(huge))).entries;
    assert.equal([...only!.description].length, 200);
    assert.match(only!.description, /^Big x+$/);
  });

  test('fuzzed files in every format (cut, bytes changed, bytes inserted) are read or refused, never thrown on', () => {
    const writers = [ofx1(sample), ofx2(sample), ofx1(sample, { qfx: true }), qif(sample), camt053(sample)].map(utf8);
    const mutation = fc.record({
      file: fc.nat({ max: writers.length - 1 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), { maxLength: 8 }),
    });
    fc.assert(
      fc.property(mutation, ({ file, cut, edits }) => {
        let bytes = Buffer.from(writers[file]!);
        if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
        for (const [at, byte, insert] of edits) {
          const i = bytes.length === 0 ? 0 : at % bytes.length;
          bytes = insert ? Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]) : Buffer.from(bytes.map((b, j) => (j === i ? byte : b)));
        }
        const result = readStatementFile(bytes);
        if (result.ok) for (const e of result.statement.entries) assert.ok(Number.isSafeInteger(e.amountCents) && e.amountCents !== 0 && /^\d{4}-\d{2}-\d{2}$/.test(e.occurredOn));
      }),
      { numRuns: 300 },
    );
  });

  test('a file of several statements: another account\'s, or another currency\'s, is refused (an import writes into one account); one account\'s months are read together, closed by the latest balance', () => {
    // The second statement's block, put after the first's in the first's file.
    const joined = (first: string, second: string, tag: string) => {
      const block = new RegExp(`<${tag}>[\\s\\S]*</${tag}>`).exec(second)![0];
      return first.replace(`</${tag}>`, `</${tag}>\n${block}`);
    };
    const savings: FixtureStatement = { ...sample, account: { bank: '123456789', number: '000999888' }, entries: [{ day: '2026-03-20', cents: 50_000, name: 'From checking', memo: '', bankId: 'B-1' }] };
    const dollars: FixtureStatement = { ...sample, currency: 'USD', entries: [{ day: '2026-03-21', cents: 99_900, name: 'US client', memo: '', bankId: 'U-1' }] };
    const refused = (text: string) => {
      const r = readStatementFile(utf8(text));
      return !r.ok && 'problem' in r ? r.problem : 'read';
    };
    assert.equal(refused(joined(ofx1(sample), ofx1(savings), 'STMTTRNRS')), 'several-accounts', 'OFX 1.x, two accounts');
    assert.equal(refused(joined(ofx2(sample), ofx2(savings), 'STMTTRNRS')), 'several-accounts', 'OFX 2.x, two accounts');
    assert.equal(refused(joined(ofx2(sample), ofx2(dollars), 'STMTTRNRS')), 'several-accounts', 'OFX 2.x, one account in two currencies');
    assert.equal(refused(joined(camt053(sample), camt053(savings), 'Stmt')), 'several-accounts', 'CAMT.053, two accounts');
    assert.equal(refused(joined(camt053(sample), camt053(dollars), 'Stmt')), 'several-accounts', 'CAMT.053, a statement in dollars');
    // Daily or monthly statements of one account in one file: every entry, and the last day's balance.
    const april: FixtureStatement = { ...sample, closing: { cents: 777, day: '2026-04-30' }, entries: [{ day: '2026-04-02', cents: -300, name: 'April rent', memo: '', bankId: 'A-1' }] };
    for (const [format, text] of [['camt053', joined(camt053(april), camt053(sample), 'Stmt')], ['ofx', joined(ofx2(sample), ofx2(april), 'STMTTRNRS')]] as const) {
      const both = read(utf8(text));
      assert.equal(both.entries.length, 4, format);
      assert.deepEqual(both.closingBalance, { cents: 777, on: '2026-04-30' }, format);
    }
  });

  test('a statement with no account section is refused as no statement', () => {
    const r = readStatementFile(utf8('<?xml version="1.0"?>\n<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>\n'));
    assert.equal(!r.ok && 'problem' in r && r.problem, 'no-statement');
  });
});

describe('import keys', () => {
  test('a bank id is the key; without one, a fingerprint of day, amount, description and occurrence; the same file gives the same keys', () => {
    const entries: StatementEntry[] = [
      { line: 1, occurredOn: '2026-03-01', amountCents: -450, description: 'Coffee', bankId: null },
      { line: 2, occurredOn: '2026-03-01', amountCents: -450, description: 'Coffee', bankId: null },
      { line: 3, occurredOn: '2026-03-02', amountCents: 1_000, description: 'Refund', bankId: 'F-9' },
      { line: 4, occurredOn: '2026-03-02', amountCents: 1_000, description: 'Refund', bankId: 'F-9' },
    ];
    const rows = statementImportRows(entries);
    assert.deepEqual(rows.map((r) => [r.type, r.amountCents]), [['expense', 450], ['expense', 450], ['income', 1_000], ['income', 1_000]]);
    const keys = rows.map((r) => r.importKey);
    assert.equal(new Set(keys).size, 4, 'two coffees on one day are two rows');
    assert.deepEqual(keys.slice(2), ['id:F-9', 'id:F-9#2']);
    assert.match(keys[0]!, /^fp:[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(statementImportRows(entries).map((r) => r.importKey), keys);
    const other = statementImportRows([{ ...entries[0]!, description: 'Tea' }]);
    assert.notEqual(other[0]!.importKey, keys[0]);
  });
});

// The fixture writers' own amounts are checked against the one formatter's rule, so a round trip cannot pass on a
// shared mistake.
test('the fixtures write amounts as the formats do', () => {
  assert.deepEqual([decimal(-1_250), decimal(7), decimal(123_456, true)], ['-12.50', '0.07', '1234,56']);
});
