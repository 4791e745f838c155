/**
 * Bank statements beside CSV: OFX 1.x (SGML) and 2.x (XML), QFX (OFX with Intuit's tags), QIF and ISO 20022
 * CAMT.053. This module holds what is pure: the statement's shape, telling the formats apart by their content,
 * decoding the bytes (a UTF-8 BOM, UTF-16, Windows-1252), the amounts, dates and texts as each format writes them,
 * OFX 1.x's SGML made into XML, and the QIF reader (a line format, so hand-written). The XML formats are read by a
 * maintained XML parser in services/statement-files.ts.
 */
import { hash } from 'node:crypto';
import { dayFromParts } from './calendar.ts';
import { parseAmount, type AmountProblem } from './money.ts';
import { MAX_DESCRIPTION_CHARS } from './transactions.ts';

export const STATEMENT_FORMATS = ['ofx', 'qfx', 'qif', 'camt053'] as const;
export type StatementFormat = (typeof STATEMENT_FORMATS)[number];
/** What an uploaded file is, by its content. */
export type FileFormat = StatementFormat | 'csv';

/** One booked line of a statement. */
export interface StatementEntry {
  /** Where it starts in the file (1-based), for messages. */
  readonly line: number;
  readonly occurredOn: string;
  /** Signed: positive is money in, negative money out. Never zero. */
  readonly amountCents: number;
  /** Payee and memo, tidied: one line, at most MAX_DESCRIPTION_CHARS characters. */
  readonly description: string;
  /** The bank's own id of the entry (OFX FITID, CAMT AcctSvcrRef or NtryRef); null where the format has none (QIF). */
  readonly bankId: string | null;
}

/** Why an entry of a statement was not read; the caller words it. */
export type EntryProblem = 'missing-date' | 'date' | 'missing-amount' | `amount-${AmountProblem}`;

export interface StatementProblem {
  readonly line: number;
  readonly problem: EntryProblem;
  /** The date or amount as written, for the message. */
  readonly text?: string;
}

export interface Statement {
  readonly format: StatementFormat;
  /** The statement's account identifier (an IBAN, or bank and account numbers), when the format has one. */
  readonly account: string | null;
  readonly currency: string | null;
  /** The closing (ledger) balance and its day, when the file has one. */
  readonly closingBalance: { readonly cents: number; readonly on: string } | null;
  readonly entries: StatementEntry[];
  readonly problems: StatementProblem[];
  /** Set when the file holds entries of more than one account (a QIF with several !Account sections): refused whole. */
  readonly severalAccounts?: boolean;
}

// --- Bytes to text ---

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * The text of a statement file: UTF-8 or UTF-16 by a BOM; otherwise UTF-8 when the bytes are valid UTF-8 (some banks
 * declare Windows-1252 and write UTF-8); otherwise the single-byte encoding the file declares (OFX 1.x `CHARSET:1252`
 * or `1251`, an XML declaration's `encoding`), and Windows-1252, what older exports write, when it declares none.
 */
export function decodeStatementBytes(bytes: Uint8Array): string {
  if (UTF8_BOM.every((b, i) => bytes[i] === b)) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // The declaration is ASCII in every encoding a statement uses, so the first bytes can be read as Latin-1.
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 512));
    const declared = /^\s*OFXHEADER:[\s\S]*?CHARSET:\s*(\S+)/i.exec(head)?.[1] ?? /<\?xml[^>]*encoding=["']([^"']+)["']/i.exec(head)?.[1];
    const encoding = singleByteEncoding(declared);
    return encoding === 'windows-1252' ? decodeWindows1252(bytes) : new TextDecoder(encoding).decode(bytes);
  }
}

// Windows-1252's 0x80-0x9F, where it differs from Latin-1 (Node 20's TextDecoder reads them as Latin-1 controls).
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    const chunk = bytes.subarray(i, i + 8192);
    text += String.fromCharCode(...chunk).replace(/[\u0080-\u009f]/g, (ch) => CP1252_HIGH[ch.charCodeAt(0) - 0x80]!);
  }
  return text;
}

/** A declared single-byte encoding as TextDecoder names it ("1251" is windows-1251); Windows-1252 when unknown. */
function singleByteEncoding(declared: string | undefined): string {
  const label = declared === undefined ? '' : /^\d{3,4}$/.test(declared) ? `windows-${declared}` : declared;
  try {
    const encoding = new TextDecoder(label).encoding;
    return encoding.startsWith('utf-') ? 'windows-1252' : encoding;
  } catch {
    return 'windows-1252';
  }
}

/**
 * What a file is, from its first characters, never its name: an OFX 1.x header or an `<OFX>` root (QFX when it
 * carries Intuit's `INTU.BID`), a CAMT.053 document, a QIF `!Type:` or `!Account` header; anything else is CSV.
 */
export function detectFileFormat(text: string): FileFormat {
  const head = text.slice(0, 4096).replace(/^\uFEFF/, '').trimStart();
  // What may come before the root: the XML declaration, processing instructions, comments and a DOCTYPE (which the
  // reader then refuses, so a hostile file is named for what it is rather than read as CSV).
  const prolog = head.replace(/^(\s*(<\?[^>]*\?>|<!--[\s\S]*?-->|<!DOCTYPE[^[>]*(\[[\s\S]*?\])?\s*>))*\s*/i, '');
  if (/^OFXHEADER\s*:/i.test(head) || /^<OFX>/i.test(prolog)) return /<INTU\.BID>/i.test(text.slice(0, 65_536)) ? 'qfx' : 'ofx';
  if (/^<(\w+:)?Document\b[^>]*camt\.053/i.test(prolog) || (prolog !== head && /<(\w+:)?BkToCstmrStmt>/.test(head))) return 'camt053';
  if (/^!(Type|Account|Option|Clear)\b/i.test(head)) return 'qif';
  return 'csv';
}

// --- Amounts, dates, texts ---

/**
 * A statement amount, signed, by the one amount parser: a leading minus or plus, and a decimal comma when the text
 * ends in a comma and one or two digits with no dot after it ("-12,50", "1.234,56"); a dot otherwise ("1,234.56").
 */
export function parseStatementAmount(text: string): { ok: true; cents: number } | { ok: false; problem: AmountProblem } {
  const trimmed = text.trim().replace(/^\+/, '');
  const comma = /,\d{1,2}$/.test(trimmed) && !/\.\d*$/.test(trimmed);
  const parsed = parseAmount(trimmed, { decimal: comma ? 'comma' : 'dot', sign: 'signed' });
  return parsed.ok ? { ok: true, cents: parsed.negative ? -parsed.cents : parsed.cents } : parsed;
}

/** An OFX date-time ("20260315", "20260315120000.000[-5:EST]") as its calendar day, as the bank wrote it. */
export function parseOfxDate(text: string): string | undefined {
  const m = /^\s*(\d{4})(\d{2})(\d{2})/.exec(text);
  return m ? dayFromParts(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

/** An ISO 20022 date or date-time ("2026-03-15", "2026-03-15T10:00:00+01:00") as its calendar day. */
export function parseIsoDateTime(text: string): string | undefined {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})(?:$|[T\s])/.exec(text);
  return m ? dayFromParts(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

// Control characters, including tabs and line breaks, which a description never holds.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

/**
 * A statement's texts as one description: each part tidied (controls to spaces, runs of spaces to one), parts
 * repeated in the one before left out, joined by " · " and cut to MAX_DESCRIPTION_CHARS characters.
 */
export function statementDescription(...parts: readonly (string | null | undefined)[]): string {
  const kept: string[] = [];
  for (const part of parts) {
    const text = (part ?? '').replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
    if (text !== '' && !kept.some((k) => k.toLowerCase().includes(text.toLowerCase()))) kept.push(text);
  }
  const joined = kept.join(' · ');
  const chars = [...joined];
  return chars.length > MAX_DESCRIPTION_CHARS ? chars.slice(0, MAX_DESCRIPTION_CHARS).join('').trimEnd() : joined;
}

/** An entry from its raw texts, or the problem that keeps it out. */
export function statementEntry(
  line: number,
  raw: { date: string | undefined; parseDate: (text: string) => string | undefined; amount: string | undefined; description: string; bankId: string | null },
): { ok: true; entry: StatementEntry } | { ok: false; problem: StatementProblem } {
  if (raw.date === undefined || raw.date.trim() === '') return { ok: false, problem: { line, problem: 'missing-date' } };
  const occurredOn = raw.parseDate(raw.date);
  if (occurredOn === undefined) return { ok: false, problem: { line, problem: 'date', text: raw.date.trim().slice(0, 40) } };
  if (raw.amount === undefined || raw.amount.trim() === '') return { ok: false, problem: { line, problem: 'missing-amount' } };
  const amount = parseStatementAmount(raw.amount);
  if (!amount.ok) return { ok: false, problem: { line, problem: `amount-${amount.problem}`, text: raw.amount.trim().slice(0, 40) } };
  const bankId = raw.bankId?.trim() || null;
  return { ok: true, entry: { line, occurredOn, amountCents: amount.cents, description: raw.description, bankId } };
}

// --- Import keys ---

/** A statement entry as a row to import into an account: income or expense, its amount positive, and its key. */
export interface StatementImportRow {
  readonly line: number;
  readonly occurredOn: string;
  readonly type: 'income' | 'expense';
  readonly amountCents: number;
  readonly description: string;
  /** Unique within the account: "id:" and the bank's id, or "fp:" and a fingerprint of the entry. */
  readonly importKey: string;
}

/**
 * The import key of a row that has no bank id (QIF, CSV): its day, signed amount, description and which occurrence
 * of that same row it is within its file, hashed. The same file read again gives the same keys; the account is the
 * other half of the unique key.
 */
export function fingerprintKey(occurredOn: string, signedCents: number, description: string, occurrence: number): string {
  // 132 bits of SHA-256 in base64url: short, so the unique index stays small, and far from any chance collision.
  return `fp:${hash('sha256', `${occurredOn}\u0000${signedCents}\u0000${description}\u0000${occurrence}`, 'base64url').slice(0, 22)}`;
}

/** Numbers the occurrences of equal rows in a file: 1 for the first, 2 for the next that is the same, and so on. */
export function occurrenceCounter(): (key: string) => number {
  const seen = new Map<string, number>();
  return (key) => {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n;
  };
}

/**
 * The entries as rows with their import keys. An entry with a bank id keeps it (a second entry with the same id in
 * one file, which a bank should never write, is told apart by its occurrence); one without gets a fingerprint of
 * its day, amount, description and occurrence among identical entries of the file, so that two coffees on one day
 * are two rows, and the same file read again gives the same keys.
 */
export function statementImportRows(entries: readonly StatementEntry[]): StatementImportRow[] {
  const seen = new Map<string, number>();
  const occurrence = (base: string) => {
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n;
  };
  return entries.map((e) => {
    let importKey: string;
    if (e.bankId !== null) {
      const n = occurrence(`id\u0000${e.bankId}`);
      importKey = n === 1 ? `id:${e.bankId}` : `id:${e.bankId}#${n}`;
    } else {
      const base = `${e.occurredOn}\u0000${e.amountCents}\u0000${e.description}`;
      importKey = fingerprintKey(e.occurredOn, e.amountCents, e.description, occurrence(`fp\u0000${base}`));
    }
    return { line: e.line, occurredOn: e.occurredOn, type: e.amountCents > 0 ? 'income' : 'expense', amountCents: Math.abs(e.amountCents), description: e.description, importKey };
  });
}

// --- OFX 1.x: SGML to XML ---

/**
 * OFX 1.x is SGML: a header of `NAME:VALUE` lines, then tags whose leaf elements are not closed (`<TRNAMT>-12.50`).
 * This returns the body as XML, every leaf closed, with `&` that does not start an entity escaped, so an XML parser
 * can read it. Aggregates (elements closed in the file) are left as they are. An OFX 2.x (XML) body is returned
 * unchanged.
 */
export function ofxToXml(text: string): string {
  return [...ofxToXmlChunks(text)].join('');
}

/** Most characters a chunk of ofxToXmlChunks holds before it is handed on. */
const XML_CHUNK_CHARS = 1 << 16;

/**
 * ofxToXml in chunks of about 64 KB, in order, so that a parser can read a large statement without a second copy of
 * the whole document in memory.
 */
export function* ofxToXmlChunks(text: string): Generator<string> {
  const start = text.search(/<OFX>/i);
  if (start < 0 || /^\s*<\?xml/i.test(text.trimStart())) {
    for (let at = 0; at < text.length; at += XML_CHUNK_CHARS) yield text.slice(at, at + XML_CHUNK_CHARS);
    return;
  }
  const body = text.slice(start);
  // The header's lines become empty ones, so line numbers still point into the file.
  const header = '\n'.repeat(text.slice(0, start).split(/\r\n|\r|\n/).length - 1);
  // Aggregates are the elements the file closes somewhere; a leaf never is (or is closed right after its text).
  const closed = new Set<string>();
  for (const m of body.matchAll(/<\/\s*([A-Za-z0-9._]+)\s*>/g)) closed.add(m[1]!.toUpperCase());
  // One pass with indexOf: a 100,000-entry statement is millions of tags. The text is copied in long runs; only a
  // missing closing tag (and, rarely, text with a bare & or <) breaks a run.
  const out: string[] = [header];
  // A statement has a few dozen tag names: each closing tag is made once.
  const closers = new Map<string, string>();
  const closerOf = (name: string) => {
    let closer = closers.get(name);
    if (closer === undefined) closers.set(name, (closer = `</${name}>`));
    return closer;
  };
  let copied = 0;
  let flushed = 0;
  const copyTo = (end: number) => {
    if (end > copied) out.push(body.slice(copied, end));
    copied = end;
  };
  let at = 0;
  // Where the next & is (-1 >>> 0, the largest index, when there is none left).
  let nextAmp = -1;
  while (at < body.length) {
    if (at - flushed > XML_CHUNK_CHARS || out.length > 4096) {
      copyTo(at);
      yield out.join('');
      out.length = 0;
      flushed = at;
    }
    const lt = body.indexOf('<', at);
    if (lt < 0) break;
    if (lt > at) escapeRun(at, lt);
    const gt = body.indexOf('>', lt);
    // A tag cut short: left as it is, for the XML parser to refuse.
    if (gt < 0) break;
    at = gt + 1;
    const name = openTagName(body, lt, gt);
    if (name === undefined) continue;
    const next = body.indexOf('<', at);
    const end = next < 0 ? body.length : next;
    let valueEnd = end;
    while (valueEnd > at && isSpace(body.charCodeAt(valueEnd - 1))) valueEnd--;
    let valueStart = at;
    while (valueStart < valueEnd && isSpace(body.charCodeAt(valueStart))) valueStart++;
    if (valueStart < valueEnd) {
      // A leaf: closed right after its text unless the file closes it itself; the line breaks stay.
      escapeRun(at, valueEnd);
      at = end;
      if (!closesAt(body, end, name)) {
        copyTo(valueEnd);
        out.push(closerOf(name));
      }
    } else if (!closed.has(name.toUpperCase())) {
      // An empty leaf that is never closed.
      copyTo(at);
      out.push(closerOf(name));
    }
  }
  copyTo(body.length);
  yield out.join('');

  /** Text between tags: copied as it is, unless it holds a bare & or a < that XML would refuse. */
  function escapeRun(from: number, to: number): void {
    // The next & of the file is looked for again only once the text has passed it: one scan in all.
    if (nextAmp < from) nextAmp = body.indexOf('&', from) >>> 0;
    if (nextAmp >= to) return;
    const text = body.slice(from, to);
    const escaped = escapeText(text);
    if (escaped === text) return;
    copyTo(from);
    out.push(escaped);
    copied = to;
  }
}

/** The name of an opening tag `<NAME>` between `lt` and `gt`, or undefined for any other tag. */
function openTagName(body: string, lt: number, gt: number): string | undefined {
  let end = gt;
  while (end > lt + 1 && isSpace(body.charCodeAt(end - 1))) end--;
  if (end <= lt + 1) return undefined;
  for (let i = lt + 1; i < end; i++) {
    const c = body.charCodeAt(i);
    // A-Z a-z 0-9 . _
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 46 || c === 95)) return undefined;
  }
  return body.slice(lt + 1, end);
}

/** Whether `</NAME>` (any case) starts at `at`. */
function closesAt(body: string, at: number, name: string): boolean {
  if (body.charCodeAt(at) !== 60 || body.charCodeAt(at + 1) !== 47 || body.charCodeAt(at + 2 + name.length) !== 62) return false;
  return body.startsWith(name, at + 2) || body.slice(at + 2, at + 2 + name.length).toUpperCase() === name.toUpperCase();
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;

const escapeText = (text: string) =>
  text.includes('&') || text.includes('<') ? text.replace(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/gi, '&amp;').replace(/</g, '&lt;') : text;

// --- QIF ---

/**
 * A QIF file's bank, cash and credit-card entries. Each entry is a group of lines ended by `^`: `D` the date, `T`
 * (or `U`) the signed amount, `P` the payee, `M` the memo; split lines and other codes are left aside. Investment
 * and list sections are skipped. Dates are month first ("03/15/2026", "3/15'26") unless the file writes them with
 * dots or a first number above 12 shows the day comes first; two-digit years are 19xx above 50 and 20xx otherwise.
 */
export function parseQif(text: string): Statement {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const records: { line: number; fields: Map<string, string> }[] = [];
  let section = 'bank';
  let account: string | null = null;
  let inAccountBlock = false;
  // Quicken's list of every account (between !Option:AutoSwitch and !Clear:AutoSwitch) is no entry: read as entries,
  // each account's name was a row "without a date".
  let inAccountList = false;
  // The account each section's entries belong to: a file of several accounts is refused, as OFX's and CAMT's are,
  // since an import writes into one account (Savings' interest landed in Checking).
  let currentAccount = '';
  const accountsWithEntries = new Set<string>();
  let current: { line: number; fields: Map<string, string> } | undefined;
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trimEnd();
    if (line === '') return;
    if (line.startsWith('!')) {
      const header = line.toLowerCase();
      if (header.startsWith('!option:autoswitch')) inAccountList = true;
      else if (header.startsWith('!clear:autoswitch')) inAccountList = false;
      // A list never cleared ends where entries begin: some files leave out !Clear:AutoSwitch.
      else if (inAccountList && !header.startsWith('!type:')) return;
      if (header.startsWith('!type:')) inAccountList = false;
      if (header.startsWith('!account')) inAccountBlock = true;
      else if (header.startsWith('!type:')) {
        inAccountBlock = false;
        section = /^!type:\s*(bank|cash|ccard|oth a|oth l)\b/.test(header) ? 'bank' : 'other';
      }
      return;
    }
    if (inAccountList) return;
    if (line === '^') {
      if (current && section === 'bank' && !inAccountBlock) {
        records.push(current);
        if (currentAccount !== '') accountsWithEntries.add(currentAccount.toLowerCase());
      }
      if (inAccountBlock) inAccountBlock = false;
      current = undefined;
      return;
    }
    const code = line[0]!;
    const value = line.slice(1).trim();
    if (inAccountBlock) {
      if (code === 'N') {
        currentAccount = value;
        account ??= value;
      }
      return;
    }
    current ??= { line: lineNo, fields: new Map() };
    // The first of each code counts; a split's S/E/$ lines do not.
    if ('DTUPM'.includes(code) && !current.fields.has(code)) current.fields.set(code, value);
  });
  if (current && section === 'bank' && !inAccountBlock) {
    records.push(current);
    if (currentAccount !== '') accountsWithEntries.add(currentAccount.toLowerCase());
  }

  // Dots are written day first (15.03.2026); slashes month first, as Quicken writes them, unless a first number
  // above 12 shows otherwise.
  const dayFirst = records.some((r) => {
    const m = /^\s*(\d{1,2})([/.\-])/.exec(r.fields.get('D') ?? '');
    return m !== null && (m[2] === '.' || Number(m[1]) > 12);
  });
  const parseDate = (text: string) => parseQifDate(text, dayFirst);
  const entries: StatementEntry[] = [];
  const problems: StatementProblem[] = [];
  for (const r of records) {
    const read = statementEntry(r.line, {
      date: r.fields.get('D'),
      parseDate,
      amount: r.fields.get('T') ?? r.fields.get('U'),
      description: statementDescription(r.fields.get('P'), r.fields.get('M')),
      bankId: null,
    });
    if (read.ok) entries.push(read.entry);
    else problems.push(read.problem);
  }
  return { format: 'qif', account, currency: null, closingBalance: null, entries, problems, ...(accountsWithEntries.size > 1 ? { severalAccounts: true } : {}) };
}

/** A QIF date: "03/15/2026", "3/15/26", "3/15'26", "03-15-2026", or day first when `dayFirst` ("15.03.2026"). */
export function parseQifDate(text: string, dayFirst: boolean): string | undefined {
  const m = /^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*(?:[/.\-']\s*)?(\d{2}|\d{4})\s*$/.exec(text);
  if (!m) {
    const iso = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(text);
    return iso ? dayFromParts(Number(iso[1]), Number(iso[2]), Number(iso[3])) : undefined;
  }
  const [a, b] = [Number(m[1]), Number(m[2])];
  let year = Number(m[3]);
  if (m[3]!.length === 2) year += year > 50 ? 1900 : 2000;
  return dayFirst ? dayFromParts(year, b, a) : dayFromParts(year, a, b);
}

/**
 * The currency a statement names when it is not the one this Ledgerly counts in (its amounts would be added as the
 * wrong money: there is no conversion). A statement that names none is taken as written in ours.
 */
export function otherCurrency(statementCurrency: string | null, ours: string): string | undefined {
  const code = statementCurrency?.trim().toUpperCase() ?? '';
  return code !== '' && code !== ours.toUpperCase() ? code : undefined;
}
