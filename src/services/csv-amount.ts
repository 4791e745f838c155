import { MAX_AMOUNT_CENTS, type ParseResult } from './money.ts';

/** Which character separates whole units from cents in an imported file. */
export type DecimalSeparator = 'dot' | 'comma';

/** An amount read from a CSV cell: always positive cents, plus whether the cell carried a minus sign. */
export interface SignedCents {
  readonly cents: number;
  readonly negative: boolean;
}

// Digits either plain or grouped in threes by the thousands separator; then up to any number of decimals
// (so "1.005" is recognised and refused with a precise reason rather than a generic one).
const PATTERNS: Record<DecimalSeparator, RegExp> = {
  dot: /^(?:(\d+)|(\d{1,3}(?:,\d{3})+))(?:\.(\d*))?$/,
  comma: /^(?:(\d+)|(\d{1,3}(?:[. \u00a0\u202f]\d{3})+))(?:,(\d*))?$/,
};

/**
 * Parses an amount cell into integer cents with string arithmetic only (never a float), e.g. "1,234.50" with a
 * dot or "1.234,50" with a comma. A leading minus or plus is accepted and reported separately; zero, more than two
 * decimals and amounts above the app's maximum are refused with a reason.
 */
export function parseCsvAmount(input: string, separator: DecimalSeparator): ParseResult<SignedCents> {
  let text = input.trim();
  if (text === '') return { ok: false, error: 'the amount is empty' };
  let negative = false;
  if (text.startsWith('-') || text.startsWith('+')) {
    negative = text.startsWith('-');
    text = text.slice(1).trimStart();
  }
  const point = separator === 'dot' ? '.' : ',';
  if (text.startsWith(point)) text = `0${text}`;
  const match = PATTERNS[separator].exec(text);
  if (!match) {
    const example = separator === 'dot' ? '1234.50' : '1234,50';
    return { ok: false, error: `the amount "${shorten(input)}" is not a number like ${example}` };
  }
  const integerDigits = (match[1] ?? match[2] ?? '').replace(/\D/g, '');
  const fraction = match[3] ?? '';
  if (fraction.length > 2) return { ok: false, error: `the amount "${shorten(input)}" has more than two decimal places` };
  if (match[3] !== undefined && fraction.length === 0) {
    return { ok: false, error: `the amount "${shorten(input)}" ends with a separator and no cents` };
  }
  const significant = integerDigits.replace(/^0+(?=\d)/, '');
  // More than 12 integer digits is over the limit anyway, and short strings keep Number() exact.
  if (significant.length > 12) return { ok: false, error: 'the amount is larger than 1,000,000,000.00' };
  const cents = Number(significant) * 100 + Number(fraction.padEnd(2, '0'));
  if (cents === 0) return { ok: false, error: 'the amount is zero' };
  if (cents > MAX_AMOUNT_CENTS) return { ok: false, error: 'the amount is larger than 1,000,000,000.00' };
  return { ok: true, value: { cents, negative } };
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
