import type { Request, RequestHandler, Response } from 'express';
import type { Clock } from '../../clock.ts';
import { dayAt, zoneResolver } from '../../domain/calendar.ts';
import { chartHelperFor } from '../chart-formats.ts';
import type { Flash, FlashCookies } from '../flash.ts';
import { csrfFieldMarkup, fieldErrorMarkupFor, type FieldErrorMarkup } from '../form-markup.ts';
import { chooseLanguage, LANGUAGE_NAMES, LANGUAGES, msg, type Language, type LanguageContext, type MessageKey, type MessageValues, type Msg } from '../i18n.ts';

/** Hands a flash to the cookie writer the locals middleware put on the response. */
function writeFlash(req: Request, flash: Flash): void {
  const res = req.res;
  if (!res) throw new Error('a flash needs the response');
  (res.locals.writeFlash as (flash: Flash) => void)(flash);
}

/** Sets a one-time message shown on the next page, translated there in that page's language. */
export function setFlash(req: Request, kind: 'success' | 'error', key: MessageKey, values?: MessageValues): void {
  writeFlash(req, { kind, message: msg(key, values) });
}

/** Sets a one-time message that ends with a link (an offer the person may take up). */
export function setFlashWithLink(req: Request, kind: 'success' | 'error', message: Msg, link: { href: string; label: Msg }): void {
  writeFlash(req, { kind, message, link });
}

/** Sets a one-time message of several sentences, each translated on its own and shown together; with `link`, an offer after them. */
export function setFlashMessages(req: Request, kind: 'success' | 'error', sentences: readonly Msg[], link?: { href: string; label: Msg }): void {
  writeFlash(req, { kind, message: sentences[0]!, more: sentences.slice(1), ...(link ? { link } : {}) });
}

/** Today in the time zone of the person the page is for (the instance's zone for visitors), by the app's clock. */
export function pageToday(res: Response): string {
  return (res.locals.today as () => string)();
}

/** The IANA zone of the page's person (the instance's zone for visitors and unknown stored zones). */
export function pageTimeZone(res: Response): string {
  return res.locals.timeZone as string;
}

/** The language and formats of the page being answered (set for every request by the locals middleware). */
export function pageLanguage(res: Response): LanguageContext {
  return res.locals.i18n as LanguageContext;
}

/**
 * The language of the browser (Accept-Language, else the default) for pages answered before the session is read
 * (an error in reading the session itself); the locals middleware refines it once the person is known. A body too
 * large to read is answered after it (middleware/body-errors.ts), in the person's own language.
 */
export function createEarlyLanguageMiddleware(options: {
  languages: Readonly<Record<Language, LanguageContext>>;
  defaultLanguage: Language;
}): RequestHandler {
  const fieldErrors = fieldErrorWriters(options.languages);
  return (req, res, next) => {
    const language = chooseLanguage({
      userLanguage: undefined,
      sessionLanguage: undefined,
      acceptLanguageHeader: req.headers['accept-language'],
      accepted: () => req.acceptsLanguages(...LANGUAGES),
      defaultLanguage: options.defaultLanguage,
    });
    const context = options.languages[language];
    Object.assign(res.locals, { i18n: context, lang: language, t: context.t, tHtml: context.tHtml, money: context.money, days: context.days, fieldError: fieldErrors[language] });
    next();
  };
}

/** One field message writer per language, made once. */
function fieldErrorWriters(languages: Readonly<Record<Language, LanguageContext>>): Record<Language, FieldErrorMarkup> {
  return Object.fromEntries(LANGUAGES.map((code) => [code, fieldErrorMarkupFor(languages[code].t)])) as Record<Language, FieldErrorMarkup>;
}

const instantFormats = new Map<string, (ms: number) => string>();

/** "Mar 15, 2026, 2:05 PM" in a locale and zone: when something happened (a sign-in, a security event). */
function instantFormatter(locale: string, timeZone: string): (ms: number) => string {
  const key = `${locale}|${timeZone}`;
  let format = instantFormats.get(key);
  if (!format) {
    const intl = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
    format = (ms) => intl.format(ms);
    instantFormats.set(key, format);
  }
  return format;
}

/**
 * Values every view may use: the user, the flash message, the CSRF token, and the request's language with its
 * translator (`t`), formats (`money`, `days`, `formatNumber`), chart writer (`chart`), and the markup of the CSRF field
 * (`csrfField()`) and of a field's message (`fieldError(id, message)`).
 */
export function createLocalsMiddleware(options: {
  languages: Readonly<Record<Language, LanguageContext>>;
  defaultLanguage: Language;
  generateCsrfToken: (req: Request) => string;
  clock: Clock;
  /** The instance's TIME_ZONE: days of visitors and of people who chose no zone. */
  defaultTimeZone: string;
  /** Where one-time messages travel between a form and the next page. */
  flash: FlashCookies;
}): RequestHandler {
  const languageChoices = LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code] }));
  const fieldErrors = fieldErrorWriters(options.languages);
  const chartHelpers = Object.fromEntries(LANGUAGES.map((code) => [code, chartHelperFor(options.languages[code])])) as Record<Language, ReturnType<typeof chartHelperFor>>;
  // A zone stored long ago may have left the tz database: the instance's zone stands in for it.
  const zoneOf = zoneResolver(options.defaultTimeZone);
  return (req, res, next) => {
    const language = chooseLanguage({
      userLanguage: req.user?.language,
      sessionLanguage: req.session?.language,
      acceptLanguageHeader: req.headers['accept-language'],
      accepted: () => req.acceptsLanguages(...LANGUAGES),
      defaultLanguage: options.defaultLanguage,
    });
    const context = options.languages[language];
    res.locals.i18n = context;
    res.locals.lang = language;
    res.locals.t = context.t;
    res.locals.tHtml = context.tHtml;
    res.locals.money = context.money;
    res.locals.days = context.days;
    res.locals.formatNumber = context.formatNumber;
    res.locals.chart = chartHelpers[language];
    res.locals.fieldError = fieldErrors[language];
    res.locals.languageChoices = languageChoices;
    res.locals.currentUser = req.user;
    const timeZone = zoneOf(req.user?.timeZone);
    res.locals.timeZone = timeZone;
    res.locals.formatInstant = instantFormatter(context.locale, timeZone);
    let today: string | undefined;
    res.locals.today = () => (today ??= dayAt(options.clock.now(), timeZone));
    res.locals.currentPath = req.path;
    // A form sent back with its errors (422), or a sign-in refused (401: the login form shown again), says so in its
    // title, the first thing a screen reader reads of a page.
    res.locals.formRefused = () => res.statusCode === 422 || res.statusCode === 401;
    // Pages with user data must not be kept by browsers or shared caches.
    res.set('Cache-Control', 'no-store');
    res.set('Content-Language', language);
    let token: string | undefined;
    // Generated only when a form is rendered, so plain reads create no session.
    const csrfToken = () => (token ??= options.generateCsrfToken(req));
    res.locals.csrfToken = csrfToken;
    res.locals.csrfField = () => csrfFieldMarkup(csrfToken());
    res.locals.flash = options.flash.take(req, res);
    res.locals.writeFlash = (flash: Flash) => options.flash.write(res, flash);
    next();
  };
}
