import { z } from 'zod';

/** Field messages keyed by field name; empty when the form is valid. */
export type FieldErrors = Partial<Record<string, string>>;

/**
 * A form field sent at most once. Missing is '' (an unticked box, a field left out); sent twice or as anything but
 * text is the `repeated` message, so a crafted body gets a message beside the field, never a 500.
 */
export function formText(repeated: string) {
  return z.preprocess((value) => (value === undefined ? '' : value), z.string({ error: repeated }));
}

/** The first message of each field that failed, keyed by field name. */
function fieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '_form');
    errors[field] ??= issue.message;
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

/** What a form shows back: each named field as the person typed it ('' for missing or repeated fields). */
export function typedValues<K extends string>(body: unknown, names: readonly K[]): Record<K, string> {
  return Object.fromEntries(names.map((name) => [name, textField(body, name) ?? ''])) as Record<K, string>;
}

/** Only local paths may be redirect targets, so a crafted link cannot send a user to another site. */
export function safeLocalPath(candidate: unknown, fallback: string): string {
  if (typeof candidate !== 'string') return fallback;
  if (!candidate.startsWith('/') || candidate.startsWith('//') || candidate.includes('\\')) return fallback;
  if (/[\u0000-\u001f\u007f]/.test(candidate)) return fallback;
  return candidate.length <= 2000 ? candidate : fallback;
}

/** A positive whole-number id as written in a path or form: at most 16 digits and a safe integer. */
export const idText = z
  .string()
  .regex(/^[1-9]\d{0,15}$/)
  .transform(Number)
  .refine(Number.isSafeInteger);
