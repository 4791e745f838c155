import { z } from 'zod';
import type { BudgetEntry } from '../../services/budgets.ts';
import { displayable, parseForm, type FieldErrors } from '../form-fields.ts';
import { msg } from '../i18n.ts';
import { amountField, schemaPerWriting, type AmountWriting } from './fields.ts';

const AMOUNT_FIELD = /^amount-([1-9]\d{0,14})$/;
/** What the page showed, in cents ('' for none), and whether the box was ticked: a field left as shown is not saved. */
const SHOWN_CENTS = /^(|0|[1-9]\d{0,15})$/;

/** One amount, by the transaction amount rule (no sign, no zero); the budget form's empty field means none. */
const amountSchema = schemaPerWriting((writing) => z.object({ amount: amountField(writing, 'positive', false, true) }));

/**
 * Reads the budget form: an `amount-<category id>` field per expense category (empty removes the amount) and a
 * `rollover-<category id>` box. Every amount is checked, and any problem refuses the whole form with a message
 * beside each bad field, so nothing is saved in part. With `shown-<id>` (the cents the page showed) and
 * `shownRollover-<id>`, a field or box left as it was shown is not saved: a page left open in another tab saved
 * every amount it showed, and so put back, or removed, what had been saved since in the other.
 */
export function parseBudgetForm(
  body: unknown,
  writing: AmountWriting,
): { ok: true; entries: BudgetEntry[]; values: Record<string, string> } | { ok: false; errors: FieldErrors; values: Record<string, string> } {
  const fields = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const entries: BudgetEntry[] = [];
  const errors: FieldErrors = {};
  const values: Record<string, string> = {};
  for (const [name, raw] of Object.entries(fields)) {
    const match = AMOUNT_FIELD.exec(name);
    // No count is cut off here: the form's parser takes fields for as many expense categories as one person may keep
    // (app.ts), and a body with more is refused whole (413); it once kept the first 500 and said it had saved.
    if (!match) continue;
    const categoryId = Number(match[1]);
    const rollover = fields[`rollover-${categoryId}`] === '1';
    if (typeof raw !== 'string') {
      errors[name] = msg('validation.once.amount');
      continue;
    }
    values[name] = displayable(raw);
    if (rollover) values[`rollover-${categoryId}`] = '1';
    const shownRaw = fields[`shown-${categoryId}`];
    const shown = typeof shownRaw === 'string' && SHOWN_CENTS.test(shownRaw) ? (shownRaw === '' ? null : Number(shownRaw)) : undefined;
    const shownRollover = fields[`shownRollover-${categoryId}`];
    const rolloverShown = shownRollover === '1' ? true : shownRollover === '0' ? false : undefined;
    if (shown !== undefined) values[`shown-${categoryId}`] = shownRaw as string;
    if (rolloverShown !== undefined) values[`shownRollover-${categoryId}`] = shownRollover as string;
    // A box left as shown is the month's own only if no other tab has saved one for it since.
    const rolloverChange = rolloverShown === rollover ? { rolloverShown: rollover } : { rollover };
    if (raw.trim() === '') {
      entries.push({ categoryId, ...(shown === null ? {} : { amountCents: null }), ...rolloverChange });
      continue;
    }
    const parsed = parseForm(amountSchema(writing), { amount: raw });
    if (parsed.ok) entries.push({ categoryId, ...(shown === parsed.data.amount ? {} : { amountCents: parsed.data.amount }), ...rolloverChange });
    else errors[name] = parsed.errors.amount;
  }
  return Object.keys(errors).length === 0 ? { ok: true, entries, values } : { ok: false, errors, values };
}
