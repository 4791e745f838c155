import { z } from 'zod';
import { isCalendarDate } from '../domain/calendar.ts';
import { msg, type MessageKey, type MessageValues, type Msg } from './i18n.ts';

/** Field messages keyed by field name, translated by the page that shows them; empty when the form is valid. */
export type FieldErrors = Partial<Record<string, Msg>>;

/**
 * A form field sent at most once. Missing is '' (an unticked box, a field left out); sent twice or as anything but
 * text is the `repeated` message, so a crafted body gets a message beside the field, never a 500.
 */
export function formText(repeated: MessageKey) {
  return z.preprocess((value) => (value === undefined ? '' : value), z.string({ error: repeated }));
}

/**
 * Reports a field's problem from inside a zod transform: zod carries the catalogue key as the issue's message and
 * the placeholder values as its params, and fieldErrors turns them back into a message.
 */
export function addFieldIssue(ctx: z.RefinementCtx, key: MessageKey, values?: MessageValues): void {
  ctx.addIssue({ code: 'custom', message: key, ...(values ? { params: values } : {}) });
}

/** The first message of each field that failed, keyed by field name. */
function fieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '_form');
    const values = issue.code === 'custom' ? (issue.params as MessageValues | undefined) : undefined;
    // Every message a schema here can produce is a catalogue key (formText, enums and addFieldIssue all pass one).
    errors[field] ??= msg(issue.message as MessageKey, values);
  }
  return errors;
}

/** Parses a form body with a schema: the typed data, or a message per field. */
export function parseForm<S extends z.ZodType>(
  schema: S,
  body: unknown,
): { ok: true; data: z.output<S> } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(body !== null && typeof body === 'object' ? body : {});
  return result.success ? { ok: true, data: result.data } : { ok: false, errors: fieldErrors(result.error) };
}

/** The field's text if it was sent exactly once as a string; '' when missing; undefined when repeated or odd. */
export function textField(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  if (value === undefined) return '';
  return typeof value === 'string' ? value : undefined;
}

// Characters HTML forbids in a document (controls other than whitespace, noncharacters): a page that shows them
// back is invalid, and some browsers would not show the field at all.
const FORBIDDEN_IN_HTML = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff]/g;

/** Text as a page may show it back in a field: as typed, less the characters HTML cannot hold. */
export function displayable(text: string): string {
  return text.replace(FORBIDDEN_IN_HTML, '');
}

/** What a form shows back: each named field as the person typed it ('' for missing or repeated fields). */
export function typedValues<K extends string>(body: unknown, names: readonly K[]): Record<K, string> {
  return Object.fromEntries(names.map((name) => [name, displayable(textField(body, name) ?? '')])) as Record<K, string>;
}

/**
 * A date field's value shown back: the typed day when it is a real one, else empty, because a date input holds
 * only real days (its message says what was wrong with the text).
 */
export function dayFieldValue(text: string): string {
  return isCalendarDate(text) ? text : '';
}

/**
 * The type a month field is written with to show `text` back: `month` when such a field can hold it (YYYY-MM with a
 * year from 0001: 0001-01 and 9999-12 too, which a report refuses as out of its range), else `text`. A month field
 * shows nothing for what it cannot hold ("2026-13"), and the person would not see what its message is about.
 */
export function monthFieldType(text: string): 'month' | 'text' {
  return /^\d{4,}-(?:0[1-9]|1[0-2])$/.test(text) && !/^0+-/.test(text) ? 'month' : 'text';
}

/** Only local paths may be redirect targets, so a crafted link cannot send a user to another site. */
export function safeLocalPath(candidate: unknown, fallback: string): string {
  if (typeof candidate !== 'string') return fallback;
  if (!candidate.startsWith('/') || candidate.startsWith('//') || candidate.includes('\\')) return fallback;
  if (/[\u0000-\u001f\u007f]/.test(candidate)) return fallback;
  return candidate.length <= 2000 ? candidate : fallback;
}

/**
 * A path a form returns to: local (safeLocalPath) and one of the pages the form may come from (`allowed`), else
 * `fallback`. One rule for every form with a way back, each naming its own pages.
 */
export function returnPath(raw: unknown, allowed: RegExp, fallback: string): string {
  const path = safeLocalPath(raw, fallback);
  return allowed.test(path) ? path : fallback;
}

/** The id rule below, every problem reported as `error` when one is given (zod's own English otherwise). */
function idTextReporting(error?: MessageKey) {
  const options = error === undefined ? {} : { error };
  return z
    .string(options)
    .regex(/^[1-9]\d{0,15}$/, options)
    .refine((text) => Number.isSafeInteger(Number(text)), options)
    .transform(Number);
}

/**
 * A positive whole-number id as written in a path or form: at most 16 digits and a safe integer. The integer check
 * runs on the text, before the number is made: a check after a transform is one a union reports with zod's own
 * English ("Invalid input") instead of the union's message.
 */
export const idText = idTextReporting();

/**
 * An id chosen from a list (a select of the person's accounts), by idText's rule, whose every problem (missing, not a
 * number, beyond any id) is `error`. A union of idText alone did not do: zod reports a one-member union's own
 * problem, so the person read zod's English regex message instead of the union's.
 */
export function idChoice(error: MessageKey) {
  return idTextReporting(error);
}
