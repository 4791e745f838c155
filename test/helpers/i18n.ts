import { createLanguageContexts, type LanguageContext, type Msg } from '../../src/web/i18n.ts';

/** The two languages as a default instance (LOCALE en-US, CURRENCY USD) speaks them. */
export const LANGUAGES_USD = createLanguageContexts({ locale: 'en-US', currency: 'USD' });
export const english: LanguageContext = LANGUAGES_USD.en;
export const ukrainian: LanguageContext = LANGUAGES_USD.uk;

/** A message as an English page shows it; '' for none. */
export function inEnglish(message: Msg | undefined): string {
  return message ? english.t(message) : '';
}

/** A message as a Ukrainian page shows it; '' for none. */
export function inUkrainian(message: Msg | undefined): string {
  return message ? ukrainian.t(message) : '';
}
