/** A parsed form body: querystring gives strings, or arrays when a field is repeated. */
export type FormBody = Record<string, unknown>;

/** The field's text if it was sent exactly once as a string; '' when missing; undefined when repeated or odd. */
export function textField(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object') return '';
  const value = (body as FormBody)[name];
  if (value === undefined) return '';
  return typeof value === 'string' ? value : undefined;
}

/** Field messages keyed by field name; empty when the form is valid. */
export type FieldErrors = Partial<Record<string, string>>;

/** Only local paths may be redirect targets, so a crafted link cannot send a user to another site. */
export function safeLocalPath(candidate: unknown, fallback: string): string {
  if (typeof candidate !== 'string') return fallback;
  if (!candidate.startsWith('/') || candidate.startsWith('//') || candidate.includes('\\')) return fallback;
  if (/[\u0000-\u001f\u007f]/.test(candidate)) return fallback;
  return candidate.length <= 2000 ? candidate : fallback;
}
