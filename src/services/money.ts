/** The largest amount one transaction may hold: one billion in major units. */
export const MAX_AMOUNT_CENTS = 100_000_000_000;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

// Either plain digits, or digits grouped in threes with commas; then up to two decimals.
const AMOUNT_PATTERN = /^(?:(\d+)|(\d{1,3}(?:,\d{3})+))(?:\.(\d*))?$/;

/**
 * Parses a user-typed amount into integer cents without ever going through floating point.
 * Accepts `12`, `12.5`, `12.50`, `1,234.56`, `.75` and surrounding spaces; rejects everything else with a message.
 */
export function parseAmountToCents(input: unknown): ParseResult<number> {
  if (typeof input !== 'string') return { ok: false, error: 'Enter an amount.' };
  const text = input.trim();
  if (text === '') return { ok: false, error: 'Enter an amount.' };
  if (text.startsWith('-')) {
    return { ok: false, error: 'Enter the amount without a minus sign; choose Expense for money going out.' };
  }
  const normalised = text.startsWith('.') ? `0${text}` : text;
  const match = AMOUNT_PATTERN.exec(normalised);
  if (!match) {
    return { ok: false, error: 'Enter an amount in numbers, like 12.50 or 1,234.56.' };
  }
  const integerDigits = (match[1] ?? match[2] ?? '').replaceAll(',', '');
  const fraction = match[3] ?? '';
  if (fraction.length > 2) return { ok: false, error: 'Use at most two decimal places.' };
  if (match[3] !== undefined && fraction.length === 0) {
    return { ok: false, error: 'Enter digits after the decimal point, or leave it out.' };
  }
  const significant = integerDigits.replace(/^0+(?=\d)/, '');
  // 12 integer digits is already over the limit, and short strings keep the arithmetic exact.
  if (significant.length > 12) return { ok: false, error: tooLargeMessage() };
  const cents = Number(significant) * 100 + Number(fraction.padEnd(2, '0'));
  if (cents === 0) return { ok: false, error: 'Enter an amount greater than zero.' };
  if (cents > MAX_AMOUNT_CENTS) return { ok: false, error: tooLargeMessage() };
  return { ok: true, value: cents };
}

function tooLargeMessage(): string {
  return 'Enter an amount no larger than 1,000,000,000.00.';
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

/** Formats cents in a currency and locale; exact because Intl receives a decimal string, not a float. */
export function createMoneyFormatter(locale: string, currency: string) {
  const currencyFormat = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const plainFormat = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  // Intl.NumberFormat accepts decimal strings exactly; the lib types only list number | bigint.
  type Formattable = Parameters<Intl.NumberFormat['format']>[0];
  return {
    /** "$1,234.50" style, with the currency. */
    formatCents(cents: number): string {
      return currencyFormat.format(centsToDecimalString(cents) as unknown as Formattable);
    },
    /** "1,234.50" style, without the currency. */
    formatCentsPlain(cents: number): string {
      return plainFormat.format(centsToDecimalString(cents) as unknown as Formattable);
    },
  };
}

export type MoneyFormatter = ReturnType<typeof createMoneyFormatter>;
