import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcrypt';
import fc from 'fast-check';
import { createCategoriesRepo } from '../../src/db/repos/categories.ts';
import { createTransactionsRepo } from '../../src/db/repos/transactions.ts';
import { createUsersRepo } from '../../src/db/repos/users.ts';
import { registerUser, TEST_PASSWORD, tokenFor, type Agent, agentFor } from '../helpers/app.ts';
import { consistencyProblems, createOwnedObjects, databaseFingerprint, idFor, resourceOf } from '../helpers/attack.ts';
import { fillPath, listRoutes, paramNames } from '../helpers/routes.ts';
import { createSecurityContext, GENEROUS_RATE_LIMITS, logInAgent, userIdOf, type SecurityContext } from '../helpers/security.ts';
import { longUnicodeText } from '../helpers/fuzz.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const EMAIL = 'fuzz@example.com';

// Every form handler is found from the router; their field names are read from the forms the app renders.
const probe = createSecurityContext();
const POST_ROUTES = listRoutes(probe.app).filter((r) => r.method === 'POST');
const GET_ROUTES = listRoutes(probe.app).filter((r) => r.method === 'GET' && r.path !== '/healthz');
probe.cleanup();

/** Values people and attackers actually send: near-valid, malformed, unicode, huge, numeric edge cases. */
const fieldValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', 'income', 'expense', '12.34', '1,234.56', '0', '-5', '1e9', 'NaN', 'Infinity', '0x10', '٣٤', '2026-01-01',
    '2026-02-30', '1899-12-31', '9999-99-99', 'dashboard', 'transactions', '1', '2', '999999999999999999999', TEST_PASSWORD, EMAIL,
    "'; DROP TABLE users; --", '<script>alert(1)</script>', '\u0000', '\u202e', 'e\u0301', '👩‍👩‍👧'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map(String),
  longUnicodeText,
);

/** A form body: some known fields (each missing, once, or repeated), plus now and then a stray one. */
function formBody(fieldNames: string[]): fc.Arbitrary<Record<string, string | string[]>> {
  const entry = fc.oneof(
    { weight: 4, arbitrary: fieldValue },
    { weight: 1, arbitrary: fc.array(fieldValue, { minLength: 2, maxLength: 4 }) },
  );
  const known = fc.record(Object.fromEntries(fieldNames.map((n) => [n, entry])), { requiredKeys: [] });
  const stray = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fieldValue, { maxKeys: 2 });
  return fc.tuple(known, stray).map(([k, s]) => ({ ...s, ...k }) as Record<string, string | string[]>);
}

describe('fuzzing every form handler: never a 500, nothing half-written', () => {
  let ctx: SecurityContext;
  let ids: Record<string, number | string>;
  let userId: number;
  let fieldNames: string[];

  before(async () => {
    ctx = createSecurityContext({ rateLimits: GENEROUS_RATE_LIMITS });
    const agent = await registerUser(ctx.app, EMAIL);
    userId = userIdOf(ctx, EMAIL);
    ids = await createOwnedObjects(ctx, agent, userId);
    const names = new Set<string>(['ids', 'action', 'category', 'next', 'back', 'from']);
    for (const route of GET_ROUTES) {
      const path = fillPath(route.path, Object.fromEntries(paramNames(route.path).map((p) => [p, idFor(ctx, ids, resourceOf(route.path), userId)])));
      for (const who of [agent, agentFor(ctx.app)]) {
        const html = (await who.get(path)).text;
        for (const m of html.matchAll(/\sname="([^"]+)"/g)) if (m[1] !== '_csrf') names.add(m[1]!);
      }
    }
    fieldNames = [...names].sort();
  });
  after(() => ctx.cleanup());

  const exists = (table: string, id: number | string | undefined) =>
    id !== undefined && ctx.db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(id) !== undefined;

  /**
   * Puts back what a valid random body may have changed, the cheapest way: the account (deleted, or a new password),
   * and the transaction and category the :id routes aim at (deleted), so the fuzzing goes on from a known state.
   */
  let restoredCategories = 0;
  // Made once: each repo prepares all its statements, which per fuzzed request was a twentieth of the run.
  let repos: { users: ReturnType<typeof createUsersRepo>; transactions: ReturnType<typeof createTransactionsRepo>; categories: ReturnType<typeof createCategoriesRepo> } | undefined;
  async function restoreFuzzUser(passwordMayHaveChanged: boolean): Promise<void> {
    repos ??= { users: createUsersRepo(ctx.db), transactions: createTransactionsRepo(ctx.db), categories: createCategoriesRepo(ctx.db) };
    const { users } = repos;
    const found = users.findCredentialsByEmail(EMAIL);
    if (!found) {
      await registerUser(ctx.app, EMAIL);
      userId = userIdOf(ctx, EMAIL);
      ids = await createOwnedObjects(ctx, await logInAgent(ctx.app, EMAIL, TEST_PASSWORD), userId);
      return;
    }
    if (passwordMayHaveChanged && !(await bcrypt.compare(TEST_PASSWORD, found.passwordHash))) {
      users.updatePasswordHash(found.id, await bcrypt.hash(TEST_PASSWORD, 4));
      users.deleteSessionsOfUser(found.id);
    }
    if (!exists('transactions', ids.transactions)) {
      ids.transactions = repos.transactions.createTransaction(userId, {
        type: 'expense',
        amountCents: 4200,
        occurredOn: '2026-01-15',
        description: `owned by user ${userId}`,
        categoryId: null,
      });
    }
    if (!exists('categories', ids.categories)) {
      ids.categories = repos.categories.createCategory(userId, 'expense', `Fuzz category ${++restoredCategories}`).id;
    }
  }

  test('the forms offer the fields the fuzzer needs', () => {
    for (const name of ['email', 'password', 'confirmPassword', 'amount', 'date', 'description', 'type', 'currentPassword', 'newPassword']) {
      assert.ok(fieldNames.includes(name), `${name} not found in ${fieldNames.join(', ')}`);
    }
  });

  // Pages read their query strings (filters, periods, cursors, return paths): random ones never give a 500, and a GET
  // changes nothing, whatever it is asked (sessions and rate-limit counters aside).
  const GET_RUNS = Math.max(5, Math.round(RUNS / 2));
  for (const route of GET_ROUTES) {
    test(`GET ${route.path} signed in survives ${GET_RUNS} random query strings and changes nothing`, async () => {
      const agent = await logInAgent(ctx.app, EMAIL, TEST_PASSWORD);
      const path = fillPath(route.path, Object.fromEntries(paramNames(route.path).map((p) => [p, idFor(ctx, ids, resourceOf(route.path), userId)])));
      await fc.assert(
        fc.asyncProperty(formBody(fieldNames), async (query) => {
          const search = new URLSearchParams();
          for (const [name, value] of Object.entries(query)) for (const one of [value].flat()) search.append(name, one);
          const before = databaseFingerprint(ctx.db, { ignoreTables: ['rate_limits', 'sessions'] });
          const res = await agent.get(`${path}?${search}`);
          if (res.status >= 500) assert.fail(`GET ${path} answered ${res.status} to ?${search.toString().slice(0, 500)}`);
          assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['rate_limits', 'sessions'] }), before, `GET ${path} wrote`);
        }),
        { numRuns: GET_RUNS, includeErrorInReport: true },
      );
    });
  }

  for (const route of POST_ROUTES) {
    for (const signedIn of [true, false]) {
      test(`POST ${route.path} ${signedIn ? 'signed in' : 'signed out'} survives ${RUNS} random bodies`, async () => {
        let agent: Agent = signedIn ? await logInAgent(ctx.app, EMAIL, TEST_PASSWORD) : agentFor(ctx.app);
        let token = await tokenFor(agent, signedIn ? '/account' : '/login');
        const paramValue = fc.oneof(
          { weight: 3, arbitrary: fc.constant('owned') },
          { weight: 1, arbitrary: fc.oneof(fc.constantFrom('0', '-1', 'abc', '1e3', '%00', '9'.repeat(30)), fc.string({ maxLength: 10 })) },
        );
        await fc.assert(
          fc.asyncProperty(formBody(fieldNames), paramValue, async (body, param) => {
            const values = Object.fromEntries(
              paramNames(route.path).map((p) => [p, param === 'owned' ? idFor(ctx, ids, resourceOf(route.path), userId) : param]),
            );
            const path = fillPath(route.path, values);
            // Rate-limit counters count every attempt by design; everything else must stay as it was on a refusal.
            const before = databaseFingerprint(ctx.db, { ignoreTables: ['rate_limits'] });

            const res = await agent.post(path).type('form').send({ ...body, _csrf: token });

            // The message is built only on a failure: stringifying every body was a thirtieth of the run.
            if (res.status >= 500) assert.fail(`POST ${path} answered ${res.status} to ${JSON.stringify(body).slice(0, 500)}`);
            if (res.status >= 400) assert.equal(databaseFingerprint(ctx.db, { ignoreTables: ['rate_limits'] }), before, `POST ${path} answered ${res.status} but wrote`);
            assert.deepEqual(consistencyProblems(ctx), []);
            // A body may validly log out, change the password or delete the account (random values do hit the
            // real password now and then); put the user and fixtures back so the fuzzing goes on from a known state.
            // Only the account routes can end this session or change the password.
            const authRoute = /^\/(login|logout|register|account)/.test(route.path);
            await restoreFuzzUser(authRoute);
            if (signedIn && authRoute && (await agent.get('/account')).status !== 200) {
              agent = await logInAgent(ctx.app, EMAIL, TEST_PASSWORD);
              token = await tokenFor(agent, '/account');
            }
            if (!signedIn && res.status === 303) {
              agent = agentFor(ctx.app);
              token = await tokenFor(agent, '/login');
            }
          }),
          { numRuns: RUNS, includeErrorInReport: true },
        );
      });
    }
  }
});
