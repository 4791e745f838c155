import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { registerUser, tokenFor, type Agent } from '../helpers/app.ts';
import { createOwnedObjects, databaseFingerprint, idFor, plausibleBody, resourceOf } from '../helpers/attack.ts';
import { fillPath, listRoutes, objectParamNames, paramNames, SCOPE_PARAMS } from '../helpers/routes.ts';
import { createSecurityContext, userIdOf, type SecurityContext } from '../helpers/security.ts';

// Every route that takes an id is found from the app's own router, so new ones are covered as they appear.
const probe = createSecurityContext();
// The API ignores cookies (a signed-in browser gets 401 there); its owner checks, per operation of its OpenAPI document, use tokens: test/integration/api.test.ts ('/api/v1 isolation').
const ID_ROUTES = listRoutes(probe.app).filter((r) => !r.path.startsWith('/api/') && objectParamNames(r.path).length > 0 && (r.method === 'GET' || r.method === 'POST'));
// Routes whose only params are scopes of the person's own data (a month): nobody else's object can be named in them.
const SCOPE_ROUTES = listRoutes(probe.app).filter(
  (r) => !r.path.startsWith('/api/') && paramNames(r.path).length > 0 && objectParamNames(r.path).length === 0 && (r.method === 'GET' || r.method === 'POST'),
);
probe.cleanup();

describe("object-level authorization: another user's id gets 404 and changes nothing", () => {
  let ctx: SecurityContext;
  let owner: Agent;
  let intruder: Agent;
  let ownerIds: Record<string, number | string>;
  let ownerId: number;
  let intruderIds: Record<string, number | string>;

  before(async () => {
    ctx = createSecurityContext();
    owner = await registerUser(ctx.app, 'owner@example.com');
    ownerId = userIdOf(ctx, 'owner@example.com');
    ownerIds = await createOwnedObjects(ctx, owner, ownerId);
    intruder = await registerUser(ctx.app, 'intruder@example.com');
    // The intruder owns objects too, so a route that confused the two users would have something to act on.
    intruderIds = await createOwnedObjects(ctx, intruder, userIdOf(ctx, 'intruder@example.com'));
  });
  after(() => ctx.cleanup());

  test('the router lists the id routes the app is known to have', () => {
    const paths = ID_ROUTES.map((r) => `${r.method} ${r.path}`);
    for (const known of ['GET /transactions/:id/delete', 'POST /transactions/:id/delete']) {
      assert.ok(paths.includes(known), `${known} missing from ${paths.join(', ')}`);
    }
  });

  for (const route of ID_ROUTES) {
    test(`${route.method} ${route.path} with the other user's id answers 404 and writes nothing`, async () => {
      const values = Object.fromEntries(paramNames(route.path).map((p) => [p, idFor(ctx, ownerIds, resourceOf(route.path), ownerId)]));
      const path = fillPath(route.path, values);
      // Control: the id is real, since its owner can open it (only the GET pages; POSTs would change it).
      if (route.method === 'GET') {
        const own = await owner.get(path);
        assert.ok(own.status < 400, `the owner can open ${path} (${own.status})`);
      }
      const before = databaseFingerprint(ctx.db);

      const res =
        route.method === 'GET'
          ? await intruder.get(path)
          : await intruder
              .post(path)
              .type('form')
              .send({ ...plausibleBody(), _csrf: await tokenFor(intruder, '/account') });

      assert.equal(res.status, 404, `${route.method} ${path} answered ${res.status}`);
      assert.ok(!res.text.includes(`owned by user ${ownerId}`) && !res.text.includes(`Category of user ${ownerId}`), 'nothing of the owner is shown');
      assert.equal(databaseFingerprint(ctx.db), before, `${route.method} ${path} changed the database`);
    });

    test(`${route.method} ${route.path} with ids that are not positive integers answers 404`, async () => {
      for (const bad of ['0', '-1', '1.5', 'abc', '99999999999999999999', '1 OR 1=1']) {
        const path = fillPath(route.path, Object.fromEntries(paramNames(route.path).map((p) => [p, bad])));
        const res =
          route.method === 'GET'
            ? await intruder.get(path)
            : await intruder.post(path).type('form').send({ ...plausibleBody(), _csrf: await tokenFor(intruder, '/account') });
        assert.equal(res.status, 404, `${route.method} ${path} answered ${res.status}`);
      }
    });
  }

  for (const route of SCOPE_ROUTES) {
    test(`${route.method} ${route.path} shows and changes only the signed-in person's own data, whatever ids the body names`, async () => {
      const path = fillPath(route.path, Object.fromEntries(paramNames(route.path).map((p) => [p, idFor(ctx, ownerIds, resourceOf(route.path), ownerId)])));
      const ownerRows = () => databaseFingerprint(ctx.db, { onlyUserId: ownerId });
      const before = ownerRows();
      const res =
        route.method === 'GET'
          ? await intruder.get(path)
          : await intruder
              .post(path)
              .type('form')
              .send({
                ...plausibleBody(),
                // Every field a budget form could carry, naming the owner's category.
                [`amount-${ownerIds.categories}`]: '5.00',
                [`rollover-${ownerIds.categories}`]: '1',
                _csrf: await tokenFor(intruder, '/account'),
              });
      assert.ok(res.status < 500, `${route.method} ${path} answered ${res.status}`);
      assert.ok(!res.text.includes(`Category of user ${ownerId}`), 'nothing of the owner is shown');
      assert.equal(ownerRows(), before, `${route.method} ${path} changed the owner's data`);
    });

    test(`${route.method} ${route.path} with a scope that is not one answers 404`, async () => {
      for (const bad of ['0', '-1', '2026-13', 'abc', '99999999999999999999', '1 OR 1=1']) {
        const path = fillPath(route.path, Object.fromEntries(paramNames(route.path).map((p) => [p, bad])));
        const res =
          route.method === 'GET'
            ? await intruder.get(path)
            : await intruder.post(path).type('form').send({ ...plausibleBody(), _csrf: await tokenFor(intruder, '/account') });
        assert.equal(res.status, 404, `${route.method} ${path} answered ${res.status}`);
      }
    });
  }

  test('the scope params are the ones known', () => assert.deepEqual([...SCOPE_PARAMS], ['month']));

  test("bulk actions given the other user's transaction ids change none of the owner's rows", async () => {
    const bulkRoutes = listRoutes(ctx.app).filter((r) => r.method === 'POST' && r.path.includes('bulk'));
    for (const route of bulkRoutes) {
      for (const action of ['delete', 'category', 'set-category']) {
        const before = databaseFingerprint(ctx.db);
        const res = await intruder
          .post(route.path)
          .type('form')
          .send({
            _csrf: await tokenFor(intruder, '/account'),
            ids: String(ownerIds.transactions),
            action,
            category: String(intruderIds.categories),
            categoryId: String(intruderIds.categories),
          });
        assert.ok(res.status < 500, `${route.path} answered ${res.status}`);
        assert.equal(databaseFingerprint(ctx.db), before, `${route.path} (${action}) changed the database`);
      }
    }
    const row = ctx.db.prepare('SELECT count(*) AS n FROM transactions WHERE id = ? AND user_id = ?').get(ownerIds.transactions, ownerId) as { n: number };
    assert.equal(row.n, 1);
  });

  test("every form given the other user's account and category ids in its body changes nothing of theirs and never ties a row to them", async () => {
    // The forms without an id in their path (adding a transaction, a transfer, a rule, a schedule...), each with every
    // field that names an account, a category or rows set to the owner's.
    const forms = listRoutes(ctx.app).filter(
      (r) => r.method === 'POST' && !r.path.startsWith('/api/') && paramNames(r.path).length === 0 && !/^\/(login|logout|register|account|passkeys|language)/.test(r.path),
    );
    assert.ok(forms.some((r) => r.path === '/transfers') && forms.some((r) => r.path === '/rules'), 'the forms are found');
    const account = String(ownerIds.accounts);
    const category = String(ownerIds.categories);
    const named = { account, from: account, to: account, toAccount: account, transferAccount: account, targetAccount: account, category, ids: String(ownerIds.transactions), startOn: '2026-01-05', text: 'owned', textMatch: 'contains' };
    for (const route of forms) {
      const before = databaseFingerprint(ctx.db, { onlyUserId: ownerId });
      const res = await intruder.post(route.path).type('form').send({ ...plausibleBody(named), _csrf: await tokenFor(intruder, '/account') });
      assert.ok(res.status < 500, `${route.path} answered ${res.status}`);
      assert.equal(databaseFingerprint(ctx.db, { onlyUserId: ownerId }), before, `${route.path} changed the owner's data`);
    }
    // No row of anyone points at another person's account or category.
    const crossed = ctx.db
      .prepare(
        `SELECT 'transaction account' FROM transactions t JOIN accounts a ON a.id = t.account_id WHERE a.user_id <> t.user_id
         UNION ALL SELECT 'transaction category' FROM transactions t JOIN categories c ON c.id = t.category_id WHERE c.user_id <> t.user_id
         UNION ALL SELECT 'schedule account' FROM schedules s JOIN accounts a ON a.id IN (s.account_id, s.to_account_id) WHERE a.user_id <> s.user_id
         UNION ALL SELECT 'schedule category' FROM schedules s JOIN categories c ON c.id = s.category_id WHERE c.user_id <> s.user_id
         UNION ALL SELECT 'rule account' FROM rules r JOIN accounts a ON a.id IN (r.account_id, r.transfer_account_id) WHERE a.user_id <> r.user_id
         UNION ALL SELECT 'rule category' FROM rules r JOIN categories c ON c.id = r.category_id WHERE c.user_id <> r.user_id`,
      )
      .pluck()
      .all();
    assert.deepEqual(crossed, []);
  });
});
