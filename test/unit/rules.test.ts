import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileRules, foldText, learnSuggestions, ruleProblems, suggestionKey, type Rule } from '../../src/domain/rules.ts';

const rule = (id: number, position: number, over: Partial<Rule>): Rule => ({
  id,
  position,
  text: null,
  amount: null,
  type: null,
  accountId: null,
  categoryId: null,
  transferAccountId: null,
  rename: null,
  ...over,
});
const row = (description: string, amountCents = 1_000, type: 'income' | 'expense' = 'expense', accountId = 1) => ({ description, amountCents, type, accountId });

describe('rules', () => {
  test('text is compared without case, accents or extra spaces', () => {
    assert.equal(foldText('  Café   OLÉ '), 'cafe ole');
    assert.equal(foldText('ŁÓDŹ Straße'), foldText('łódź straße'));
    const rules = compileRules([rule(1, 1, { text: { match: 'contains', value: 'cafe ole' }, categoryId: 7 })]);
    assert.equal(rules.apply(row('CARD 1234 CAFÉ  OLÉ PARIS')).category?.id, 7);
  });

  test('contains, starts with and equals', () => {
    const rules = compileRules([
      rule(1, 1, { text: { match: 'equals', value: 'Rent' }, categoryId: 1 }),
      rule(2, 2, { text: { match: 'starts', value: 'AMZN' }, categoryId: 2, rename: 'Amazon' }),
      rule(3, 3, { text: { match: 'contains', value: 'coffee' }, categoryId: 3 }),
    ]);
    assert.deepEqual(rules.apply(row('rent')), { category: { id: 1, ruleId: 1 }, transfer: null, rename: null });
    assert.equal(rules.apply(row('Rent March')).category, null, 'equals is the whole text');
    assert.deepEqual(rules.apply(row('AMZN MKTP US*2K4')), { category: { id: 2, ruleId: 2 }, transfer: null, rename: { text: 'Amazon', ruleId: 2 } });
    assert.equal(rules.apply(row('Pay AMZN')).category, null, 'starts with is the start');
    assert.equal(rules.apply(row('Corner Coffee Shop')).category?.id, 3);
  });

  test('amount equal or within a range, type and account narrow a rule', () => {
    const rules = compileRules([
      rule(1, 1, { amount: { minCents: 1_599, maxCents: 1_599 }, type: 'expense', categoryId: 10 }),
      rule(2, 2, { amount: { minCents: 100_000, maxCents: 500_000 }, type: 'income', accountId: 2, categoryId: 11 }),
    ]);
    assert.equal(rules.apply(row('Netflix', 1_599)).category?.id, 10);
    assert.equal(rules.apply(row('Netflix', 1_599, 'income')).category, null);
    assert.equal(rules.apply(row('Pay', 250_000, 'income', 2)).category?.id, 11);
    assert.equal(rules.apply(row('Pay', 250_000, 'income', 1)).category, null, 'another account');
    assert.equal(rules.apply(row('Pay', 500_001, 'income', 2)).category, null, 'the range is inclusive and ends there');
  });

  test('for each field the first matching rule in order wins; a later rule still fills a field the earlier left', () => {
    const rules = compileRules([
      rule(9, 3, { text: { match: 'contains', value: 'amzn' }, categoryId: 30, rename: 'Amazon' }),
      rule(8, 1, { text: { match: 'contains', value: 'amzn prime' }, categoryId: 10 }),
      rule(7, 2, { text: { match: 'contains', value: 'amzn' }, categoryId: 20 }),
    ]);
    assert.deepEqual(rules.apply(row('AMZN Prime video')), { category: { id: 10, ruleId: 8 }, transfer: null, rename: { text: 'Amazon', ruleId: 9 } });
    assert.deepEqual(rules.apply(row('AMZN market')), { category: { id: 20, ruleId: 7 }, transfer: null, rename: { text: 'Amazon', ruleId: 9 } });
  });

  test('a transfer is where the row goes, like a category: the first rule that places the row wins, never both', () => {
    const rules = compileRules([
      rule(1, 1, { text: { match: 'contains', value: 'visa payment' }, transferAccountId: 5 }),
      rule(2, 2, { text: { match: 'contains', value: 'payment' }, categoryId: 3, rename: 'Card payment' }),
      rule(3, 3, { text: { match: 'contains', value: 'savings' }, transferAccountId: 1 }),
      rule(4, 4, { text: { match: 'contains', value: 'savings' }, categoryId: 9 }),
    ]);
    assert.deepEqual(rules.apply(row('VISA PAYMENT THANK YOU')), { category: null, transfer: { accountId: 5, ruleId: 1 }, rename: { text: 'Card payment', ruleId: 2 } });
    assert.deepEqual(rules.apply(row('Phone payment')), { category: { id: 3, ruleId: 2 }, transfer: null, rename: { text: 'Card payment', ruleId: 2 } });
    // A transfer into the row's own account (1) means nothing: the next rule places the row.
    assert.deepEqual(rules.apply(row('To savings', 500, 'expense', 1)), { category: { id: 9, ruleId: 4 }, transfer: null, rename: null });
    assert.deepEqual(rules.apply(row('To savings', 500, 'expense', 2)).transfer, { accountId: 1, ruleId: 3 });
  });

  test('a rule whose category or transfer cannot go on the row is passed over, and the next matching rule places it', () => {
    // Category 1 is for income; account 7 is archived.
    const fit = { category: (id: number, r: { type: string }) => r.type === 'income' || id !== 1, transferAccount: (id: number) => id !== 7 };
    const rules = compileRules([
      rule(1, 1, { text: { match: 'contains', value: 'paypal' }, categoryId: 1 }),
      rule(2, 2, { text: { match: 'contains', value: 'paypal *shop' }, categoryId: 11 }),
      rule(3, 3, { text: { match: 'contains', value: 'to old card' }, transferAccountId: 7 }),
      rule(4, 4, { text: { match: 'contains', value: 'card' }, categoryId: 12 }),
    ]);
    assert.deepEqual(rules.apply(row('PAYPAL *SHOP 42'), undefined, fit).category, { id: 11, ruleId: 2 }, 'an expense passes the income category by');
    assert.deepEqual(rules.apply(row('PAYPAL payout', 500, 'income'), undefined, fit).category, { id: 1, ruleId: 1 }, 'an income takes it');
    assert.deepEqual(rules.apply(row('Transfer to old card'), undefined, fit), { category: { id: 12, ruleId: 4 }, transfer: null, rename: null }, 'the archived account is passed by');
    // Without a fit every rule claims what it matches, as before.
    assert.deepEqual(rules.apply(row('PAYPAL *SHOP 42')).category, { id: 1, ruleId: 1 });
  });

  test('a rule must look for something and do something, and its range must not run backwards', () => {
    assert.deepEqual(ruleProblems(rule(1, 1, {})), ['no-condition', 'no-action']);
    assert.deepEqual(ruleProblems(rule(1, 1, { type: 'expense', transferAccountId: 2 })), []);
    assert.deepEqual(ruleProblems(rule(1, 1, { type: 'expense', transferAccountId: 2, categoryId: 3 })), ['category-and-transfer']);
    assert.deepEqual(ruleProblems(rule(1, 1, { type: 'expense', amount: { minCents: 5, maxCents: 4 }, rename: 'x' })), ['amount-order']);
    assert.deepEqual(ruleProblems(rule(1, 1, { accountId: 3, categoryId: 4 })), []);
  });

  test('matching agrees with a plain reading of the rules, whatever the rules and rows', () => {
    const words = fc.constantFrom('amzn', 'coffee', 'rent', 'café', 'Pay', 'x');
    const arbRule = fc.record({
      text: fc.option(fc.record({ match: fc.constantFrom('contains' as const, 'starts' as const, 'equals' as const), value: words }), { nil: null }),
      type: fc.option(fc.constantFrom('income' as const, 'expense' as const), { nil: null }),
      categoryId: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(arbRule, { maxLength: 8 }), fc.array(words, { minLength: 1, maxLength: 3 }).map((w) => w.join(' ')), fc.constantFrom('income' as const, 'expense' as const), (drafts, description, type) => {
        const rules = drafts.map((d, i) => rule(i + 1, i + 1, d));
        const folded = foldText(description);
        const expected = rules.find((r) => {
          if (r.categoryId === null || (r.type !== null && r.type !== type)) return false;
          if (r.text === null) return true;
          const v = foldText(r.text.value);
          return r.text.match === 'contains' ? folded.includes(v) : r.text.match === 'starts' ? folded.startsWith(v) : folded === v;
        });
        assert.equal(compileRules(rules).apply(row(description, 100, type)).category?.id ?? null, expected?.categoryId ?? null);
      }),
      { numRuns: 300 },
    );
  });
});

describe('suggestions', () => {
  test('a description is cleaned of numbers, references and punctuation, case and accents', () => {
    assert.equal(suggestionKey('CORNER MARKET #42 03/14'), 'corner market');
    assert.equal(suggestionKey('Corner Market #7'), 'corner market');
    assert.equal(suggestionKey('Café-Olé, Paris'), 'cafe ole paris');
    assert.equal(suggestionKey('1234 5678'), '');
  });

  test('the category most used for the same cleaned description and type; a tie goes to the most recent; none for unknown', () => {
    const suggest = learnSuggestions([
      // newest first
      { type: 'expense', description: 'CORNER MARKET #42', categoryId: 2 },
      { type: 'expense', description: 'Corner Market #7', categoryId: 1 },
      { type: 'expense', description: 'corner market', categoryId: 1 },
      { type: 'expense', description: 'Cinema 3', categoryId: 5 },
      { type: 'expense', description: 'Cinema 4', categoryId: 6 },
      { type: 'income', description: 'Corner Market refund', categoryId: 9 },
    ]);
    assert.equal(suggest({ type: 'expense', description: 'CORNER MARKET 0099' }), 1, 'used twice beats used once');
    assert.equal(suggest({ type: 'expense', description: 'cinema 12' }), 5, 'a tie goes to the most recent');
    assert.equal(suggest({ type: 'income', description: 'Corner market' }), null, 'per type');
    assert.equal(suggest({ type: 'expense', description: 'Bakery' }), null);
    assert.equal(suggest({ type: 'expense', description: '#1234' }), null, 'nothing left to compare');
  });
});
