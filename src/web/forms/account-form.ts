import { z } from 'zod';
import { ACCOUNT_KINDS, normaliseAccountName, type AccountDraft } from '../../domain/accounts.ts';
import { parseIsoDay } from '../../domain/calendar.ts';
import { centsToInputText, MAX_AMOUNT_CENTS, parseAmount } from '../../domain/money.ts';
import { addFieldIssue, formText, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import { amountMessage, CATEGORY_NAME_MESSAGES, DAY_MESSAGES } from '../messages.ts';
import type { AmountWriting } from './transaction-form.ts';

const FIELDS = ['name', 'kind', 'openingBalance', 'openingOn'] as const;

/** What the account form shows back: exactly what the user typed. */
export type AccountFormValues = Record<(typeof FIELDS)[number], string>;

/**
 * The account form for a person who writes amounts with `decimal`. The opening balance may be zero or below zero
 * (what is owed on a card or a loan); empty means zero. An empty date means today.
 */
function accountSchema(writing: AmountWriting) {
  const amountOptions = { decimal: writing.decimal, sign: 'signed' } as const;
  return z.object({
    name: formText('validation.once.name').transform((text, ctx) => {
      const name = normaliseAccountName(text);
      if (name.ok) return name.name;
      const problem = CATEGORY_NAME_MESSAGES[name.problem];
      addFieldIssue(ctx, problem.key, problem.values);
      return z.NEVER;
    }),
    kind: formText('validation.once.kind').pipe(z.enum(ACCOUNT_KINDS, { error: 'validation.account.kind' })),
    openingBalance: formText('validation.once.amount').transform((text, ctx) => {
      const amount = parseAmount(text, amountOptions);
      if (amount.ok) return amount.negative ? -amount.cents : amount.cents;
      if (amount.problem === 'empty' || amount.problem === 'zero') return 0;
      const problem = amountMessage(amount.problem, writing.decimal, writing.formatPlain(MAX_AMOUNT_CENTS));
      addFieldIssue(ctx, problem.key, problem.values);
      return z.NEVER;
    }),
    openingOn: formText('validation.once.date').transform((text, ctx) => {
      if (text === '') return null;
      const day = parseIsoDay(text);
      if (day.ok) return day.day;
      addFieldIssue(ctx, DAY_MESSAGES[day.problem]);
      return z.NEVER;
    }),
  });
}

const schemas = new WeakMap<AmountWriting, ReturnType<typeof accountSchema>>();

/** Validates an account form body into an account draft, or a message per field. */
export function parseAccountForm(
  body: unknown,
  today: string,
  writing: AmountWriting,
): { ok: true; value: AccountDraft; values: AccountFormValues } | { ok: false; errors: FieldErrors; values: AccountFormValues } {
  const values = typedValues(body, FIELDS);
  let schema = schemas.get(writing);
  if (!schema) schemas.set(writing, (schema = accountSchema(writing)));
  const parsed = parseForm(schema, body);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, values };
  const d = parsed.data;
  return { ok: true, values, value: { name: d.name, kind: d.kind, openingBalanceCents: d.openingBalance, openingOn: d.openingOn ?? today } };
}

/** Blank values for a new account: a current account opened today with nothing in it. */
export function emptyAccountForm(today: string): AccountFormValues {
  return { name: '', kind: 'checking', openingBalance: '', openingOn: today };
}

/** The form values that show an account for editing, its opening balance written the person's way. */
export function accountFormValuesFrom(account: AccountDraft, writing: Pick<AmountWriting, 'decimal'>): AccountFormValues {
  const amount = centsToInputText(Math.abs(account.openingBalanceCents), writing.decimal);
  return {
    name: account.name,
    kind: account.kind,
    openingBalance: account.openingBalanceCents < 0 ? `-${amount}` : amount,
    openingOn: account.openingOn,
  };
}
