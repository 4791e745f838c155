import { z } from 'zod';
import { ACCOUNT_KINDS, isLiability, normaliseAccountName, type AccountDraft } from '../../domain/accounts.ts';
import { centsToInputText } from '../../domain/money.ts';
import { addFieldIssue, formText, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import { msg } from '../i18n.ts';
import { ACCOUNT_NAME_MESSAGES } from '../messages.ts';
import { amountField, optionalDayField, schemaPerWriting, type AmountWriting } from './fields.ts';

const FIELDS = ['name', 'kind', 'openingBalance', 'openingOn', 'inCredit'] as const;

/** What the account form shows back: exactly what the user typed. */
export type AccountFormValues = Record<(typeof FIELDS)[number], string>;

/**
 * The account form for a person who writes amounts with `decimal`. The opening balance may be zero or below zero
 * (what is owed on a card or a loan); empty means zero. An empty date means today.
 */
const accountSchema = schemaPerWriting((writing) =>
  z.object({
    name: formText('validation.once.name').transform((text, ctx) => {
      const name = normaliseAccountName(text);
      if (name.ok) return name.name;
      const problem = ACCOUNT_NAME_MESSAGES[name.problem];
      addFieldIssue(ctx, problem.key, problem.values);
      return z.NEVER;
    }),
    kind: formText('validation.once.kind').pipe(z.enum(ACCOUNT_KINDS, { error: 'validation.account.kind' })),
    openingBalance: amountField(writing, 'signed', true),
    openingOn: optionalDayField,
  }),
);

/** Validates an account form body into an account draft, or a message per field. */
export function parseAccountForm(
  body: unknown,
  today: string,
  writing: AmountWriting,
): { ok: true; value: AccountDraft; values: AccountFormValues } | { ok: false; errors: FieldErrors; values: AccountFormValues } {
  const values = typedValues(body, FIELDS);
  const parsed = parseForm(accountSchema(writing), body);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, values };
  const d = parsed.data;
  // A card's or a loan's balance is what is owed, below zero. Typed without its minus sign (as other trackers ask
  // for a debt), it counted the debt as money held. So a positive one is asked about once, and the form carries
  // the amount confirmed (`inCredit`): the same amount saved again is taken as a card in credit.
  if (isLiability(d.kind) && d.openingBalance > 0 && values.inCredit !== values.openingBalance) {
    return {
      ok: false,
      errors: { openingBalance: msg('validation.account.positiveLiability', { amount: values.openingBalance }) },
      values: { ...values, inCredit: values.openingBalance },
    };
  }
  return { ok: true, values, value: { name: d.name, kind: d.kind, openingBalanceCents: d.openingBalance, openingOn: d.openingOn ?? today } };
}

/** Blank values for a new account: a current account opened today with nothing in it. */
export function emptyAccountForm(today: string): AccountFormValues {
  return { name: '', kind: 'checking', openingBalance: '', openingOn: today, inCredit: '' };
}

/** The form values that show an account for editing, its opening balance written the person's way. */
export function accountFormValuesFrom(account: AccountDraft, writing: Pick<AmountWriting, 'decimal'>): AccountFormValues {
  const amount = centsToInputText(Math.abs(account.openingBalanceCents), writing.decimal);
  return {
    name: account.name,
    kind: account.kind,
    openingBalance: account.openingBalanceCents < 0 ? `-${amount}` : amount,
    openingOn: account.openingOn,
    // A card already saved in credit was confirmed then: editing its name does not ask again.
    inCredit: isLiability(account.kind) && account.openingBalanceCents > 0 ? amount : '',
  };
}
