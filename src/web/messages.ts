/**
 * The words for the rules' answers. domain/ and services/ say what is wrong with codes; the pages say it here, in
 * one place, so each message is written once (and translated once, when the catalogues come).
 */
import { MAX_CATEGORY_NAME_CHARS, type CategoryNameProblem } from '../domain/categories.ts';
import type { DayProblem } from '../domain/calendar.ts';
import type { RowProblem } from '../domain/imports.ts';
import type { AmountProblem } from '../domain/money.ts';
import { MAX_DESCRIPTION_CHARS, type DescriptionProblem, type TransactionType } from '../domain/transactions.ts';
import { MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, type EmailProblem, type PasswordProblem } from '../domain/users.ts';

/** An amount typed into a form. */
export const AMOUNT_MESSAGES: Record<AmountProblem, string> = {
  empty: 'Enter an amount.',
  negative: 'Enter the amount without a minus sign; choose Expense for money going out.',
  malformed: 'Enter an amount in numbers, like 12.50 or 1,234.56.',
  'too-many-decimals': 'Use at most two decimal places.',
  'missing-cents': 'Enter digits after the decimal point, or leave it out.',
  zero: 'Enter an amount greater than zero.',
  'too-large': 'Enter an amount no larger than 1,000,000,000.00.',
};

/** A date typed into a form. */
export const DAY_MESSAGES: Record<DayProblem, string> = {
  empty: 'Enter a date.',
  format: 'Enter the date as YYYY-MM-DD, for example 2026-03-14.',
  'not-a-day': 'Enter a real calendar date between 1900 and 2999.',
};

export const DESCRIPTION_MESSAGES: Record<DescriptionProblem, string> = {
  'too-long': `Keep the description to ${MAX_DESCRIPTION_CHARS} characters or fewer.`,
  'control-characters': 'Remove control characters from the description.',
};

export const CATEGORY_NAME_MESSAGES: Record<CategoryNameProblem, string> = {
  empty: 'Enter a name for the category.',
  'too-long': `Keep the name to ${MAX_CATEGORY_NAME_CHARS} characters or fewer.`,
  'control-characters': 'Remove tabs, line breaks and other control characters from the name.',
};

/** The message shown when the name is already used by another category of the same kind (named as it is stored). */
export function categoryNameTakenMessage(kind: TransactionType, existingName: string): string {
  return `You already have an ${kind} category called “${existingName}” (names ignore upper/lower case and extra spaces).`;
}

/** The message when a transaction's category is of the other kind. */
export function wrongKindCategoryMessage(category: { name: string; kind: TransactionType }, type: TransactionType): string {
  return `“${category.name}” is an ${category.kind} category; choose one for ${type === 'income' ? 'income' : 'expenses'}, or none.`;
}

export const EMAIL_MESSAGES: Record<EmailProblem | 'taken', string> = {
  empty: 'Enter your email address.',
  malformed: 'Enter an email address like name@example.com.',
  taken: 'An account with this email already exists. Log in instead.',
};

export const COMMON_PASSWORD_MESSAGE =
  'This password is on a list of the most common passwords, so it is among the first an attacker tries. Choose another one.';

export const PASSWORD_MESSAGES: Record<PasswordProblem, string> = {
  'too-short': `Use at least ${MIN_PASSWORD_CHARS} characters.`,
  'too-long': `Use at most ${MAX_PASSWORD_BYTES} bytes (about 72 plain letters; accented letters and emoji take more).`,
  common: COMMON_PASSWORD_MESSAGE,
};

const DATE_CELL: Record<'empty' | 'format' | 'not-a-day', (p: { text: string; format: string }) => string> = {
  empty: () => 'the date is empty',
  format: (p) => `the date "${p.text}" is not in the format ${p.format}`,
  'not-a-day': (p) => `the date "${p.text}" is not a real day between 1900 and 2999`,
};

const AMOUNT_CELL: Record<AmountProblem, (p: { text: string; decimal: 'dot' | 'comma' }) => string> = {
  empty: () => 'the amount is empty',
  negative: (p) => `the amount "${p.text}" is negative`,
  malformed: (p) => `the amount "${p.text}" is not a number like ${p.decimal === 'dot' ? '1234.50' : '1234,50'}`,
  'too-many-decimals': (p) => `the amount "${p.text}" has more than two decimal places`,
  'missing-cents': (p) => `the amount "${p.text}" ends with a separator and no cents`,
  zero: () => 'the amount is zero',
  'too-large': () => 'the amount is larger than 1,000,000,000.00',
};

/** One problem of an imported row, as a phrase. */
function describeRowProblem(problem: RowProblem): string {
  switch (problem.code) {
    case 'too-few-columns':
      return `the row has ${problem.have} column${problem.have === 1 ? '' : 's'}; the mapping needs ${problem.need}`;
    case 'not-utf8':
      return `column ${problem.column} has bytes that are not valid UTF-8 (save the file as UTF-8)`;
    case 'date':
      return DATE_CELL[problem.problem](problem);
    case 'amount':
      return AMOUNT_CELL[problem.problem](problem);
    case 'type':
      return `the type "${problem.text}" is not income or expense`;
    case 'negative-income':
      return `the amount is negative but the type says ${problem.text}`;
    case 'description':
      return problem.problem === 'too-long'
        ? `the description is longer than ${MAX_DESCRIPTION_CHARS} characters`
        : 'the description contains control characters';
    case 'category':
      return problem.problem === 'too-long'
        ? `the category name is longer than ${MAX_CATEGORY_NAME_CHARS} characters`
        : 'the category name contains tabs, line breaks or other control characters';
  }
}

/** Every problem of an imported row in one reason. */
export function describeRowProblems(problems: readonly RowProblem[]): string {
  return problems.length === 0 ? 'the row could not be read' : problems.map(describeRowProblem).join('; ');
}

/** Why an import failed, for its progress page. */
export function importFailureMessage(reason: 'invalid-csv' | 'upload-missing' | 'internal', detail: string | null): string {
  if (reason === 'invalid-csv') return `${detail ?? 'The file is not valid CSV'}. Nothing was imported.`;
  if (reason === 'upload-missing') return 'The uploaded file was no longer here, so nothing was imported. Upload it again.';
  return 'The import failed on our side, so nothing was imported. Please try again.';
}

/** "1 transaction", "5 transactions". */
export function countOf(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
