import { z } from 'zod';
import { centsToInputText } from '../../domain/money.ts';
import type { Transfer, TransferDraft } from '../../domain/transfers.ts';
import type { TransferSave } from '../../services/transfers.ts';
import { msg } from '../i18n.ts';
import { formText, idChoice, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import { amountField, descriptionField, emptyEditDate, optionalDayField, schemaPerWriting, type AmountWriting, type DateMode } from './fields.ts';

const FIELDS = ['from', 'to', 'amount', 'date', 'description', 'confirmReconciled'] as const;

/** What the transfer form shows back: exactly what the user typed. */
export type TransferFormValues = Record<(typeof FIELDS)[number], string>;

const account = (repeated: 'validation.once.fromAccount' | 'validation.once.toAccount') =>
  formText(repeated).pipe(idChoice('validation.account.choose'));

/** The transfer form: two accounts, an amount read like a transaction's (positive, the person's separators), a day. */
const transferSchema = schemaPerWriting((writing) =>
  z.object({
    from: account('validation.once.fromAccount'),
    to: account('validation.once.toAccount'),
    amount: amountField(writing, 'positive', false, true),
    date: optionalDayField,
    description: descriptionField,
    confirmReconciled: formText('validation.once.confirm').pipe(z.enum(['', '1'], { error: 'validation.once.confirm' })),
  }),
);

/** Validates a transfer form body, or a message per field; an empty date means today when adding, and is refused when editing. */
export function parseTransferForm(
  body: unknown,
  today: string,
  writing: AmountWriting,
  mode: DateMode = 'add',
):
  | { ok: true; value: TransferDraft; confirmedReconciled: boolean; values: TransferFormValues }
  | { ok: false; errors: FieldErrors; values: TransferFormValues } {
  const values = typedValues(body, FIELDS);
  const parsed = parseForm(transferSchema(writing), body);
  const dateMissing = emptyEditDate(mode, values.date);
  if (!parsed.ok || dateMissing) {
    const fieldErrors: FieldErrors = { ...(parsed.ok ? {} : parsed.errors), ...(dateMissing ? { date: dateMissing } : {}) };
    // Every problem at once: the same account twice is said beside the other fields' messages, not after them.
    const errors = values.from !== '' && values.from === values.to && !fieldErrors.to ? { ...fieldErrors, to: msg('validation.transfer.sameAccount') } : fieldErrors;
    return { ok: false, errors, values };
  }
  const d = parsed.data;
  return {
    ok: true,
    values,
    confirmedReconciled: d.confirmReconciled === '1',
    value: { fromAccountId: d.from, toAccountId: d.to, amountCents: d.amount, occurredOn: d.date ?? today, description: d.description },
  };
}

/** Blank values for a new transfer dated today, from the given account when one is named. */
export function emptyTransferForm(today: string, fromAccountId: number | null, toAccountId: number | null): TransferFormValues {
  const id = (n: number | null) => (n === null ? '' : String(n));
  return { from: id(fromAccountId), to: id(toAccountId), amount: '', date: today, description: '', confirmReconciled: '' };
}

/** The form values that show a transfer for editing, its amount written the person's way. */
export function transferFormValuesFrom(transfer: Transfer, writing: Pick<AmountWriting, 'decimal'>): TransferFormValues {
  return {
    from: String(transfer.fromAccountId),
    to: String(transfer.toAccountId),
    amount: centsToInputText(transfer.amountCents, writing.decimal),
    date: transfer.occurredOn,
    description: transfer.description,
    confirmReconciled: '',
  };
}


/** The field messages of a save the service refused for its accounts, or for a reconciled row not confirmed. */
export function transferRefusal(result: TransferSave): FieldErrors | undefined {
  // A change made elsewhere since the form was opened is the caller's to show (the page's 409); the API sends no version.
  if (result.ok || result.problem === 'not-found' || result.problem === 'changed') return undefined;
  if (result.problem === 'reconciled') return { confirmReconciled: msg('transfers.confirmReconciledNeeded') };
  const errors: FieldErrors = {};
  if (result.problems.from) errors.from = msg('validation.account.archived');
  if (result.problems.to === 'archived') errors.to = msg('validation.account.archived');
  if (result.problems.to === 'same-account') errors.to = msg('validation.transfer.sameAccount');
  return errors;
}
