/**
 * The fields several forms share, each written once: an amount read the person's way, a day, a description, and
 * the per-language cache of a form's schema. Each calls the one domain rule and reports its problem as a message.
 */
import { z } from 'zod';
import { parseIsoDay } from '../../domain/calendar.ts';
import { MAX_AMOUNT_CENTS, parseAmount, type DecimalSeparator } from '../../domain/money.ts';
import { normaliseDescription } from '../../domain/transactions.ts';
import { addFieldIssue, formText } from '../form-fields.ts';
import { msg, type Msg } from '../i18n.ts';
import { amountMessage, DAY_MESSAGES, DESCRIPTION_MESSAGES } from '../messages.ts';

/** How the person writes amounts: the locale's decimal separator, and the largest amount written their way. */
export interface AmountWriting {
  readonly decimal: DecimalSeparator;
  readonly formatPlain: (cents: number) => string;
  /** The locale groups thousands with spaces: a dot then groups nothing in what the person types (AmountOptions). */
  readonly groupsWithSpaces?: boolean;
}

/**
 * An amount in cents by the one domain parser. `positive` refuses a sign, zero and empty (a transaction, a
 * transfer); `signed` takes a minus sign, zero and (with `emptyIsZero`) an empty field (a balance). `untyped`: the
 * form has no income/expense choice to point a minus sign to (a transfer, a budget).
 */
export function amountField(writing: AmountWriting, kind: 'positive' | 'signed', emptyIsZero = false, untyped = false) {
  // A person's own typing: in a locale that groups with spaces, a dot groups nothing (AmountOptions.groups).
  const options = { decimal: writing.decimal, sign: kind === 'positive' ? 'unsigned' : 'signed', ...groupsOf(writing) } as const;
  return formText('validation.once.amount').transform((text, ctx) => {
    const amount = parseAmount(text, options);
    if (amount.ok) return amount.negative ? -amount.cents : amount.cents;
    if (kind === 'signed' && (amount.problem === 'zero' || (emptyIsZero && amount.problem === 'empty'))) return 0;
    const problem = amountMessage(amount.problem, writing.decimal, writing.formatPlain(MAX_AMOUNT_CENTS), text, !untyped);
    addFieldIssue(ctx, problem.key, problem.values);
    return z.NEVER;
  });
}

/** The grouping an amount field of this writing accepts. */
function groupsOf(writing: AmountWriting): { groups?: 'spaces' } {
  return writing.groupsWithSpaces ? { groups: 'spaces' } : {};
}

/** An amount by the transaction rule (positive, the person's separators), or null for an empty field. */
export function optionalAmountField(writing: AmountWriting) {
  const options = { decimal: writing.decimal, sign: 'unsigned', ...groupsOf(writing) } as const;
  return formText('validation.once.amount').transform((text, ctx) => {
    if (text.trim() === '') return null;
    const amount = parseAmount(text, options);
    if (amount.ok) return amount.cents;
    const problem = amountMessage(amount.problem, writing.decimal, writing.formatPlain(MAX_AMOUNT_CENTS), text);
    addFieldIssue(ctx, problem.key, problem.values);
    return z.NEVER;
  });
}

/** A YYYY-MM-DD day, required. */
export const dayField = formText('validation.once.date').transform((text, ctx) => {
  const day = parseIsoDay(text);
  if (day.ok) return day.day;
  addFieldIssue(ctx, DAY_MESSAGES[day.problem]);
  return z.NEVER;
});

/** A YYYY-MM-DD day, or null for an empty field (the caller puts today in its place). */
export const optionalDayField = formText('validation.once.date').transform((text, ctx) => {
  if (text === '') return null;
  const day = parseIsoDay(text);
  if (day.ok) return day.day;
  addFieldIssue(ctx, DAY_MESSAGES[day.problem]);
  return z.NEVER;
});

/**
 * Whether a form's date may be left empty for today: on adding, yes; on editing, no. An edit that lost its date (a
 * phone's date picker has a Clear button) moved the row to today without a word, out of its month and its budget.
 */
export type DateMode = 'add' | 'edit';

/** The date's message when an edit's date was left empty, else undefined. */
export function emptyEditDate(mode: DateMode, dateText: string): Msg | undefined {
  return mode === 'edit' && dateText.trim() === '' ? msg(DAY_MESSAGES.empty) : undefined;
}

/** A description by the description rule: trimmed, at most 200 characters, no control characters. */
export const descriptionField = formText('validation.once.description').transform((text, ctx) => {
  const description = normaliseDescription(text);
  if (description.ok) return description.text;
  const problem = DESCRIPTION_MESSAGES[description.problem];
  addFieldIssue(ctx, problem.key, problem.values);
  return z.NEVER;
});

/**
 * A form's schema per way of writing amounts, built on first use: each language context is made once, so this holds
 * a handful, and a request never builds a schema.
 */
export function schemaPerWriting<S>(build: (writing: AmountWriting) => S): (writing: AmountWriting) => S {
  const schemas = new WeakMap<AmountWriting, S>();
  return (writing) => {
    let schema = schemas.get(writing);
    if (!schema) schemas.set(writing, (schema = build(writing)));
    return schema;
  };
}
