/**
 * The words for the rules' answers. domain/ and services/ say what is wrong with codes; here each code becomes a
 * message (a catalogue key and its values), which the page translates into its language. Every key is written out
 * in full, so the catalogue tests can see which keys are used.
 */
import type { StatementFormat } from '../domain/statements.ts';
import type { AccountKind } from '../domain/accounts.ts';
import { MAX_CATEGORY_NAME_CHARS, type CategoryNameProblem } from '../domain/categories.ts';
import type { DayProblem } from '../domain/calendar.ts';
import { PER_PERSON_LIMITS, type LimitedKind } from '../domain/limits.ts';
import { csvFileProblemOf, type CsvFileProblem, type MistakenFormat, type RowProblem } from '../domain/imports.ts';
import type { ImportFailureReason } from '../services/imports.ts';
import { otherDecimalMark, type AmountProblem, type DecimalSeparator } from '../domain/money.ts';
import { MAX_DESCRIPTION_CHARS, type DescriptionProblem, type TransactionType } from '../domain/transactions.ts';
import { MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, type EmailProblem, type PasswordProblem } from '../domain/users.ts';
import { msg, type MessageKey, type Msg, type Translate } from './i18n.ts';

// Other trackers' words for a transfer and an opening balance in a type column (Firefly III, ezBookkeeping). Built from
// strings: non-ASCII in a regex literal would keep the bundle's source two bytes a character (see domain/imports.ts).
const TRANSFER_WORD = new RegExp('transfer|\u043f\u0435\u0440\u0435\u043a\u0430\u0437|\u043f\u0435\u0440\u0435\u043c\u0456\u0449\u0435\u043d\u043d\u044f', 'i');
const OPENING_WORD = new RegExp('opening|starting balance|balance modification|\u043f\u043e\u0447\u0430\u0442\u043a\u043e\u0432', 'i');

/**
 * An amount typed (as `text`) into a form by a person whose locale writes decimals with `decimal`. `typed` says the
 * form has an income/expense choice, which the advice for a minus sign points to; a transfer or a budget has none.
 */

export function amountMessage(problem: AmountProblem, decimal: DecimalSeparator, maxText: string, text: string, typed = true): Msg {
  switch (problem) {
    case 'empty':
      return msg('validation.amount.empty');
    case 'negative':
      return msg(typed ? 'validation.amount.negative' : 'validation.amount.negativeUntyped');
    case 'malformed':
      return msg(decimal === 'comma' ? 'validation.amount.malformedComma' : 'validation.amount.malformedDot');
    case 'other-decimal-mark':
      return msg(decimal === 'comma' ? 'validation.amount.useComma' : 'validation.amount.usePoint', { suggestion: otherDecimalMark(text, decimal) ?? '' });
    case 'too-many-decimals':
      return msg('validation.amount.tooManyDecimals');
    case 'missing-cents':
      return msg('validation.amount.missingCents');
    case 'zero':
      return msg('validation.amount.zero');
    case 'too-large':
      return msg('validation.amount.tooLarge', { max: maxText });
  }
}

/** A date typed into a form. */
export const DAY_MESSAGES: Readonly<Record<DayProblem, MessageKey>> = {
  empty: 'validation.day.empty',
  format: 'validation.day.format',
  'not-a-day': 'validation.day.notADay',
};

export const DESCRIPTION_MESSAGES: Readonly<Record<DescriptionProblem, Msg>> = {
  'too-long': msg('validation.description.tooLong', { max: MAX_DESCRIPTION_CHARS }),
  'control-characters': msg('validation.description.control'),
};

export const CATEGORY_NAME_MESSAGES: Readonly<Record<CategoryNameProblem, Msg>> = {
  empty: msg('validation.categoryName.empty'),
  invisible: msg('validation.categoryName.invisible'),
  'too-long': msg('validation.categoryName.tooLong', { max: MAX_CATEGORY_NAME_CHARS }),
  'control-characters': msg('validation.categoryName.control'),
};

/** An account's name follows the category-name rule; its messages say "account" where the rule's problem names it. */
export const ACCOUNT_NAME_MESSAGES: Readonly<Record<CategoryNameProblem, Msg>> = {
  ...CATEGORY_NAME_MESSAGES,
  empty: msg('validation.account.nameEmpty'),
};

/** The message shown when the name is already used by another category of the same kind (named as it is stored). */
export function categoryNameTakenMessage(kind: TransactionType, existingName: string): Msg {
  return msg(kind === 'income' ? 'validation.categoryName.takenIncome' : 'validation.categoryName.takenExpense', { name: existingName });
}

/** The message when an expense is given an income category (an income may take an expense category: a refund). */
export function wrongKindCategoryMessage(category: { name: string }): Msg {
  return msg('validation.category.incomeNotForExpense', { name: category.name });
}

export const EMAIL_MESSAGES: Readonly<Record<EmailProblem | 'taken', Msg>> = {
  empty: msg('validation.email.empty'),
  malformed: msg('validation.email.malformed'),
  invisible: msg('validation.email.invisible'),
  taken: msg('validation.email.taken'),
};

export const PASSWORD_MESSAGES: Readonly<Record<PasswordProblem, Msg>> = {
  'too-short': msg('validation.password.tooShort', { min: MIN_PASSWORD_CHARS }),
  'too-long': msg('validation.password.tooLong', { max: MAX_PASSWORD_BYTES }),
  common: msg('validation.password.common'),
  guessable: msg('validation.password.guessable'),
};

/** One problem of an imported row, as a phrase. */
function rowProblemMessage(problem: RowProblem): Msg {
  switch (problem.code) {
    case 'too-few-columns':
      return msg('import.row.tooFewColumns', { count: problem.have, have: problem.have, need: problem.need });
    case 'not-utf8':
      return msg('import.row.notUtf8', { column: problem.column });
    case 'date':
      if (problem.problem === 'empty') return msg('import.row.dateEmpty');
      if (problem.fits) return msg('import.row.dateFits', { text: problem.text, format: problem.format, fits: problem.fits });
      return msg(problem.problem === 'format' ? 'import.row.dateFormat' : 'import.row.dateNotADay', { text: problem.text, format: problem.format });
    case 'amount': {
      const text = { text: problem.text };
      switch (problem.problem) {
        case 'empty':
          return msg('import.row.amountEmpty');
        case 'negative':
          return msg('import.row.amountNegative', text);
        case 'malformed':
        case 'other-decimal-mark':
          return msg(problem.decimal === 'dot' ? 'import.row.amountMalformedDot' : 'import.row.amountMalformedComma', text);
        case 'too-many-decimals':
          return msg('import.row.amountTooManyDecimals', text);
        case 'missing-cents':
          return msg('import.row.amountMissingCents', text);
        case 'zero':
          return msg('import.row.amountZero');
        case 'too-large':
          return msg('import.row.amountTooLarge');
      }
      break;
    }
    case 'two-amounts':
      return msg('import.row.twoAmounts', { out: problem.out, in: problem.in });
    case 'type':
      // Other trackers' exports name their transfers and opening balances in the type column (Firefly III,
      // ezBookkeeping): such a row is told what to do instead, not only what it is not.
      if (TRANSFER_WORD.test(problem.text)) return msg('import.row.typeTransfer', { text: problem.text });
      if (OPENING_WORD.test(problem.text)) return msg('import.row.typeOpening', { text: problem.text });
      return msg('import.row.type', { text: problem.text });
    case 'negative-income':
      return msg('import.row.negativeIncome', { text: problem.text });
    case 'description':
      return problem.problem === 'too-long'
        ? msg('import.row.descriptionTooLong', { max: MAX_DESCRIPTION_CHARS })
        : msg('import.row.descriptionControl');
    case 'category':
      if (problem.problem === 'invisible') return msg('import.row.categoryInvisible');
      return problem.problem === 'too-long'
        ? msg('import.row.categoryTooLong', { max: MAX_CATEGORY_NAME_CHARS })
        : msg('import.row.categoryControl');
    case 'account':
      if (problem.problem === 'unknown') return msg('import.row.accountUnknown', { text: problem.text });
      if (problem.problem === 'archived') return msg('import.row.accountArchived', { text: problem.text });
      if (problem.problem === 'invisible') return msg('import.row.accountInvisible');
      return problem.problem === 'too-long'
        ? msg('import.row.accountTooLong', { max: MAX_CATEGORY_NAME_CHARS })
        : msg('import.row.accountControl');
    case 'category-limit':
      return msg('import.row.categoryLimit', { text: problem.text, max: problem.max });
    case 'account-limit':
      return msg('import.row.accountLimit', { text: problem.text, max: problem.max });
    case 'transfer':
      return problem.problem === 'no-reference' ? msg('import.row.transferNoReference') : msg('import.row.transferUnpaired', { text: problem.text });
    case 'currency':
      return msg('import.row.currency', { theirs: problem.theirs, ours: problem.ours });
  }
}

/** Every problem of an imported row, each as its own phrase. */
export function rowProblemMessages(problems: readonly RowProblem[]): Msg[] {
  return problems.length === 0 ? [msg('import.row.unreadable')] : problems.map(rowProblemMessage);
}

/** Every problem of an imported row in one reason, in one language: the phrases in a list. */
export function describeRowProblems(problems: readonly RowProblem[], t: Translate): string {
  // Date layouts are written with the page's letters (ДД.ММ.РРРР), as the format list beside them writes them.
  const letters = t('import.dateLetters');
  const written = (value: string | number) => (typeof value === 'string' ? value.replace(/[YMD]/g, (c) => letters['YMD'.indexOf(c)] ?? c) : value);
  const withLetters = (m: Msg): Msg => {
    if (m.values?.format === undefined) return m;
    const values: Record<string, string | number> = { ...m.values, format: written(m.values.format) };
    if (m.values.fits !== undefined) values.fits = written(m.values.fits);
    return { ...m, values };
  };
  return rowProblemMessages(problems)
    .map((m) => t(withLetters(m)))
    .join('; ');
}

const STATEMENT_FORMAT_KEYS: Readonly<Record<StatementFormat, MessageKey>> = {
  ofx: 'import.statement.formats.ofx',
  qfx: 'import.statement.formats.qfx',
  qif: 'import.statement.formats.qif',
  camt053: 'import.statement.formats.camt053',
};

/** The catalogue key naming a statement format ("OFX", "ISO 20022 CAMT.053"). */
export function statementFormatKey(format: StatementFormat): MessageKey {
  return STATEMENT_FORMAT_KEYS[format];
}

/**
 * Why a statement file could not be read at all, or is not imported: `ours` is the currency this Ledgerly counts in,
 * for a statement in another ('currency', with the statement's as `theirs`; as a job's detail, 'currency:EUR').
 */
export function statementFileMessage(problem: string | null, line?: number, currencies?: { theirs?: string; ours: string }): Msg {
  const otherCurrency = problem === 'currency' ? currencies?.theirs : problem?.startsWith('currency:') ? problem.slice('currency:'.length) : undefined;
  if (otherCurrency !== undefined && currencies) return msg('import.statement.problem.currency', { theirs: otherCurrency, ours: currencies.ours });
  if (problem === 'doctype') return msg('import.statement.problem.doctype');
  if (problem === 'too-deep') return msg('import.statement.problem.tooDeep');
  if (problem === 'no-statement') return msg('import.statement.problem.noStatement');
  if (problem === 'several-accounts') return msg('import.statement.problem.severalAccounts');
  return line === undefined ? msg('import.statement.problem.malformed') : msg('import.statement.problem.malformedAt', { line });
}

/** What a file uploaded by mistake is (a PDF, a spreadsheet, a ZIP archive), and what to upload instead. */
export function mistakenFormatMessage(format: MistakenFormat): Msg {
  if (format === 'pdf') return msg('import.file.pdf');
  if (format === 'spreadsheet') return msg('import.file.spreadsheet');
  if (format === 'old-excel') return msg('import.file.oldExcel');
  return msg('import.file.zip');
}

/** Why a file is not CSV: on the mapping page (`file`), or as the reason an import failed (`failure`). */
export function csvFileMessage(problem: CsvFileProblem, where: 'file' | 'failure'): Msg {
  if (problem.kind === 'unclosed-quote') return msg(where === 'file' ? 'import.file.unclosedQuote' : 'import.failure.unclosedQuote');
  if (problem.kind === 'binary' && problem.format !== undefined) return mistakenFormatMessage(problem.format);
  if (problem.kind === 'binary') return msg(where === 'file' ? 'import.file.binary' : 'import.failure.binary');
  if (problem.kind === 'utf16') return msg(where === 'file' ? 'import.file.utf16' : 'import.failure.utf16');
  if (problem.kind === 'ledgerly-json') return msg('import.file.ledgerlyJson');
  if (problem.kind === 'json') return msg('import.file.json');
  if (problem.line === null) return msg(where === 'file' ? 'import.file.unreadable' : 'import.failure.invalidCsvNoDetail');
  return msg(where === 'file' ? 'import.file.unreadableAt' : 'import.failure.unreadableAt', { line: problem.line });
}

/** Why an import failed, for its progress page. */
export function importFailureMessage(reason: ImportFailureReason, detail: string | null, ourCurrency: string): Msg {
  if (reason === 'invalid-statement') return statementFileMessage(detail, undefined, { ours: ourCurrency });
  if (reason === 'invalid-csv') {
    const problem = detail === null ? undefined : csvFileProblemOf(detail);
    if (problem) return csvFileMessage(problem, 'failure');
    // Imports that failed before problems had names kept the parser's English words (some with an English lead-in).
    const words = detail?.replace(/^The file is not valid CSV: /, '');
    return words ? msg('import.failure.invalidCsv', { detail: words }) : msg('import.failure.invalidCsvNoDetail');
  }
  if (reason === 'upload-missing') return msg('import.failure.uploadMissing');
  if (reason === 'account-closed') return msg('import.failure.accountClosed');
  if (reason === 'storage-full') return msg('import.failure.storageFull');
  if (reason === 'storage-read-only') return msg('import.failure.storageReadOnly');
  return msg('import.failure.internal');
}

const ACCOUNT_KIND_KEYS: Readonly<Record<AccountKind, MessageKey>> = {
  checking: 'accounts.kinds.checking',
  savings: 'accounts.kinds.savings',
  cash: 'accounts.kinds.cash',
  credit_card: 'accounts.kinds.creditCard',
  loan: 'accounts.kinds.loan',
  investment: 'accounts.kinds.investment',
  other: 'accounts.kinds.other',
};

/** The catalogue key naming an account kind ("Credit card", "Кредитна картка"). */
export function accountKindKey(kind: AccountKind): MessageKey {
  return ACCOUNT_KIND_KEYS[kind];
}

/** A per-person limit reached (domain/limits.ts), in words: how many there are, and what makes room. */
export function limitReachedMessage(kind: LimitedKind): Msg {
  const keys: Record<LimitedKind, MessageKey> = {
    categories: 'errors.limit.categories',
    accounts: 'errors.limit.accounts',
    rules: 'errors.limit.rules',
    schedules: 'errors.limit.schedules',
    apiTokens: 'errors.limit.apiTokens',
  };
  return msg(keys[kind], { count: PER_PERSON_LIMITS[kind] });
}
