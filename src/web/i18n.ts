/**
 * The languages Ledgerly speaks: the catalogues (src/locales/*.json) behind one i18next instance, the typed keys
 * code may use, and choosing a person's language. Text is translated as late as possible: routes and forms hand
 * the views messages (a key and its values), and the view translates them in the language of the request, so a
 * flash message or a form error reads in the language the page is shown in.
 */
import i18next, { type TOptions } from 'i18next';
import { createDayFormatter, type DayFormatter } from '../domain/calendar.ts';
import { isLanguage, LANGUAGES, type Language } from '../domain/languages.ts';
import { createMoneyFormatter, decimalSeparatorOf, groupsWithSpaces, type DecimalSeparator, type MoneyFormatter } from '../domain/money.ts';
import en from '../locales/en.json' with { type: 'json' };
import uk from '../locales/uk.json' with { type: 'json' };

export { LANGUAGE_NAMES, LANGUAGES, type Language } from '../domain/languages.ts';

/** The locale whose number and date formats a language uses when LOCALE names another language. */
const DEFAULT_LOCALES: Readonly<Record<Language, string>> = { en: 'en-US', uk: 'uk-UA' };


/**
 * The Intl locale of a language: the instance's LOCALE when it is a variant of that language (en-GB for English,
 * say), else the language's usual one.
 */
export function localeFor(language: Language, instanceLocale: string): string {
  return instanceLocale.toLowerCase().split('-')[0] === language ? instanceLocale : DEFAULT_LOCALES[language];
}

/** CLDR plural categories i18next appends to a key (`rows_one`, `rows_few`, ...). */
type PluralSuffix = 'zero' | 'one' | 'two' | 'few' | 'many' | 'other';
type WithoutPlural<K extends string> = K extends `${infer Base}_${PluralSuffix}` ? Base : K;
type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? WithoutPlural<`${Prefix}${K}`> : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** A key of the English catalogue (the reference every other catalogue must match); plural keys by their base. */
export type MessageKey = Leaves<typeof en>;
export type MessageValues = Readonly<Record<string, string | number>>;

/** Text to show, not yet in a language: a catalogue key and the values of its placeholders. */
export interface Msg {
  readonly key: MessageKey;
  readonly values?: MessageValues;
}

/** A message with its values. */
export function msg(key: MessageKey, values?: MessageValues): Msg {
  return values === undefined ? { key } : { key, values };
}

/** Translates a key or a message in one language; `count` among the values picks the plural form. */
export type Translate = (text: MessageKey | Msg, values?: MessageValues) => string;

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/**
 * Translates a catalogue entry that holds markup (its key ends in `Html`, such as a sentence with a link in it) for
 * output with `<%-`: the entry is ours, and every value put into it is escaped first.
 */
export function translateHtml(t: Translate, key: MessageKey, values: MessageValues = {}): string {
  const escaped = Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, typeof value === 'string' ? value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!) : value]),
  );
  return t(key, escaped);
}

/** Shown for a key no catalogue has, so a missing translation is visible and the tests can find it. */
export const MISSING_KEY_MARK = '⟦missing:';

const RESOURCES: Readonly<Record<Language, { translation: unknown }>> = { en: { translation: en }, uk: { translation: uk } };

const i18n = i18next.createInstance();
void i18n.init({
  resources: RESOURCES as Record<Language, { translation: typeof en }>,
  lng: 'en',
  supportedLngs: [...LANGUAGES],
  fallbackLng: 'en',
  initAsync: false,
  // EJS escapes on output (<%= %>); escaping here as well would show &amp; on the page.
  interpolation: { escapeValue: false },
  returnNull: false,
  returnEmptyString: false,
  parseMissingKeyHandler: (key: string) => `${MISSING_KEY_MARK}${key}⟧`,
  // Catalogue keys are plain dotted paths; a colon in a message is never a namespace.
  nsSeparator: false,
});

// i18next's built-in `number` format keys its cache of Intl formatters by the whole options object, values
// included, so every new count would add an entry for ever (and stringifying the key costs more than the lookup).
// One NumberFormat per language serves every `{{count, number}}` instead.
const numberFormats = new Map<string, Intl.NumberFormat>();
i18n.services.formatter?.add('number', (value: unknown, lng: string | undefined) => {
  const language = lng ?? 'en';
  let format = numberFormats.get(language);
  if (!format) numberFormats.set(language, (format = new Intl.NumberFormat(language, { maximumFractionDigits: 20 })));
  return typeof value === 'number' ? format.format(value) : String(value);
});

const translators = new Map<Language, Translate>();

/**
 * i18next's own rendering of an entry, which translatorFor must match (the tests compare the two on every entry). The
 * one difference is on purpose: translatorFor writes a single full stop where a value ending in one closes a sentence.
 */
export function referenceTranslate(language: Language, key: string, values?: MessageValues): string {
  return i18n.t(key, { ...values, lng: language } as TOptions) as string;
}

/** `{{name}}` or `{{name, number}}`: the only placeholders the catalogues use (test/unit/catalogues.test.ts). */
const PLACEHOLDER = /\{\{\s*(\w+)\s*(?:,\s*(number)\s*)?\}\}/g;

/** A catalogue text split at its `{{name}}` and `{{name, number}}` placeholders: literals around slots. */
interface Compiled {
  /** The text as it stands, what a call without values gets. */
  readonly text: string;
  readonly literals: readonly string[];
  readonly slots: readonly { readonly name: string; readonly number: boolean; readonly whole: string }[];
}

function compile(text: string): Compiled {
  const literals: string[] = [];
  const slots: { name: string; number: boolean; whole: string }[] = [];
  let at = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    literals.push(text.slice(at, match.index));
    slots.push({ name: match[1]!, number: match[2] === 'number', whole: match[0] });
    at = match.index + match[0].length;
  }
  literals.push(text.slice(at));
  return { text, literals, slots };
}

/**
 * The text after a placeholder, without its opening full stop when the value already ends with one: a sentence that
 * closes on a date or month ending in an abbreviation ("… по грудень 2026 р.") gets one full stop, not "р..".
 */
export function withoutDoubledStop(value: string, after: string): string {
  return after.startsWith('.') && !after.startsWith('..') && value.endsWith('.') ? after.slice(1) : after;
}

/**
 * The translator of one language (made once per language).
 *
 * Why not simply i18next's t: a page asks for dozens of entries, and a list page for four per row, while i18next
 * spends 4-12 µs on each call that has values (it re-resolves the language hierarchy, runs its nesting pass and
 * copies its options), which would be a millisecond of CPU per list page. So i18next stays the store and the
 * reference (loading, fallback to English, CLDR plural rules through Intl.PluralRules), and this function finds an
 * entry's text once per key and plural form, then fills its `{{name}}` placeholders itself. An entry with anything
 * else in it would go through i18next's own t.
 */
export function translatorFor(language: Language): Translate {
  let translate = translators.get(language);
  if (!translate) {
    const numbers = new Intl.NumberFormat(language, { maximumFractionDigits: 20 });
    const plurals = new Intl.PluralRules(language);
    // The text of each key (or key_plural-form) split at its placeholders, or null when only i18next's t can render
    // it. Split once: a list page fills four texts a row, and a regular expression with a callback each time was a
    // sixth of its route.
    const texts = new Map<string, Compiled | null>();
    const textOf = (key: string): Compiled | null => {
      let text = texts.get(key);
      if (text === undefined) {
        const found = i18n.getResource(language, 'translation', key) ?? i18n.getResource('en', 'translation', key);
        text = typeof found === 'string' && !found.replace(PLACEHOLDER, '').includes('{{') && !found.includes('$t(') ? compile(found) : null;
        texts.set(key, text);
      }
      return text;
    };
    const fill = (text: Compiled, values: MessageValues): string => {
      let out = text.literals[0]!;
      for (let i = 0; i < text.slots.length; i++) {
        const slot = text.slots[i]!;
        const value = values[slot.name];
        const written = value === undefined ? slot.whole : slot.number && typeof value === 'number' ? numbers.format(value) : String(value);
        out += written + withoutDoubledStop(written, text.literals[i + 1]!);
      }
      return out;
    };
    translate = (message, extra) => {
      const key = typeof message === 'string' ? message : message.key;
      const values = typeof message === 'string' ? extra : message.values && extra ? { ...message.values, ...extra } : (message.values ?? extra);
      const count = values?.count;
      const text = textOf(typeof count === 'number' ? `${key}_${plurals.select(count)}` : key);
      if (text !== null) return values && text.slots.length > 0 ? fill(text, values) : text.text;
      return i18n.t(key, { ...values, lng: language } as TOptions) as string;
    };
    translators.set(language, translate);
  }
  return translate;
}

/**
 * The language of a request: the signed-in person's setting, else the one chosen on the login page for this
 * session, else the best match of the browser's Accept-Language, else the instance default.
 */
export function chooseLanguage(options: {
  userLanguage: string | null | undefined;
  sessionLanguage: string | undefined;
  acceptLanguageHeader: string | undefined;
  accepted: () => string | false;
  defaultLanguage: Language;
}): Language {
  if (isLanguage(options.userLanguage)) return options.userLanguage;
  if (isLanguage(options.sessionLanguage)) return options.sessionLanguage;
  if (options.acceptLanguageHeader) {
    const best = options.accepted();
    if (isLanguage(best)) return best;
  }
  return options.defaultLanguage;
}

/** Everything a page needs to speak and write numbers in one language. */
export interface LanguageContext {
  readonly language: Language;
  /** The Intl locale of numbers, amounts and dates. */
  readonly locale: string;
  readonly t: Translate;
  /** Translates an `...Html` entry for `<%-` output, escaping the values (see translateHtml). */
  readonly tHtml: (key: MessageKey, values?: MessageValues) => string;
  readonly money: MoneyFormatter;
  readonly days: DayFormatter;
  /** How the locale writes a decimal point, which amount fields accept and show. */
  readonly decimal: DecimalSeparator;
  /** Cents as plain digits with the locale's separators, no currency ("1,234.50" or "1 234,50"). */
  readonly formatPlain: (cents: number) => string;
  /** The locale groups thousands with spaces ("1 234,50"), so a typed dot groups nothing. */
  readonly groupsWithSpaces: boolean;
  /** A whole number with the locale's grouping ("1,234" or "1 234"). */
  readonly formatNumber: (n: number) => string;
  /** A phrase written for the middle of a sentence ("over by $5"), where it starts a line of its own: "Over by $5". */
  readonly atLineStart: (text: string) => string;
  /** The locale writes the month before the day in numeric dates (en-US "12/31/2026"; en-GB and uk-UA day first). */
  readonly monthFirst: boolean;
}

/** Whether a locale's short numeric date puts the month before the day. */
function writesMonthFirst(locale: string): boolean {
  const parts = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'UTC' }).formatToParts(Date.UTC(2026, 11, 31));
  return parts.findIndex((p) => p.type === 'month') < parts.findIndex((p) => p.type === 'day');
}

/** One context per language for an instance's LOCALE and CURRENCY, built once. */
export function createLanguageContexts(instance: { locale: string; currency: string }): Readonly<Record<Language, LanguageContext>> {
  const make = (language: Language): LanguageContext => {
    const locale = localeFor(language, instance.locale);
    const numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    const money = createMoneyFormatter(locale, instance.currency);
    const t = translatorFor(language);
    return Object.freeze({
      language,
      locale,
      t,
      tHtml: (key: MessageKey, values?: MessageValues) => translateHtml(t, key, values),
      money,
      formatPlain: (cents: number) => money.formatCentsPlain(cents),
      days: createDayFormatter(locale),
      decimal: decimalSeparatorOf(locale),
      groupsWithSpaces: groupsWithSpaces(locale),
      formatNumber: (n: number) => numbers.format(n),
      atLineStart: (text: string) => text.charAt(0).toLocaleUpperCase(locale) + text.slice(1),
      monthFirst: writesMonthFirst(locale),
    });
  };
  return Object.freeze(Object.fromEntries(LANGUAGES.map((language) => [language, make(language)])) as Record<Language, LanguageContext>);
}
