/** The languages Ledgerly speaks: each has a complete catalogue in src/locales/. */

/** Every language with a complete catalogue, in the order the language choice lists them. */
export const LANGUAGES = ['en', 'uk'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language named in itself, as the language choice shows it. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: 'English', uk: 'Українська' };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}
