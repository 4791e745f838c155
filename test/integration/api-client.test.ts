import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import createClient from 'openapi-fetch';
import { baseUrlOf, createTestContext, registerUser, requestTo } from '../helpers/app.ts';
import { makeApiToken } from '../helpers/api.ts';
import { manualClock } from '../helpers/clock.ts';
import type { paths } from '../api-client/ledgerly-api.ts';
import { API_TYPES_FILE, generateApiTypes } from '../api-client/types.ts';

describe('a real client of /api/v1', () => {
  test('the committed types are exactly what openapi-typescript generates from the served document (npm run api:types)', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const served = await requestTo(ctx.app).get('/api/v1/openapi.json');
    assert.equal(served.status, 200);
    assert.equal(await generateApiTypes(served.body), readFileSync(API_TYPES_FILE, 'utf8'), 'the API changed: run npm run api:types');
  });

  test('openapi-fetch, typed by those types, adds, lists, edits and deletes transactions and reads the summary', async (t) => {
    const ctx = createTestContext({}, { clock: manualClock(Date.UTC(2026, 2, 15, 12)) });
    t.after(() => ctx.cleanup());
    const ann = await registerUser(ctx.app, 'ann@example.com');
    const token = await makeApiToken(ann, { name: 'client', scope: 'read-write', lifetime: '30' });
    const client = createClient<paths>({ baseUrl: `${await baseUrlOf(ctx.app)}/api/v1`, headers: { Authorization: `Bearer ${token}` } });

    const categories = await client.GET('/categories');
    const groceries = categories.data?.data.find((c) => c.name === 'Groceries');
    assert.ok(groceries);

    // Add, with an idempotency key; the retry answers the same transaction.
    const add = () =>
      client.POST('/transactions', {
        params: { header: { 'idempotency-key': 'client-add-1' } },
        body: { type: 'expense', amount: '42.10', date: '2026-03-12', description: 'Market', category: groceries.id },
      });
    const added = await add();
    assert.equal(added.response.status, 201);
    const id = added.data!.id;
    assert.deepEqual([added.data!.cents, added.data!.amount, added.data!.categoryName], [4_210, '42.10', 'Groceries']);
    assert.equal((await add()).data!.id, id);
    await client.POST('/transactions', { body: { type: 'income', amount: '1500.00', date: '2026-03-01', description: 'Salary' } });

    // A float is not an amount: the types refuse it, and so does the server.
    // @ts-expect-error amounts are decimal strings, never numbers
    const floaty = await client.POST('/transactions', { body: { type: 'expense', amount: 12.5 } });
    assert.equal(floaty.response.status, 422);
    assert.deepEqual(floaty.error?.errors?.map((e) => e.field), ['amount']);

    // List with a filter, a page at a time.
    const firstPage = await client.GET('/transactions', { params: { query: { type: 'expense', limit: '1' } } });
    assert.deepEqual(firstPage.data?.data.map((row) => row.id), [id]);
    assert.equal(firstPage.data?.totals.count, 1);
    assert.equal(firstPage.data?.nextCursor, null);
    const all = await client.GET('/transactions', { params: { query: { limit: '1' } } });
    const next = await client.GET('/transactions', { params: { query: { limit: '1', cursor: all.data!.nextCursor! } } });
    assert.deepEqual([...all.data!.data, ...next.data!.data].map((row) => row.description), ['Market', 'Salary']);

    // Edit: the fields sent change, the others keep their value.
    const edited = await client.PATCH('/transactions/{id}', { params: { path: { id: String(id) } }, body: { amount: '40.00' } });
    assert.deepEqual([edited.data?.cents, edited.data?.description, edited.data?.date], [4_000, 'Market', '2026-03-12']);

    // The summary: the same numbers the dashboard shows.
    const summary = await client.GET('/summary', { params: { query: { period: '2026-03' } } });
    assert.deepEqual([summary.data?.income.amount, summary.data?.expenses.amount, summary.data?.net.cents], ['1500.00', '40.00', 146_000]);
    assert.deepEqual(summary.data?.topCategories.map((c) => [c.name, c.cents, c.percent]), [['Groceries', 4_000, 100]]);

    // Delete, then it is gone.
    const deleted = await client.DELETE('/transactions/{id}', { params: { path: { id: String(id) } } });
    assert.equal(deleted.response.status, 204);
    const gone = await client.GET('/transactions/{id}', { params: { path: { id: String(id) } } });
    assert.equal(gone.response.status, 404);
    assert.equal(gone.error?.type, '/api/v1/problems/not-found');
  });
});
