/**
 * Statement files written the way the formats' specifications lay them out, for the import tests: OFX 1.x SGML
 * (OFX 1.0.2: a NAME:VALUE header, unclosed leaf elements), OFX 2.x XML (OFX 2.2: an XML declaration and an OFX
 * processing instruction, every element closed), QFX (OFX 1.x with Intuit's INTU.BID), QIF (one code letter per
 * line, ^ between entries) and ISO 20022 camt.053.001.02 (Document/BkToCstmrStmt/Stmt with Bal and Ntry).
 */

/** One entry to write: `cents` is signed (positive is money in). */
export interface FixtureEntry {
  readonly day: string;
  readonly cents: number;
  readonly name: string;
  readonly memo: string;
  readonly bankId: string;
}

export interface FixtureStatement {
  readonly account: { readonly bank?: string; readonly number: string };
  readonly currency?: string;
  readonly closing?: { readonly cents: number; readonly day: string };
  readonly entries: readonly FixtureEntry[];
}

/** Cents as the formats write them: "-12.50", or with a decimal comma. */
export function decimal(cents: number, comma = false): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const text = `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return comma ? text.replace('.', ',') : text;
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const ofxDay = (day: string, time = '120000') => `${day.replace(/-/g, '')}${time}`;

/** OFX 1.x (SGML) or, with `qfx`, Quicken's QFX; `creditCard` writes a credit-card statement. */
export function ofx1(statement: FixtureStatement, options: { qfx?: boolean; creditCard?: boolean; comma?: boolean; charset?: string; rawAmpersand?: boolean } = {}): string {
  const text = (value: string) => (options.rawAmpersand ? value.replace(/</g, '&lt;') : xmlEscape(value));
  const header = ['OFXHEADER:100', 'DATA:OFXSGML', 'VERSION:102', 'SECURITY:NONE', `ENCODING:USASCII`, `CHARSET:${options.charset ?? '1252'}`, 'COMPRESSION:NONE', 'OLDFILEUID:NONE', 'NEWFILEUID:NONE', ''];
  const body = ofxBody(statement, { ...options, leaf: (name, value) => `<${name}>${text(value)}` });
  return `${header.join('\r\n')}\r\n${body.join('\r\n')}\r\n`;
}

/** OFX 2.x (XML). */
export function ofx2(statement: FixtureStatement, options: { creditCard?: boolean } = {}): string {
  const body = ofxBody(statement, { ...options, leaf: (name, value) => `<${name}>${xmlEscape(value)}</${name}>` });
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>',
    ...body,
    '',
  ].join('\n');
}

function ofxBody(statement: FixtureStatement, options: { qfx?: boolean; creditCard?: boolean; comma?: boolean; leaf: (name: string, value: string) => string }): string[] {
  const { leaf } = options;
  const cc = options.creditCard === true;
  const lines = [
    '<OFX>',
    '<SIGNONMSGSRSV1>',
    '<SONRS>',
    '<STATUS>',
    leaf('CODE', '0'),
    leaf('SEVERITY', 'INFO'),
    '</STATUS>',
    leaf('DTSERVER', '20260331120000'),
    leaf('LANGUAGE', 'ENG'),
    ...(options.qfx ? [leaf('INTU.BID', '3000'), leaf('INTU.USERID', 'ledgerly')] : []),
    '</SONRS>',
    '</SIGNONMSGSRSV1>',
    cc ? '<CREDITCARDMSGSRSV1>' : '<BANKMSGSRSV1>',
    cc ? '<CCSTMTTRNRS>' : '<STMTTRNRS>',
    leaf('TRNUID', '1'),
    '<STATUS>',
    leaf('CODE', '0'),
    leaf('SEVERITY', 'INFO'),
    '</STATUS>',
    cc ? '<CCSTMTRS>' : '<STMTRS>',
    leaf('CURDEF', statement.currency ?? 'USD'),
    cc ? '<CCACCTFROM>' : '<BANKACCTFROM>',
    ...(cc || !statement.account.bank ? [] : [leaf('BANKID', statement.account.bank)]),
    leaf('ACCTID', statement.account.number),
    ...(cc ? [] : [leaf('ACCTTYPE', 'CHECKING')]),
    cc ? '</CCACCTFROM>' : '</BANKACCTFROM>',
    '<BANKTRANLIST>',
    leaf('DTSTART', '20000101'),
    leaf('DTEND', '20301231'),
  ];
  for (const e of statement.entries) {
    lines.push(
      '<STMTTRN>',
      leaf('TRNTYPE', e.cents < 0 ? 'DEBIT' : 'CREDIT'),
      leaf('DTPOSTED', `${ofxDay(e.day)}.000[-5:EST]`),
      leaf('TRNAMT', decimal(e.cents, options.comma)),
      leaf('FITID', e.bankId),
      ...(e.name ? [leaf('NAME', e.name)] : []),
      ...(e.memo ? [leaf('MEMO', e.memo)] : []),
      '</STMTTRN>',
    );
  }
  lines.push('</BANKTRANLIST>');
  if (statement.closing) lines.push('<LEDGERBAL>', leaf('BALAMT', decimal(statement.closing.cents, options.comma)), leaf('DTASOF', ofxDay(statement.closing.day)), '</LEDGERBAL>');
  lines.push(cc ? '</CCSTMTRS>' : '</STMTRS>', cc ? '</CCSTMTTRNRS>' : '</STMTTRNRS>', cc ? '</CREDITCARDMSGSRSV1>' : '</BANKMSGSRSV1>', '</OFX>');
  return lines;
}

/** QIF: a bank (or credit-card) section; dates month first as Quicken writes them, or day first with dots. */
export function qif(statement: FixtureStatement, options: { type?: 'Bank' | 'CCard'; dayFirst?: boolean; comma?: boolean; accountName?: string } = {}): string {
  const lines: string[] = [];
  if (options.accountName) lines.push('!Account', `N${options.accountName}`, `T${options.type ?? 'Bank'}`, '^');
  lines.push(`!Type:${options.type ?? 'Bank'}`);
  for (const e of statement.entries) {
    const [y, m, d] = e.day.split('-');
    lines.push(options.dayFirst ? `D${d}.${m}.${y}` : `D${m}/${d}/${y}`, `T${decimal(e.cents, options.comma)}`);
    if (e.name) lines.push(`P${e.name}`);
    if (e.memo) lines.push(`M${e.memo}`);
    lines.push('^');
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** camt.053.001.02: one statement with its opening and closing balances and booked entries. */
export function camt053(statement: FixtureStatement, options: { pending?: readonly number[]; ntryRefOnly?: boolean } = {}): string {
  const ccy = statement.currency ?? 'USD';
  const bal = (code: string, cents: number, day: string) =>
    `<Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp><Amt Ccy="${ccy}">${decimal(Math.abs(cents))}</Amt><CdtDbtInd>${cents < 0 ? 'DBIT' : 'CRDT'}</CdtDbtInd><Dt><Dt>${day}</Dt></Dt></Bal>`;
  const entries = statement.entries.map((e, i) => {
    const debit = e.cents < 0;
    const party = e.name ? `<RltdPties><${debit ? 'Cdtr' : 'Dbtr'}><Nm>${xmlEscape(e.name)}</Nm></${debit ? 'Cdtr' : 'Dbtr'}></RltdPties>` : '';
    const remittance = e.memo ? `<RmtInf><Ustrd>${xmlEscape(e.memo)}</Ustrd></RmtInf>` : '';
    const ref = options.ntryRefOnly ? `<NtryRef>${xmlEscape(e.bankId)}</NtryRef>` : '';
    const servicer = options.ntryRefOnly ? '' : `<AcctSvcrRef>${xmlEscape(e.bankId)}</AcctSvcrRef>`;
    return [
      '   <Ntry>',
      `    ${ref}<Amt Ccy="${ccy}">${decimal(Math.abs(e.cents))}</Amt>`,
      `    <CdtDbtInd>${debit ? 'DBIT' : 'CRDT'}</CdtDbtInd>`,
      `    <Sts>${options.pending?.includes(i) ? 'PDNG' : 'BOOK'}</Sts>`,
      `    <BookgDt><Dt>${e.day}</Dt></BookgDt>`,
      `    <ValDt><Dt>${e.day}</Dt></ValDt>`,
      `    ${servicer}`,
      '    <BkTxCd/>',
      `    <NtryDtls><TxDtls>${party}${remittance}</TxDtls></NtryDtls>`,
      '   </Ntry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    ' <BkToCstmrStmt>',
    '  <GrpHdr><MsgId>LEDGERLY-1</MsgId><CreDtTm>2026-03-31T18:00:00</CreDtTm></GrpHdr>',
    '  <Stmt>',
    '   <Id>STMT-1</Id>',
    '   <CreDtTm>2026-03-31T18:00:00</CreDtTm>',
    `   <Acct><Id><IBAN>${statement.account.number}</IBAN></Id><Ccy>${ccy}</Ccy></Acct>`,
    ...(statement.closing ? [`   ${bal('OPBD', 0, '2000-01-01')}`, `   ${bal('CLBD', statement.closing.cents, statement.closing.day)}`] : []),
    ...entries,
    '  </Stmt>',
    ' </BkToCstmrStmt>',
    '</Document>',
    '',
  ].join('\n');
}

/** Text as Windows-1252 bytes (Latin-1 and the euro sign, the characters the tests use). */
export function windows1252(text: string): Buffer {
  return Buffer.from([...text].map((ch) => (ch === '€' ? 0x80 : ch.charCodeAt(0) <= 0xff ? ch.charCodeAt(0) : 0x3f)));
}
