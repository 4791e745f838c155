import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOtherSide, otherSideOf, type TransferSide } from '../../src/domain/transfers.ts';

const out: TransferSide = { accountId: 1, otherAccountId: 2, type: 'expense', amountCents: 50_000, occurredOn: '2026-03-03' };

test("the other side of a transfer is the same amount the other way, in the other account, up to 3 days apart", () => {
  const into = { accountId: 2, otherAccountId: 1, type: 'income' as const, amountCents: 50_000 };
  assert.ok(isOtherSide(out, { ...into, occurredOn: '2026-03-03' }));
  assert.ok(isOtherSide(out, { ...into, occurredOn: '2026-02-28' }), '3 days before, across a month');
  assert.ok(isOtherSide(out, { ...into, occurredOn: '2026-03-06' }));
  assert.ok(!isOtherSide(out, { ...into, occurredOn: '2026-03-07' }), '4 days apart');
  assert.ok(!isOtherSide(out, { ...into, occurredOn: '2026-03-03', amountCents: 50_001 }), 'another amount');
  assert.ok(!isOtherSide(out, { ...into, occurredOn: '2026-03-03', type: 'expense' }), 'the same direction');
  assert.ok(!isOtherSide(out, { ...into, occurredOn: '2026-03-03', accountId: 3 }), 'a third account');
  assert.ok(!isOtherSide(out, { ...out }), 'itself');
});

test('of several candidates, the one booked earliest is the other side, then the first listed: first in, first out', () => {
  const side = (id: number, occurredOn: string) => ({ id, accountId: 2, otherAccountId: 1, type: 'income' as const, amountCents: 50_000, occurredOn });
  assert.equal(otherSideOf(out, [side(1, '2026-03-05'), side(2, '2026-03-04'), side(3, '2026-03-02')])?.id, 3);
  assert.equal(otherSideOf(out, [side(1, '2026-03-05'), side(2, '2026-03-03'), side(3, '2026-03-03')])?.id, 2);
  assert.equal(otherSideOf(out, [side(1, '2026-03-09')]), undefined);
  // Out on the 1st and 2nd, in on the 4th and 5th: the 4th takes the 1st (three days), so the 5th still has the 2nd.
  const outs = [{ ...out, id: 1, occurredOn: '2026-03-01' }, { ...out, id: 2, occurredOn: '2026-03-02' }];
  const into = (occurredOn: string) => ({ accountId: 2, otherAccountId: 1, type: 'income' as const, amountCents: 50_000, occurredOn });
  const first = otherSideOf(into('2026-03-04'), outs);
  assert.equal(first?.id, 1);
  assert.equal(otherSideOf(into('2026-03-05'), outs.filter((o) => o !== first))?.id, 2);
});
