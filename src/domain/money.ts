/**
 * Money: amounts are integer cents, parsed from the text a person typed or a file held, never through floating
 * point, and formatted with Intl from a decimal string so no float ever touches them.
 */

/** The largest amount one transaction may hold: one billion in major units. */
export const MAX_AMOUNT_CENTS = 100_000_000_000;

/**
 * The most a person's incomes, or their expenses, may add up to in all: 2^52 cents (45 trillion in a currency of
 * cents). Every sum the app shows is part of one of these two, or their difference, so each stays a safe integer
 * and is written exactly; past it a page could only fail or round. The database refuses a write that would cross it.
 */
export const MAX_TOTAL_CENTS = 2 ** 52;

/** The message the database raises for such a write. */
export const TOTALS_TOO_LARGE = 'ledgerly: totals too large';

/** True when a write was refused because it would take a person's totals past MAX_TOTAL_CENTS. */
export function isTotalsTooLarge(err: unknown): boolean {
  return err instanceof Error && err.message.includes(TOTALS_TOO_LARGE);
}

/** Which character separates whole units from cents. */
export type DecimalSeparator = 'dot' | 'comma';

/**
 * What a sign in front of the amount means: `unsigned` refuses a minus (a form, where the type says which way
 * the money goes); `signed` accepts a leading minus or plus and reports it (a bank file, where it may be the type).
 */
export type SignConvention = 'unsigned' | 'signed';

export interface AmountOptions {
  readonly decimal: DecimalSeparator;
  readonly sign: SignConvention;
  /**
   * With a decimal comma, thousands may be grouped by spaces or by dots ("1.250,00", as bank files write them).
   * `spaces` allows only spaces: what a person types into a form in a locale that groups with spaces (Ukrainian),
   * where "12.500" is far likelier a mistyped 12,50 than twelve thousand five hundred, and is refused rather than
   * read as 12 500. A locale that groups with dots (de-DE) keeps them.
   */
  readonly groups?: 'spaces';
  /** With `signed`, bank files' other ways of writing a negative amount too: "(12.50)" and a trailing "12.50-". */
  readonly accountingNegatives?: boolean;
}

/** Why a text is not an amount; the caller words it for its page or file. */
export type AmountProblem =
  | 'empty'
  | 'negative'
  | 'malformed'
  /** One mark of the other convention before one or two final digits ("12.50" where decimals take a comma): its
   * meaning is plain, but which convention the person meant elsewhere is not, so it is refused with the fix. */
  | 'other-decimal-mark'
  | 'too-many-decimals'
  | 'missing-cents'
  | 'zero'
  | 'too-large';

export type AmountParse =
  | { readonly ok: true; readonly cents: number; readonly negative: boolean }
  | { readonly ok: false; readonly problem: AmountProblem };

/** What a form accepts: a dot for decimals, commas between thousands, no sign. */
export const FORM_AMOUNT: AmountOptions = Object.freeze({ decimal: 'dot', sign: 'unsigned' });

/** The decimal separator a locale writes ("1.5" in en-US, "1,5" in uk-UA), read from Intl rather than listed. */
export function decimalSeparatorOf(locale: string): DecimalSeparator {
  const part = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal');
  return part?.value === ',' ? 'comma' : 'dot';
}

/**
 * Whether a locale groups thousands with a space of some kind ("1 234,56" in uk-UA and fr-FR) rather than a dot
 * ("1.234,56" in de-DE, en-DE, nl-NL) or a comma.
 */
export function groupsWithSpaces(locale: string): boolean {
  const group = new Intl.NumberFormat(locale).formatToParts(1234567).find((part) => part.type === 'group');
  return group !== undefined && /^\s$/u.test(group.value);
}

/**
 * What an amount field accepts from a person writing in a locale: its decimal separator and its grouping (a dot
 * locale groups with commas; a comma locale with spaces, or with dots where the locale itself writes them so), never
 * a sign.
 */
export function formAmountOptions(locale: string): AmountOptions {
  if (decimalSeparatorOf(locale) === 'dot') return FORM_AMOUNT;
  return Object.freeze(groupsWithSpaces(locale) ? { decimal: 'comma', sign: 'unsigned', groups: 'spaces' } : { decimal: 'comma', sign: 'unsigned' });
}

/** Cents as a person of the locale types them into an amount field: "1234.50" or "1234,50", no grouping. */
export function centsToInputText(cents: number, decimal: DecimalSeparator): string {
  const text = centsToDecimalString(cents);
  return decimal === 'comma' ? text.replace('.', ',') : text;
}

// Digits either plain or grouped in threes by the thousands separator, then any number of decimals (so "1.005"
// is recognised and refused for its three decimals rather than for being malformed).
const PATTERNS: Record<DecimalSeparator, RegExp> = {
  dot: /^(?:(\d+)|(\d{1,3}(?:,\d{3})+))(?:\.(\d*))?$/,
  comma: /^(?:(\d+)|(\d{1,3}(?:[. \u00a0\u202f]\d{3})+))(?:,(\d*))?$/,
};
const COMMA_SPACE_GROUPS = /^(?:(\d+)|(\d{1,3}(?:[ \u00a0\u202f]\d{3})+))(?:,(\d*))?$/;
/** The marks a convention's pattern takes between groups of thousands (a comma locale's spaces, or a file's dots). */
const GROUP_MARKS: Record<DecimalSeparator, RegExp> = { dot: /^,$/, comma: /^[. \u00a0\u202f]$/ };

/**
 * The amount as it would be written with `decimal` when its one mark of the other convention stands before one or
 * two final digits, where that mark cannot group thousands ("12.50" with a comma is "12,50"), or when its one mark,
 * of either kind, follows nothing but zeros, which no one groups ("0,001" with a dot is "0.001", "0 500" with a comma
 * "0,500"); otherwise undefined.
 */
export function otherDecimalMark(input: string, decimal: DecimalSeparator): string | undefined {
  // A sign (a balance may have one) stays as it was typed, in front of the fixed number.
  const [, sign = '', text = ''] = /^([+-]\s*)?(.*)$/s.exec(input.trim()) ?? [];
  const fixed = numberWithOwnMark(text, decimal);
  return fixed === undefined ? undefined : `${sign}${fixed}`;
}

/** The unsigned number written with the locale's own mark, when its one other mark can only be a decimal mark. */
function numberWithOwnMark(text: string, decimal: DecimalSeparator): string | undefined {
  const [other, own] = decimal === 'comma' ? ['.', ','] : [',', '.'];
  const zeroLed = /^(0+)(\D)(\d+)$/.exec(text);
  if (zeroLed && (zeroLed[2] === other || GROUP_MARKS[decimal].test(zeroLed[2]!))) return `${zeroLed[1]}${own}${zeroLed[3]}`;
  const at = text.indexOf(other);
  if (at < 0 || at !== text.lastIndexOf(other) || text.includes(own) || !/^\d{1,2}$/.test(text.slice(at + 1))) return undefined;
  const swapped = `${text.slice(0, at)}${own}${text.slice(at + 1)}`;
  return PATTERNS[decimal].test(swapped.startsWith(own) ? `0${swapped}` : swapped) ? swapped : undefined;
}

/**
 * Parses an amount into positive integer cents with string arithmetic only: "12", "12.5", "1,234.56" or ".75"
 * with a dot; "1.234,56" or "1 234,56" with a comma. Zero, more than two decimals and amounts above
 * MAX_AMOUNT_CENTS are refused. Surrounding spaces are ignored.
 */
export function parseAmount(input: string, options: AmountOptions): AmountParse {
  // The minus sign (U+2212) is the one the pages write before a negative amount, and some banks' files use it too.
  let text = input.trim().replaceAll('\u2212', '-');
  if (text === '') return { ok: false, problem: 'empty' };
  let negative = false;
  if (options.sign === 'signed' && options.accountingNegatives) {
    const bracketed = /^\((.*)\)$/s.exec(text);
    if (bracketed) {
      negative = true;
      text = bracketed[1]!.trim();
    } else if (text.endsWith('-') && !text.startsWith('-') && !text.startsWith('+')) {
      negative = true;
      text = text.slice(0, -1).trimEnd();
    }
    // A sign inside the brackets, or a second one, is not a number.
    if (negative && /^[-+]|[-+]$/.test(text)) return { ok: false, problem: 'malformed' };
  }
  if (options.sign === 'signed' && !negative && (text.startsWith('-') || text.startsWith('+'))) {
    negative = text.startsWith('-');
    text = text.slice(1).trimStart();
  } else if (text.startsWith('-')) {
    return { ok: false, problem: 'negative' };
  }
  const point = options.decimal === 'dot' ? '.' : ',';
  if (text.startsWith(point)) text = `0${text}`;
  const pattern = options.decimal === 'comma' && options.groups === 'spaces' ? COMMA_SPACE_GROUPS : PATTERNS[options.decimal];
  const match = pattern.exec(text);
  if (!match) {
    // "12." where decimals take a comma (or "12," where they take a dot): a number, then a decimal mark with nothing
    // after it, as "12," is where the mark is the locale's own.
    const other = options.decimal === 'comma' ? '.' : ',';
    if (text.endsWith(other) && pattern.exec(text.slice(0, -1))?.[3] === undefined && pattern.test(text.slice(0, -1))) {
      return { ok: false, problem: 'missing-cents' };
    }
    return { ok: false, problem: otherDecimalMark(text, options.decimal) !== undefined ? 'other-decimal-mark' : 'malformed' };
  }
  // Thousands grouped after a zero ("0,001", "0 500") are no one's way of writing a number: its mark is a decimal one.
  if (match[2] !== undefined && /^0+\D/.test(match[2])) {
    return { ok: false, problem: otherDecimalMark(text, options.decimal) !== undefined ? 'other-decimal-mark' : 'malformed' };
  }
  const integerDigits = (match[1] ?? match[2] ?? '').replace(/\D/g, '');
  const fraction = match[3] ?? '';
  if (fraction.length > 2) return { ok: false, problem: 'too-many-decimals' };
  if (match[3] !== undefined && fraction.length === 0) return { ok: false, problem: 'missing-cents' };
  const significant = integerDigits.replace(/^0+(?=\d)/, '');
  // Twelve integer digits are already over the limit, and short strings keep Number() exact.
  if (significant.length > 12) return { ok: false, problem: 'too-large' };
  const cents = Number(significant) * 100 + Number(fraction.padEnd(2, '0'));
  if (cents === 0) return { ok: false, problem: 'zero' };
  if (cents > MAX_AMOUNT_CENTS) return { ok: false, problem: 'too-large' };
  return { ok: true, cents, negative };
}

/** Writes cents as a plain decimal with a dot and two places, e.g. -123450 -> "-1234.50"; exact for any safe integer. */
export function centsToDecimalString(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not a whole number of cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const units = Math.trunc(abs / 100);
  const rest = abs % 100;
  return `${sign}${units}.${String(rest).padStart(2, '0')}`;
}

/**
 * A negative amount as people read it: with the minus sign (U+2212), as a row's amount is written beside it, where
 * most locales' number formats give a hyphen. Only amounts that are read, never one a form is filled with.
 */
function withMinusSign(cents: number, text: string): string {
  return cents < 0 ? text.replace('-', '\u2212') : text;
}

/** How many formatted amounts a money formatter keeps. */
const MONEY_TEXTS_KEPT = 4096;

/** Formats cents in a currency and locale; exact because Intl receives a decimal string, not a float. */
export function createMoneyFormatter(locale: string, currency: string) {
  const currencyFormat = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const plainFormat = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  // Axis labels name the currency as every other amount on the page does ("20 USD" beside "88,00 USD" in Ukrainian,
  // not "20 $"): the same currency display as currencyFormat, with fewer digits. Made when first asked for.
  const axisFormats = new Map<string, Intl.NumberFormat>();
  const axisFormat = (compact: boolean, digits: number) => {
    const key = `${compact}|${digits}`;
    let format = axisFormats.get(key);
    if (!format) {
      format = new Intl.NumberFormat(locale, { style: 'currency', currency, ...(compact ? { notation: 'compact' as const } : {}), minimumFractionDigits: compact ? 0 : digits, maximumFractionDigits: digits });
      axisFormats.set(key, format);
    }
    return format;
  };
  // Intl.NumberFormat accepts decimal strings exactly; the lib types only list number | bigint.
  type Formattable = Parameters<Intl.NumberFormat['format']>[0];
  // Formatting a decimal string costs a microsecond or two, and a page writes the same amounts again and again
  // (a chart's tooltip and table, a total on every visit): the last few thousand are kept, then forgotten at once.
  const written = new Map<number, string>();
  let writing: MoneyWriting | undefined;
  return {
    /** The ISO 4217 code of the currency every amount is in ("USD"). */
    currency,
    /** "$1,234.50" style, with the currency. */
    formatCents(cents: number): string {
      let text = written.get(cents);
      if (text === undefined) {
        text = withMinusSign(cents, currencyFormat.format(centsToDecimalString(cents) as unknown as Formattable));
        if (written.size >= MONEY_TEXTS_KEPT) written.clear();
        written.set(cents, text);
      }
      return text;
    },
    /**
     * formatCents for an amount inside a sentence: a word joiner (U+2060) holds the minus sign to the amount, which a
     * phone's narrow line otherwise broke between them ("-" at one line's end, "$1,010.00" at the next's start).
     */
    formatCentsInText(cents: number): string {
      const text = this.formatCents(cents);
      return cents < 0 ? text.replace('\u2212', '\u2212\u2060') : text;
    },
    /**
     * formatCents for a narrow table cell: a line may break before a currency code written after the figure
     * ("273 947,31" then "USD"), never inside the figure. Amounts written with a symbol ("$1,200.00") are unchanged.
     */
    formatCentsInCell(cents: number): string {
      return this.formatCents(cents).replace(/\u00a0(?=[A-Z]{3}$)/, ' ');
    },
    /** The labels of one chart axis's ticks ("$0", "$500", "$1K", "$1.5K"), each exact, in the page's currency display. */
    formatAxisCents(ticks: readonly number[]): string[] {
      const write = (format: Intl.NumberFormat) => ticks.map((cents) => withMinusSign(cents, format.format(centsToDecimalString(cents) as unknown as Formattable)));
      // Below a thousand, ticks are written as amounts are, in whole units when every tick is one ("$20", "$40") and
      // otherwise with both cent digits ("$0.20", "$0.40"; "$0.2" is no way to write money). Whole units read best and
      // a nice scale over more than a unit has them; a smaller scale (a chart of cents) needs its cents to tell its
      // ticks apart, and rounding them to units would give every tick the same "$0".
      if (ticks.every((cents) => Math.abs(cents) < 100_000)) return write(axisFormat(false, ticks.every((cents) => cents % 100 === 0) ? 0 : 2));
      // From a thousand, compactly ("$1.5K", "1,5 tys. USD" in Ukrainian), with as few decimals as keep every tick exact: one digit
      // fewer turned 1.5K and 2.5K into "2K" and "3K", and a label that is not its tick misreads the whole axis.
      const exact = write(axisFormat(true, 3));
      for (const digits of [0, 1, 2]) {
        const labels = write(axisFormat(true, digits));
        if (labels.every((label, i) => label === exact[i])) return labels;
      }
      return exact;
    },
    /** "1,234.50" style, without the currency. */
    formatCentsPlain(cents: number): string {
      return plainFormat.format(centsToDecimalString(cents) as unknown as Formattable);
    },
    /** How formatCents writes an amount, in pieces a page's script can follow to write the very same text. */
    writing(): MoneyWriting {
      return (writing ??= moneyWritingOf(currencyFormat));
    },
  };
}

/**
 * How a formatter writes an amount, taken apart: what stands before and after the digits of a positive and of a
 * negative amount (the currency and the sign, U+2212 as formatCents writes it), the separators, the sizes of the
 * digit groups (3, or 3 then 2 in hi-IN), how many digits a number needs before it is grouped at all, and the ten
 * digits. A browser's own Intl may know another symbol ("грн" where the server writes "₴"), so a script that updates
 * an amount in place follows this rather than formatting it itself.
 */
export interface MoneyWriting {
  readonly positive: { readonly before: string; readonly after: string };
  readonly negative: { readonly before: string; readonly after: string };
  readonly group: string;
  readonly decimal: string;
  readonly primaryGroup: number;
  readonly secondaryGroup: number;
  readonly minimumGroupedDigits: number;
  readonly digits: string;
}

function moneyWritingOf(format: Intl.NumberFormat): MoneyWriting {
  type Formattable = Parameters<Intl.NumberFormat['format']>[0];
  const partsOf = (text: string) => format.formatToParts(text as unknown as Formattable);
  const NUMBER = new Set(['integer', 'group', 'decimal', 'fraction']);
  const text = (parts: Intl.NumberFormatPart[]) => parts.map((p) => (p.type === 'minusSign' ? p.value.replace('-', '\u2212') : p.value)).join('');
  const around = (parts: Intl.NumberFormatPart[]) => {
    const first = parts.findIndex((p) => NUMBER.has(p.type));
    let last = parts.length - 1;
    while (last >= 0 && !NUMBER.has(parts[last]!.type)) last--;
    return { before: text(parts.slice(0, first)), after: text(parts.slice(last + 1)) };
  };
  const sample = partsOf('1234567.89');
  const integers = sample.filter((p) => p.type === 'integer').map((p) => p.value.length);
  const primaryGroup = integers.length > 1 ? integers.at(-1)! : 3;
  return Object.freeze({
    positive: around(sample),
    negative: around(partsOf('-1234567.89')),
    group: integers.length > 1 ? sample.find((p) => p.type === 'group')!.value : '',
    decimal: sample.find((p) => p.type === 'decimal')?.value ?? '.',
    primaryGroup,
    secondaryGroup: integers.length > 2 ? integers.at(-2)! : primaryGroup,
    minimumGroupedDigits: partsOf('1234.00').some((p) => p.type === 'group') ? primaryGroup + 1 : primaryGroup + 2,
    digits: Array.from({ length: 10 }, (_, d) => partsOf(`${d}.00`).find((p) => p.type === 'integer')!.value).join(''),
  });
}

export type MoneyFormatter = ReturnType<typeof createMoneyFormatter>;

// Marks banks and trackers write beside an amount that Intl does not list for the currency.
const MORE_CURRENCY_MARKS: Readonly<Record<string, readonly string[]>> = { USD: ['US$'], UAH: ['грн.', 'грн'] };

/**
 * The marks a currency's amounts are written with in files: its code, its symbols in English and Ukrainian (narrow
 * and full), and the words banks use ("грн"); longest first, so "US$" is taken before "$".
 */
export function currencyMarks(currency: string): string[] {
  const marks = new Set([currency, ...(MORE_CURRENCY_MARKS[currency] ?? [])]);
  for (const locale of ['en-US', 'uk-UA']) {
    const sign = currencySign(locale, currency, 'symbol');
    if (sign) marks.add(sign);
    // A narrow sign only when it is no other currency's ("zł", "₴"): "$" is the Canadian and the Australian dollar's
    // too, so a Canadian Ledgerly must not take a US file's "$5.00" as its own money.
    const narrow = currencySign(locale, currency, 'narrowSymbol');
    if (narrow && narrowSignOwners(locale).get(narrow) === 1) marks.add(narrow);
  }
  return [...marks].sort((a, b) => b.length - a.length);
}

function currencySign(locale: string, currency: string, display: 'symbol' | 'narrowSymbol'): string | undefined {
  return new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: display }).formatToParts(1).find((part) => part.type === 'currency')?.value;
}

const narrowOwners = new Map<string, Map<string, number>>();
/** How many currencies write each narrow sign in a locale (worked out once a locale). */
function narrowSignOwners(locale: string): Map<string, number> {
  let owners = narrowOwners.get(locale);
  if (!owners) {
    owners = new Map();
    for (const code of Intl.supportedValuesOf('currency')) {
      const sign = currencySign(locale, code, 'narrowSymbol');
      if (sign) owners.set(sign, (owners.get(sign) ?? 0) + 1);
    }
    narrowOwners.set(locale, owners);
  }
  return owners;
}

/**
 * An amount cell without one of the currency's marks before or after its number ("$12.50", "-$5.00", "($5.00)",
 * "12,50 грн", "USD 12"); the text as it was when it has none. Only the instance's own currency is taken off: an
 * amount in another stays unreadable, so it is refused, never counted as ours.
 */
export function withoutCurrencyMark(text: string, marks: readonly string[]): string {
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  for (const mark of marks) {
    const m = mark.toLowerCase();
    // The mark first, or after a sign or an opening bracket (and a space): "$5", "-$5", "- $5", "($5)".
    const sign = /^[-+\u2212(]\s*/.exec(lower)?.[0] ?? '';
    const at = lower.startsWith(m) ? 0 : sign !== '' && lower.startsWith(m, sign.length) ? sign.length : -1;
    if (at >= 0) return (trimmed.slice(0, at).trim() + trimmed.slice(at + mark.length).trimStart()).trim();
    // The mark last, or before a closing bracket or a trailing minus: "5 грн", "(5 грн)", "5 грн-".
    const end = lower.endsWith(m) ? trimmed.length : /[)\-]$/.test(lower) && lower.slice(0, -1).endsWith(m) ? trimmed.length - 1 : -1;
    if (end >= 0) return (trimmed.slice(0, end - mark.length).trimEnd() + trimmed.slice(end)).trim();
  }
  return trimmed;
}

/** Share of a part in a whole as a whole percentage for display; 0 when the whole is 0. */
export function percentShare(partCents: number, wholeCents: number): number {
  if (wholeCents <= 0) return 0;
  return Math.round((partCents * 100) / wholeCents);
}
