import fc from 'fast-check';

/** One grapheme of any kind: an emoji sequence, a letter with combining marks, any script's character. */
const grapheme = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 });

/**
 * Long text of any Unicode, 200 to 6,000 graphemes, drawn with the lengths `fc.string({ unit: 'grapheme',
 * minLength: 200, maxLength: 6000 })` draws: the size where field limits and the body limit come into play.
 *
 * Why a run of up to 60 random graphemes repeated to that length, not every grapheme drawn on its own: drawing each
 * was a fifth of the form fuzzer's CPU, and a field's limit, its escaping and its Unicode rules meet the same kinds
 * of characters at the same lengths either way.
 */
export const longUnicodeText: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(grapheme, { minLength: 1, maxLength: 60 }),
    fc.array(fc.constant(0), { minLength: 200, maxLength: 6000 }).map((slots) => slots.length),
  )
  .map(([run, length]) => Array.from({ length }, (_, i) => run[i % run.length]).join(''));
