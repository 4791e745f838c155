import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { registerUser, requestTo } from '../helpers/app.ts';
import { apiOperations, fillTemplate, makeApiToken, type ApiOperation } from '../helpers/api.ts';
import { contractViolation } from '../helpers/api-contract.ts';
import { consistencyProblems, createOwnedObjects, databaseFingerprint, newestOwnedId } from '../helpers/attack.ts';
import { createSecurityContext, GENEROUS_RATE_LIMITS, userIdOf, type SecurityContext } from '../helpers/security.ts';
import { longUnicodeText } from '../helpers/fuzz.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const EMAIL = 'api-fuzz@example.com';
/** Makes each category name a fresh one. */
let names = 0;

/** Tables a refused request may still touch by design: the token's last use, its rate counter, and its key's answer. */
const BOOKKEEPING = ['api_tokens', 'rate_limits', 'idempotency_keys'];

const text: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', 'income', 'expense', '12.34', '12,34', '1,234.56', '0', '0.00', '-5', '1e9', 'NaN', '٣٤', '2026-01-01', '2026-02-30',
    '9999-99-99', 'none', 'all', '2026-01', '999999999999999999999', "'; DROP TABLE transactions; --", '<script>alert(1)</script>', '\u0000', '\u202e', '👩‍👩‍👧'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  longUnicodeText,
);

describe('fuzzing every API operation with a real token: never a 500, nothing stored from a refusal, the contract kept', () => {
  let ctx: SecurityContext;
  let token: string;
  let userId: number;
  let owned: { accounts: number[]; category: number };

  before(async () => {
    ctx = createSecurityContext({ rateLimits: GENEROUS_RATE_LIMITS });
    const agent = await registerUser(ctx.app, EMAIL);
    userId = userIdOf(ctx, EMAIL);
    const ids = await createOwnedObjects(ctx, agent, userId);
    token = await makeApiToken(agent, { name: 'fuzz', scope: 'read-write', lifetime: 'never' });
    const accounts = ctx.db.prepare('SELECT id FROM accounts WHERE user_id = ? ORDER BY id').pluck().all(userId) as number[];
    owned = { accounts, category: Number(ids.categories) };
    // The clock moves below (fresh rate windows); background jobs must not write between a request and its check.
    await ctx.jobs.stop(0);
  });
  after(() => ctx.cleanup());

  const call = (method: ApiOperation['method'], path: string) => requestTo(ctx.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

  /** Puts back an object of each kind the :id paths aim at, when a valid random request deleted the last one. */
  async function restore(): Promise<void> {
    const [from, to] = owned.accounts as [number, number];
    if (newestOwnedId(ctx.db, 'transactions', userId) === undefined) await call('post', '/transactions').send({ type: 'expense', amount: '4.20', date: '2026-01-15' });
    if (newestOwnedId(ctx.db, 'transfers', userId) === undefined) await call('post', '/transfers').send({ from, to, amount: '1.00', date: '2026-01-16' });
    if (newestOwnedId(ctx.db, 'schedules', userId) === undefined) {
      await call('post', '/scheduled').send({ type: 'expense', account: from, amount: '2.00', frequency: 'weeks', startOn: '2026-01-07', count: 2 });
    }
    if (newestOwnedId(ctx.db, 'rules', userId) === undefined) await call('post', '/rules').send({ text: 'restored', category: owned.category });
    if (ctx.db.prepare("SELECT 1 FROM categories WHERE user_id = ? AND kind = 'expense'").get(userId) === undefined) {
      await call('post', '/categories').send({ kind: 'expense', name: `Fuzz ${++names}` });
    }
  }

  /** A path parameter: mostly one of the person's own objects, else junk. */
  function paramValue(op: ApiOperation, name: string): fc.Arbitrary<string | number> {
    const table = { transactions: 'transactions', transfers: 'transfers', categories: 'categories', scheduled: 'schedules', rules: 'rules' }[op.template.split('/')[1]!];
    const own = (): string | number => {
      if (name === 'month') return '2026-01';
      if (name === 'categoryId') return Number(ctx.db.prepare("SELECT max(id) FROM categories WHERE user_id = ? AND kind = 'expense'").pluck().get(userId));
      return newestOwnedId(ctx.db, table ?? 'transactions', userId) ?? 1;
    };
    return fc.oneof(
      { weight: 3, arbitrary: fc.constant(0).map(own) },
      { weight: 1, arbitrary: fc.oneof(fc.constantFrom('0', '-1', 'abc', '1e3', '1.5', '2026-13', '9'.repeat(30)), fc.string({ minLength: 1, maxLength: 10 })) },
    );
  }

  /** A JSON value for one field: near-valid text, the person's own ids, and every other JSON type. */
  const fieldValue = () =>
    fc.oneof(
      { weight: 4, arbitrary: text },
      { weight: 2, arbitrary: fc.constantFrom(...owned.accounts, owned.category) },
      { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e308, -0, 12.5, 2 ** 53)) },
      { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.boolean(), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.object({ maxDepth: 1 })) },
    );

  /** A body each write accepts, so that one changed field probes the rules right at the edge of valid. */
  const validBody = (op: ApiOperation): Record<string, unknown> => {
    const [from, to] = owned.accounts as [number, number];
    const resource = op.template.split('/')[1];
    if (resource === 'transfers') return { from, to, amount: '3.00', date: '2026-01-20', description: 'Valid' };
    if (resource === 'categories') return op.method === 'post' ? { kind: 'expense', name: `Valid ${++names}` } : { name: `Renamed ${++names}` };
    if (resource === 'budgets') return { amount: '50.00', rollover: true };
    if (resource === 'rules') return { textMatch: 'contains', text: 'Valid', category: owned.category, rename: 'Renamed' };
    if (resource === 'scheduled') return { type: 'expense', account: from, amount: '9.99', frequency: 'months', startOn: '2026-01-05', count: 3 };
    return { account: from, type: 'expense', amount: '12.34', date: '2026-01-20', description: 'Valid', category: owned.category };
  };

  /** A body: the operation's fields (each missing or given), sometimes a stray one, sometimes not an object or not JSON. */
  function bodyFor(op: ApiOperation): fc.Arbitrary<{ json: unknown } | { raw: string }> {
    const fields = op.bodyFields ?? ['amount', 'type'];
    const nearValid = fc
      .tuple(fc.constantFrom(...fields), fieldValue(), fc.boolean())
      .map(([field, value, drop]) => {
        const body = validBody(op);
        if (drop) delete body[field];
        else body[field] = value;
        return { json: body as unknown };
      });
    const shaped = fc
      .tuple(fc.record(Object.fromEntries(fields.map((f) => [f, fieldValue()])), { requiredKeys: [] }), fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fieldValue(), { maxKeys: 1 }))
      .map(([known, stray]) => ({ json: { ...stray, ...known } as unknown }));
    return fc.oneof(
      { weight: 4, arbitrary: shaped },
      { weight: 4, arbitrary: nearValid },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((json) => ({ json })) },
      { weight: 1, arbitrary: fc.oneof(fc.constantFrom('{"type":', '[1,', 'null', '"x"', '{"a":1}{'), fc.string({ maxLength: 30 })).map((raw) => ({ raw })) },
    );
  }

  /** Mostly no key; else a reused key (a replay or a mismatch) or one that is not a key. */
  const idempotencyKey = fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom('k-1', 'k-2') },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(300), ' ', 'a b', '=="', '\t') },
  );

  for (const op of apiOperations()) {
    test(`${op.method.toUpperCase()} ${op.template} survives ${RUNS} random requests`, async () => {
      // A fresh rate-limit window for each operation: the fuzz is about the handlers, not the limiter.
      ctx.clock.advance(61_000);
      const statuses = new Map<number, number>();
      const params = fc.record(Object.fromEntries(op.pathParams.map((p) => [p, paramValue(op, p)])));
      // Node itself answers 431, before any app sees it, a request whose line and headers pass 16 KB (a 16,196-character
      // address of long random text did): the query stays well under that, so every request reaches the handlers.
      const query = fc
        .dictionary(fc.constantFrom(...op.queryParams, 'cursor', 'limit', 'period', 'x'), text, { maxKeys: 3 })
        .filter((values) => new URLSearchParams(values).toString().length <= 12_000);
      await fc.assert(
        fc.asyncProperty(params, query, bodyFor(op), idempotencyKey, async (paramValues, queryValues, body, key) => {
          const path = `${fillTemplate(op.template, paramValues)}?${new URLSearchParams(queryValues).toString()}`;
          const before = databaseFingerprint(ctx.db, { ignoreTables: BOOKKEEPING });
          let req = call(op.method, path);
          if (key !== undefined) req = req.set('Idempotency-Key', key);
          if (op.method !== 'get') {
            const json = 'json' in body ? body.json : undefined;
            const raw = 'raw' in body ? body.raw : typeof json === 'object' && json !== null ? undefined : JSON.stringify(json);
            req = raw === undefined ? req.send(json as object) : req.set('Content-Type', 'application/json').send(raw);
          }
          const res = await req;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);

          // Built only for a failure's message: stringifying every body cost more than many of the requests.
          const shown = () => `${op.method.toUpperCase()} ${path} ${JSON.stringify(body).slice(0, 300)}`;
          if (res.status >= 500) assert.fail(`${shown()} answered ${res.status}`);
          assert.equal(contractViolation(op.method, `/api/v1${path}`, res.status, res.headers['content-type'], Buffer.from(res.text ?? '')), undefined);
          if (res.status >= 400 && databaseFingerprint(ctx.db, { ignoreTables: BOOKKEEPING }) !== before) assert.fail(`${shown()} answered ${res.status} but wrote`);
          assert.deepEqual(consistencyProblems(ctx), []);
          await restore();
        }),
        { numRuns: RUNS, includeErrorInReport: true },
      );
      if (process.env.FUZZ_VERBOSE) console.log(op.method, op.template, Object.fromEntries(statuses));
    });
  }
});
