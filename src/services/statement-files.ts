/**
 * Reading a statement file into a Statement (domain/statements.ts): the bytes decoded, the format told by the content,
 * QIF by the domain's reader, and the XML formats (OFX 2.x, OFX 1.x made XML, QFX, CAMT.053) by saxes, a strict
 * streaming XML parser. The document is never held as a tree: each entry is gathered while the parser is inside it,
 * turned into an entry when it closes and then dropped, so memory stays bounded by one entry whatever the file's size.
 * Every value stays text, so amounts go through the one amount parser. A file that declares a DOCTYPE is refused
 * (statements never need one; saxes expands no entity a DTD declares, and fetches nothing), and so is one nested
 * deeper than any statement is.
 */
import { SaxesParser } from 'saxes';
import {
  decodeStatementBytes,
  detectFileFormat,
  ofxToXmlChunks,
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
export type StatementFileProblem = 'doctype' | 'too-deep' | 'malformed' | 'no-statement' | 'several-accounts';

export type StatementRead =
  | { readonly ok: true; readonly statement: Statement }
  | { readonly ok: false; readonly format: StatementFormat; readonly problem: StatementFileProblem; readonly line?: number }
  | { readonly ok: false; readonly format: 'csv' };

/** Deeper than any OFX or CAMT.053 document nests (CAMT's deepest path is about 15 elements). */
const MAX_DEPTH = 64;

/** A gathered element: its text and its children by local name, in order. */
interface Node {
  text: string;
  readonly children: Map<string, Node[]>;
}

const child = (node: Node | undefined, name: string): Node | undefined => node?.children.get(name)?.[0];
const children = (node: Node | undefined, name: string): Node[] => node?.children.get(name) ?? [];
const path = (node: Node | undefined, ...names: string[]): Node | undefined => names.reduce<Node | undefined>((n, name) => child(n, name), node);
const text = (node: Node | undefined): string | undefined => (node === undefined ? undefined : node.text.trim());

/** Stops the parse early with a problem. */
class Refusal extends Error {
  constructor(
    readonly problem: StatementFileProblem,
    readonly line?: number,
  ) {
    super(problem);
  }
}

/**
 * Streams an XML text through saxes: elements named in `gather` are collected (with everything inside them) and handed
 * to `onGathered` with the line they start on when they close; nothing else is kept.
 */
function streamXml(xml: Iterable<string>, gather: ReadonlySet<string>, onGathered: (name: string, node: Node, line: number) => void): void {
  const parser = new SaxesParser({ position: true });
  const open: { name: string; node: Node | undefined; line: number }[] = [];
  let collecting = 0;
  parser.on('doctype', () => {
    throw new Refusal('doctype', parser.line);
  });
  parser.on('opentag', (tag) => {
    if (open.length >= MAX_DEPTH) throw new Refusal('too-deep', parser.line);
    const name = tag.name.slice(tag.name.indexOf(':') + 1);
    let node: Node | undefined;
    if (collecting > 0 || gather.has(name)) {
      node = { text: '', children: new Map() };
      const parent = open.at(-1)?.node;
      if (parent) {
        const list = parent.children.get(name);
        if (list) list.push(node);
        else parent.children.set(name, [node]);
      }
      collecting++;
    }
    open.push({ name, node, line: parser.line });
  });
  parser.on('text', (value) => {
    const top = open.at(-1)?.node;
    if (top) top.text += value;
  });
  parser.on('closetag', () => {
    const closed = open.pop();
    if (!closed?.node) return;
    collecting--;
    if (collecting === 0) onGathered(closed.name, closed.node, closed.line);
  });
  parser.on('error', (err) => {
    throw err;
  });
  for (const chunk of xml) parser.write(chunk);
  parser.close();
}

/** A text in chunks of 64 KB, for the parser to read in turn. */
function* chunksOf(text: string): Generator<string> {
  for (let at = 0; at < text.length; at += 1 << 16) yield text.slice(at, at + (1 << 16));
}

/** The format of a file's bytes, and its text. */
export function sniffStatement(bytes: Uint8Array): { format: FileFormat; text: string } {
  const text = decodeStatementBytes(bytes);
  return { format: detectFileFormat(text), text };
}

/** Reads a statement file; CSV files are left to the CSV import. */
export function readStatementFile(bytes: Uint8Array): StatementRead {
  const { format, text } = sniffStatement(bytes);
  if (format === 'csv') return { ok: false, format };
  if (format === 'qif') {
    const statement = parseQif(text);
    return statement.severalAccounts ? { ok: false, format, problem: 'several-accounts' } : { ok: true, statement };
  }
  // The source is checked, not the XML made of it: making XML of OFX 1.x adds no declaration.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return { ok: false, format, problem: 'doctype' };
  const xml = format === 'camt053' ? chunksOf(text) : ofxToXmlChunks(text);
  try {
    const statement = format === 'camt053' ? readCamt(xml) : readOfx(xml, format);
    return statement ? { ok: true, statement } : { ok: false, format, problem: 'no-statement' };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, format, problem: err.problem, ...(err.line !== undefined ? { line: err.line } : {}) };
    // saxes words a well-formedness error as "file:line:column: message".
    const line = /:(\d+):\d+:/.exec(err instanceof Error ? err.message : '')?.[1];
    return { ok: false, format, problem: 'malformed', ...(line ? { line: Number(line) } : {}) };
  }
}

/** A closing balance from its amount and day texts; null when either is missing or not readable. */
function balanceOf(amount: string | undefined, day: string | undefined): Statement['closingBalance'] {
  if (amount === undefined || day === undefined) return null;
  const parsed = parseStatementAmount(amount);
  const cents = parsed.ok ? parsed.cents : parsed.problem === 'zero' ? 0 : undefined;
  return cents === undefined ? null : { cents, on: day };
}

/** Entries and problems, gathered as the parse goes. */
function collector() {
  const entries: StatementEntry[] = [];
  const problems: StatementProblem[] = [];
  return {
    entries,
    problems,
    add(read: ReturnType<typeof statementEntry>) {
      if (read.ok) entries.push(read.entry);
      else problems.push(read.problem);
    },
  };
}

const OFX_GATHER = new Set(['STMTTRN', 'BANKACCTFROM', 'CCACCTFROM', 'LEDGERBAL', 'CURDEF', 'STMTRS', 'CCSTMTRS']);

/** OFX and QFX: the bank and credit-card statements of the file (usually one), their entries and ledger balance. */
function readOfx(xml: Iterable<string>, format: 'ofx' | 'qfx'): Statement | undefined {
  const found = collector();
  const accounts = new Set<string>();
  const currencies = new Set<string>();
  let from: Node | undefined;
  let balance: Node | undefined;
  // A statement aggregate is gathered whole only for its own leaves; its entries are handled one by one.
  const gather = new Set(OFX_GATHER);
  gather.delete('STMTRS');
  gather.delete('CCSTMTRS');
  streamXml(xml, gather, (name, node, line) => {
    if (name === 'STMTTRN') {
      found.add(
        statementEntry(line, {
          date: text(child(node, 'DTPOSTED')),
          parseDate: parseOfxDate,
          amount: text(child(node, 'TRNAMT')),
          description: statementDescription(text(child(node, 'NAME')) ?? text(path(node, 'PAYEE', 'NAME')), text(child(node, 'MEMO'))),
          bankId: text(child(node, 'FITID')) ?? null,
        }),
      );
    } else if (name === 'BANKACCTFROM' || name === 'CCACCTFROM') {
      accounts.add(`${text(child(node, 'BANKID')) ?? ''} ${text(child(node, 'ACCTID')) ?? ''}`);
      from ??= node;
    } else if (name === 'LEDGERBAL') {
      // Several statements of one account (a month each, say): the latest balance closes them all.
      if (balance === undefined || (text(child(node, 'DTASOF')) ?? '') > (text(child(balance, 'DTASOF')) ?? '')) balance = node;
    } else if (name === 'CURDEF') currencies.add(text(node) ?? '');
  });
  if (accounts.size === 0) return undefined;
  // One import writes into one account: the statements of another account (or in another currency) would land in it.
  if (accounts.size > 1 || currencies.size > 1) throw new Refusal('several-accounts');
  const bank = text(child(from, 'BANKID'));
  const number = text(child(from, 'ACCTID'));
  const [currency] = currencies;
  return {
    format,
    account: number ? (bank ? `${bank} ${number}` : number) : null,
    currency: currency || null,
    closingBalance: balanceOf(text(child(balance, 'BALAMT')), parseOfxDate(text(child(balance, 'DTASOF')) ?? '')),
    entries: found.entries,
    problems: found.problems,
  };
}

const CAMT_GATHER = new Set(['Ntry', 'Acct', 'Bal']);

/** CAMT.053: each statement's booked entries, signed by their credit or debit mark, and its closing balance. */
function readCamt(xml: Iterable<string>): Statement | undefined {
  const found = collector();
  const accounts = new Set<string>();
  let account: Node | undefined;
  let closing: Node | undefined;
  const signed = (amount: string | undefined, mark: string | undefined) => (amount === undefined ? undefined : mark === 'DBIT' ? `-${amount}` : amount);
  const closedOn = (balance: Node | undefined) => text(path(balance, 'Dt', 'Dt')) ?? text(path(balance, 'Dt', 'DtTm')) ?? '';
  streamXml(xml, CAMT_GATHER, (name, node, line) => {
    if (name === 'Acct') {
      const id = child(node, 'Id');
      accounts.add(`${text(child(id, 'IBAN')) ?? text(path(id, 'Othr', 'Id')) ?? ''} ${text(child(node, 'Ccy')) ?? ''}`);
      account ??= node;
    } else if (name === 'Bal') {
      // A file of daily statements of one account: the latest closing balance closes them all.
      if (text(path(node, 'Tp', 'CdOrPrtry', 'Cd')) === 'CLBD' && (closing === undefined || closedOn(node) > closedOn(closing))) closing = node;
    } else {
      const status = child(node, 'Sts');
      const code = text(child(status, 'Cd')) || text(status);
      // Only booked entries are on the statement for good; pending ones may change or vanish.
      if (code !== undefined && code !== '' && code !== 'BOOK') return;
      const mark = text(child(node, 'CdtDbtInd'));
      const details = children(child(node, 'NtryDtls'), 'TxDtls')[0];
      const party = mark === 'DBIT' ? path(details, 'RltdPties', 'Cdtr') : path(details, 'RltdPties', 'Dbtr');
      const name = text(child(party, 'Nm')) ?? text(path(party, 'Pty', 'Nm'));
      const remittance = children(path(details, 'RmtInf'), 'Ustrd').map(text).filter((t): t is string => t !== undefined).join(' ');
      const booked = child(node, 'BookgDt');
      found.add(
        statementEntry(line, {
          date: text(child(booked, 'Dt')) ?? text(child(booked, 'DtTm')) ?? text(path(node, 'ValDt', 'Dt')),
          parseDate: parseIsoDateTime,
          amount: signed(text(child(node, 'Amt')), mark),
          description: statementDescription(name, remittance, text(child(node, 'AddtlNtryInf'))),
          bankId: text(child(node, 'AcctSvcrRef')) || text(child(node, 'NtryRef')) || null,
        }),
      );
    }
  });
  if (account === undefined) return undefined;
  // One import writes into one account: another account's entries (or another currency's) would land in it.
  if (accounts.size > 1) throw new Refusal('several-accounts');
  const id = child(account, 'Id');
  return {
    format: 'camt053',
    account: text(child(id, 'IBAN')) ?? text(path(id, 'Othr', 'Id')) ?? null,
    currency: text(child(account, 'Ccy')) ?? null,
    closingBalance: balanceOf(
      signed(text(child(closing, 'Amt')), text(child(closing, 'CdtDbtInd'))),
      parseIsoDateTime(closedOn(closing)),
    ),
    entries: found.entries,
    problems: found.problems,
  };
}
