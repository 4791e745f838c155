/**
 * Reading a statement file into a Statement (domain/statements.ts): the bytes decoded, the format told by the content,
 * QIF by the domain's reader, and the XML formats (OFX 2.x, OFX 1.x made XML, QFX, CAMT.053) by fast-xml-parser.
 * Every value is kept as text (never parsed as a number), so amounts go through the one amount parser. A file that
 * declares a DOCTYPE is refused before parsing: statements never need one, and refusing it rules out entity
 * expansion and external entities alike. So is one nested deeper than any statement is.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  decodeStatementBytes,
  detectFileFormat,
  ofxToXml,
  parseIsoDateTime,
  parseOfxDate,
  parseQif,
  parseStatementAmount,
  statementDescription,
  statementEntry,
  type FileFormat,
  type Statement,
  type StatementEntry,
  type StatementFormat,
  type StatementProblem,
} from '../domain/statements.ts';

/** Why a statement file could not be read at all. */
export type StatementFileProblem = 'doctype' | 'too-deep' | 'malformed' | 'no-statement';

export type StatementRead =
  | { readonly ok: true; readonly statement: Statement }
  | { readonly ok: false; readonly format: StatementFormat; readonly problem: StatementFileProblem; readonly line?: number }
  | { readonly ok: false; readonly format: 'csv' };

/** Deeper than any OFX or CAMT.053 document nests (CAMT's deepest path is about 15 elements). */
const MAX_DEPTH = 64;

/** Elements that may repeat, read as arrays even when a file holds one. */
const REPEATED = new Set(['STMTTRNRS', 'CCSTMTTRNRS', 'STMTTRN', 'Stmt', 'Ntry', 'Bal', 'NtryDtls', 'TxDtls', 'Ustrd']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  // Text stays text: an amount never passes through a float.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => REPEATED.has(name),
});

/** The format of a file's bytes, and its text. */
export function sniffStatement(bytes: Uint8Array): { format: FileFormat; text: string } {
  const text = decodeStatementBytes(bytes);
  return { format: detectFileFormat(text), text };
}

/** Reads a statement file; CSV files are left to the CSV import. */
export function readStatementFile(bytes: Uint8Array): StatementRead {
  const { format, text } = sniffStatement(bytes);
  if (format === 'csv') return { ok: false, format };
  if (format === 'qif') return { ok: true, statement: parseQif(text) };
  const xml = format === 'camt053' ? text : ofxToXml(text);
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) return { ok: false, format, problem: 'doctype' };
  if (nestingDepth(xml) > MAX_DEPTH) return { ok: false, format, problem: 'too-deep' };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { ok: false, format, problem: 'malformed', line: valid.err.line };
  const doc = parser.parse(xml) as Node;
  const statement = format === 'camt053' ? readCamt(doc, xml) : readOfx(doc, xml, format);
  return statement ? { ok: true, statement } : { ok: false, format, problem: 'no-statement' };
}

/** How deeply the elements of an XML text nest, counted without parsing it. */
function nestingDepth(xml: string): number {
  let depth = 0;
  let deepest = 0;
  for (const m of xml.matchAll(/<(\/?)[A-Za-z_][^>]*?(\/?)>/g)) {
    if (m[1] === '/') depth--;
    else if (m[2] !== '/') deepest = Math.max(deepest, ++depth);
  }
  return deepest;
}

/** A parsed XML node: text, or an object of children and @attributes. */
type Node = string | { [name: string]: Node | Node[] | undefined };

const child = (node: Node | undefined, name: string): Node | undefined => {
  if (node === undefined || typeof node === 'string') return undefined;
  const value = node[name];
  return Array.isArray(value) ? value[0] : value;
};
const children = (node: Node | undefined, name: string): Node[] => {
  if (node === undefined || typeof node === 'string') return [];
  const value = node[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
};
/** The text of a leaf, or of an element with attributes (`#text`). */
const text = (node: Node | undefined): string | undefined => {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return node;
  const inner = node['#text'];
  return typeof inner === 'string' ? inner : undefined;
};
const path = (node: Node | undefined, ...names: string[]): Node | undefined => names.reduce<Node | undefined>((n, name) => child(n, name), node);

/** A closing balance from its amount and day texts; null when either is missing or not readable. */
function balanceOf(amount: string | undefined, day: string | undefined): Statement['closingBalance'] {
  if (amount === undefined || day === undefined) return null;
  const parsed = parseStatementAmount(amount);
  const cents = parsed.ok ? parsed.cents : parsed.problem === 'zero' ? 0 : undefined;
  return cents === undefined ? null : { cents, on: day };
}

/** The line each occurrence of an element starts on, in order. */
function linesOf(xml: string, element: RegExp): number[] {
  const lines: number[] = [];
  let line = 1;
  let from = 0;
  for (const m of xml.matchAll(element)) {
    for (let i = from; i < m.index; i++) if (xml.charCodeAt(i) === 10) line++;
    from = m.index;
    lines.push(line);
  }
  return lines;
}

function collect(reads: ReturnType<typeof statementEntry>[]): { entries: StatementEntry[]; problems: StatementProblem[] } {
  const entries: StatementEntry[] = [];
  const problems: StatementProblem[] = [];
  for (const read of reads) {
    if (read.ok) entries.push(read.entry);
    else problems.push(read.problem);
  }
  return { entries, problems };
}

/** OFX and QFX: the bank and credit-card statements of the file (usually one), their entries and ledger balance. */
function readOfx(doc: Node, xml: string, format: 'ofx' | 'qfx'): Statement | undefined {
  const ofx = child(doc, 'OFX');
  const statements = [
    ...children(path(ofx, 'BANKMSGSRSV1'), 'STMTTRNRS').map((r) => ({ rs: child(r, 'STMTRS'), from: path(child(r, 'STMTRS'), 'BANKACCTFROM') })),
    ...children(path(ofx, 'CREDITCARDMSGSRSV1'), 'CCSTMTTRNRS').map((r) => ({ rs: child(r, 'CCSTMTRS'), from: path(child(r, 'CCSTMTRS'), 'CCACCTFROM') })),
  ].filter((s) => s.rs !== undefined);
  if (statements.length === 0) return undefined;
  const lines = linesOf(xml, /<STMTTRN>/gi);
  let index = 0;
  const reads = statements.flatMap(({ rs }) =>
    children(path(rs, 'BANKTRANLIST'), 'STMTTRN').map((t) =>
      statementEntry(lines[index++] ?? 0, {
        date: text(child(t, 'DTPOSTED')),
        parseDate: parseOfxDate,
        amount: text(child(t, 'TRNAMT')),
        description: statementDescription(text(child(t, 'NAME')) ?? text(path(t, 'PAYEE', 'NAME')), text(child(t, 'MEMO'))),
        bankId: text(child(t, 'FITID')) ?? null,
      }),
    ),
  );
  const first = statements[0]!;
  const bank = text(child(first.from, 'BANKID'));
  const number = text(child(first.from, 'ACCTID'));
  const balance = path(first.rs, 'LEDGERBAL');
  return {
    format,
    account: number ? (bank ? `${bank} ${number}` : number) : null,
    currency: text(child(first.rs, 'CURDEF')) ?? null,
    closingBalance: balanceOf(text(child(balance, 'BALAMT')), parseOfxDate(text(child(balance, 'DTASOF')) ?? '')),
    ...collect(reads),
  };
}

/** CAMT.053: each statement's booked entries, signed by their credit or debit mark, and its closing balance. */
function readCamt(doc: Node, xml: string): Statement | undefined {
  const statements = children(path(doc, 'Document', 'BkToCstmrStmt'), 'Stmt');
  if (statements.length === 0) return undefined;
  const lines = linesOf(xml, /<(?:\w+:)?Ntry[\s>]/g);
  let index = 0;
  const signed = (amount: string | undefined, mark: string | undefined) => (amount === undefined ? undefined : mark === 'DBIT' ? `-${amount.trim()}` : amount);
  const reads = statements.flatMap((stmt) =>
    children(stmt, 'Ntry').flatMap((entry) => {
      const line = lines[index++] ?? 0;
      const status = text(child(entry, 'Sts')) ?? text(path(entry, 'Sts', 'Cd'));
      // Only booked entries are on the statement for good; pending ones may change or vanish.
      if (status !== undefined && status !== 'BOOK') return [];
      const mark = text(child(entry, 'CdtDbtInd'));
      const details = children(child(entry, 'NtryDtls'), 'TxDtls')[0];
      const party = mark === 'DBIT' ? path(details, 'RltdPties', 'Cdtr') : path(details, 'RltdPties', 'Dbtr');
      const name = text(child(party, 'Nm')) ?? text(path(party, 'Pty', 'Nm'));
      const remittance = children(path(details, 'RmtInf'), 'Ustrd').map(text).filter((t): t is string => t !== undefined).join(' ');
      const booked = path(entry, 'BookgDt');
      return [
        statementEntry(line, {
          date: text(child(booked, 'Dt')) ?? text(child(booked, 'DtTm')) ?? text(path(entry, 'ValDt', 'Dt')),
          parseDate: parseIsoDateTime,
          amount: signed(text(child(entry, 'Amt')), mark),
          description: statementDescription(name, remittance, text(child(entry, 'AddtlNtryInf'))),
          bankId: text(child(entry, 'AcctSvcrRef')) ?? text(child(entry, 'NtryRef')) ?? null,
        }),
      ];
    }),
  );
  const first = statements[0]!;
  const id = path(first, 'Acct', 'Id');
  const closing = children(first, 'Bal').find((b) => text(path(b, 'Tp', 'CdOrPrtry', 'Cd')) === 'CLBD');
  const currency = text(path(first, 'Acct', 'Ccy'));
  return {
    format: 'camt053',
    account: text(child(id, 'IBAN')) ?? text(path(id, 'Othr', 'Id')) ?? null,
    currency: currency ?? null,
    closingBalance: balanceOf(
      signed(text(child(closing, 'Amt')), text(child(closing, 'CdtDbtInd'))),
      parseIsoDateTime(text(path(closing, 'Dt', 'Dt')) ?? text(path(closing, 'Dt', 'DtTm')) ?? ''),
    ),
    ...collect(reads),
  };
}
