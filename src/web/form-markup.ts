/**
 * The two pieces of markup nearly every form repeats, written as strings rather than EJS partials: a page includes
 * them once per form and once per field (the transaction form has seven fields, the dashboard lists up to eight
 * scheduled occurrences with a form each), and every include is a template call with its own copy of the locals.
 */
import { escapeHtml } from './escape.ts';
import type { MessageKey, Msg, Translate } from './i18n.ts';

/** The hidden field carrying the form's CSRF token. */
export function csrfFieldMarkup(token: string): string {
  return `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
}

/** A field's message, or nothing when it has none: `fieldError('tx-amount', errors.amount)` in a view. */
export type FieldErrorMarkup = (id: string, error: MessageKey | Msg | undefined | null | false) => string;

/**
 * The field message writer of one language. The paragraph's id is what the field's `aria-describedby` names
 * (`<id>-error`); the warning sign is hidden from screen readers, which announce the text alone.
 */
export function fieldErrorMarkupFor(t: Translate): FieldErrorMarkup {
  return (id, error) =>
    error ? `<p class="field__error" id="${escapeHtml(id)}-error"><span aria-hidden="true">\u26a0 </span>${escapeHtml(t(error))}</p>` : '';
}
