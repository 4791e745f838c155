import { z } from 'zod';
import { centsToInputText } from '../../domain/money.ts';
import {
  FREQUENCIES,
  MAX_INTERVAL,
  MAX_OCCURRENCES,
  recurrenceRuleProblem,
  weekdayOf,
  type Schedule,
  type ScheduleDraft,
} from '../../domain/schedules.ts';
import { addFieldIssue, formText, idText, parseForm, typedValues, type FieldErrors } from '../form-fields.ts';
import { msg, type MessageKey } from '../i18n.ts';
import { wrongKindCategoryMessage } from '../messages.ts';
import type { ScheduleProblems } from '../../services/schedules.ts';
import { amountField, dayField, descriptionField, optionalDayField, schemaPerWriting, type AmountWriting } from './fields.ts';

const FIELDS = ['type', 'account', 'toAccount', 'category', 'amount', 'description', 'frequency', 'every', 'weekday', 'monthDay', 'startOn', 'endOn', 'count'] as const;

/** What the schedule form shows back: exactly what the person typed. */
export type ScheduleFormValues = Record<(typeof FIELDS)[number], string>;

const optionalId = (repeated: 'validation.once.account' | 'validation.once.toAccount' | 'validation.once.category', error: 'validation.account.choose' | 'validation.category.choose') =>
  formText(repeated).pipe(z.union([z.literal('').transform(() => null), idText], { error }));

/** A whole number in a range written in digits, or null when empty. */
const optionalWhole = (min: number, max: number, error: 'validation.schedule.every' | 'validation.schedule.weekday' | 'validation.schedule.monthDay' | 'validation.schedule.count') =>
  formText('validation.once.number').transform((raw, ctx) => {
    const text = raw.trim();
    if (text === '') return null;
    const n = Number(text);
    if (/^\d{1,6}$/.test(text) && n >= min && n <= max) return n;
    addFieldIssue(ctx, error);
    return z.NEVER;
  });

/** The schedule form: what to post (read like a transaction or transfer) and the rule of when. */
const scheduleSchema = schemaPerWriting((writing) =>
  z.object({
    type: formText('validation.once.type').pipe(z.enum(['expense', 'income', 'transfer'], { error: 'validation.schedule.type' })),
    account: optionalId('validation.once.account', 'validation.account.choose'),
    toAccount: optionalId('validation.once.toAccount', 'validation.account.choose'),
    category: optionalId('validation.once.category', 'validation.category.choose'),
    amount: amountField(writing, 'positive'),
    description: descriptionField,
    frequency: formText('validation.once.frequency').pipe(z.enum(FREQUENCIES as ['days', 'weeks', 'months', 'years'], { error: 'validation.schedule.frequency' })),
    every: optionalWhole(1, MAX_INTERVAL, 'validation.schedule.every'),
    weekday: optionalWhole(0, 6, 'validation.schedule.weekday'),
    monthDay: optionalWhole(1, 31, 'validation.schedule.monthDay'),
    startOn: dayField,
    endOn: optionalDayField,
    count: optionalWhole(1, MAX_OCCURRENCES, 'validation.schedule.count'),
  }),
);

/**
 * Validates a schedule form into a draft, or a message per field. Every N defaults to 1; a weekly schedule without a
 * weekday, or a monthly one without a day, takes the start date's. An end before the start is refused here (the
 * rule itself would simply never occur).
 */
export function parseScheduleForm(
  body: unknown,
  writing: AmountWriting,
): { ok: true; value: ScheduleDraft; values: ScheduleFormValues } | { ok: false; errors: FieldErrors; values: ScheduleFormValues } {
  const values = typedValues(body, FIELDS);
  const parsed = parseForm(scheduleSchema(writing), body);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, values };
  const d = parsed.data;
  const errors: FieldErrors = {};
  if (d.account === null) errors.account = msg('validation.account.choose');
  if (d.type === 'transfer' && d.toAccount === null) errors.toAccount = msg('validation.account.choose');
  if (d.endOn !== null && d.endOn < d.startOn) errors.endOn = msg('validation.schedule.endBeforeStart');
  const rule = {
    frequency: d.frequency,
    interval: d.every ?? 1,
    startOn: d.startOn,
    weekday: d.frequency === 'weeks' ? (d.weekday ?? weekdayOf(d.startOn)) : null,
    monthDay: d.frequency === 'months' ? (d.monthDay ?? Number(d.startOn.slice(8, 10))) : null,
    endOn: d.endOn,
    maxCount: d.count,
  };
  // The form's checks cover every problem the rule can have; this is the domain's word on it, kept in step.
  if (recurrenceRuleProblem(rule) !== null) errors.frequency = msg('validation.schedule.frequency');
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return {
    ok: true,
    values,
    value: {
      type: d.type,
      accountId: d.account!,
      toAccountId: d.type === 'transfer' ? d.toAccount : null,
      categoryId: d.type === 'transfer' ? null : d.category,
      amountCents: d.amount,
      description: d.description,
      rule,
    },
  };
}

/** Blank values for a new monthly schedule starting today, in the given account. */
export function emptyScheduleForm(today: string, accountId: number | null): ScheduleFormValues {
  return {
    type: 'expense',
    account: accountId === null ? '' : String(accountId),
    toAccount: '',
    category: '',
    amount: '',
    description: '',
    frequency: 'months',
    every: '1',
    weekday: '',
    monthDay: '',
    startOn: today,
    endOn: '',
    count: '',
  };
}

/**
 * The values that show a schedule for editing, its amount written the person's way. With `followStart` (the edit
 * page), a weekday or day of the month that is the start date's own shows as "the start date's", as the new form
 * left it: moving the start then moves the day with it, instead of keeping a weekday nobody chose. The API merges
 * a PATCH with the stored values as they are.
 */
export function scheduleFormValuesFrom(schedule: Schedule, writing: Pick<AmountWriting, 'decimal'>, options: { followStart?: boolean } = {}): ScheduleFormValues {
  const text = (n: number | null) => (n === null ? '' : String(n));
  const startDay = Number(schedule.rule.startOn.slice(8, 10));
  const follows = options.followStart === true;
  return {
    type: schedule.type,
    account: String(schedule.accountId),
    toAccount: text(schedule.toAccountId),
    category: text(schedule.categoryId),
    amount: centsToInputText(schedule.amountCents, writing.decimal),
    description: schedule.description,
    frequency: schedule.rule.frequency,
    every: String(schedule.rule.interval),
    weekday: follows && schedule.rule.weekday === weekdayOf(schedule.rule.startOn) ? '' : text(schedule.rule.weekday),
    monthDay: follows && schedule.rule.monthDay === startDay ? '' : text(schedule.rule.monthDay),
    startOn: schedule.rule.startOn,
    endOn: schedule.rule.endOn ?? '',
    count: text(schedule.rule.maxCount),
  };
}

/** The occurrence a post-now or skip button names: its day, and which of the two. */
export const occurrenceActionSchema = z.object({
  on: formText('validation.once.date').pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)),
  action: formText('validation.once.action').pipe(z.enum(['post', 'skip'])),
});

/** The messages of a schedule the service refused because of its accounts or category (pages and the API alike). */
export function scheduleRefusal(problems: ScheduleProblems): FieldErrors {
  const errors: FieldErrors = {};
  if (problems.account) errors.account = msg(problems.account === 'archived' ? 'validation.account.archived' : 'validation.account.choose');
  if (problems.toAccount) {
    const key: MessageKey =
      problems.toAccount === 'archived' ? 'validation.account.archived' : problems.toAccount === 'same-account' ? 'validation.transfer.sameAccount' : 'validation.account.choose';
    errors.toAccount = msg(key);
  }
  if (problems.category) {
    errors.category = problems.category.code === 'wrong-kind' ? wrongKindCategoryMessage(problems.category.category) : msg('validation.category.choose');
  }
  if (problems.backlog) errors.startOn = msg('scheduled.form.backlog');
  if (problems.startOn) errors.startOn = msg('scheduled.form.tooFarBack', { max: problems.startOn.max });
  return errors;
}
