import assert from 'node:assert/strict';
import { test } from 'node:test';
import { returnPath } from '../../src/web/form-fields.ts';
import { editReturnPath } from '../../src/web/forms/bulk-form.ts';

test("a form's way back is one of its own pages on this site, or its fallback", () => {
  const register = /^\/accounts\/[1-9]\d{0,15}$/;
  assert.equal(returnPath('/accounts/12', register, '/accounts'), '/accounts/12');
  for (const raw of ['//evil.example/accounts/12', '/\\evil.example', 'https://evil.example/accounts/12', '/accounts/0', '/accounts/12\n', '/dashboard', undefined, ['/accounts/12']]) {
    assert.equal(returnPath(raw, register, '/accounts'), '/accounts', JSON.stringify(raw));
  }
  // The edit form's pages: the list with its filter, the dashboard, a register; nothing else.
  assert.equal(editReturnPath('/transactions?type=expense&q=tea'), '/transactions?type=expense&q=tea');
  assert.equal(editReturnPath('/accounts/3?after=2026-03-01.9'), '/accounts/3?after=2026-03-01.9');
  assert.equal(editReturnPath('/account/delete'), '/transactions');
  assert.equal(editReturnPath('//evil.example/transactions'), '/transactions');
});
