import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, resolveSessionSecret } from '../../src/config.ts';

test('with no environment the app runs on 127.0.0.1:3000 with ./data/finance.sqlite, USD and cost 12', () => {
  const config = loadConfig({}, '/srv/app');
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 3000);
  assert.equal(config.databasePath, '/srv/app/data/finance.sqlite');
  assert.equal(config.dataDir, '/srv/app/data');
  assert.equal(config.currency, 'USD');
  assert.equal(config.bcryptCost, 12);
  assert.equal(config.isProduction, false);
  assert.ok(Object.isFrozen(config));
});

test('empty values count as unset, as they do in a copied .env.example', () => {
  const config = loadConfig({ PORT: '', DATABASE_PATH: '', SESSION_SECRET: '', TIME_ZONE: '' }, '/srv/app');
  assert.equal(config.port, 3000);
  assert.equal(config.timeZone, Intl.DateTimeFormat().resolvedOptions().timeZone, "the server's own zone");
  assert.ok(!('sessionSecret' in config), 'the config holds no secret: resolveSessionSecret is its one source');
});

test('days begin and end in TIME_ZONE, an IANA zone; an unknown one is refused', () => {
  assert.equal(loadConfig({ TIME_ZONE: 'Europe/Kyiv' }).timeZone, 'Europe/Kyiv');
  assert.throws(() => loadConfig({ TIME_ZONE: 'Middle/Earth' }), /TIME_ZONE: "Middle\/Earth" is not an IANA time zone/);
});

test('the shutdown grace period is whole seconds from 0 to 600, 10 by default', () => {
  assert.equal(loadConfig({}).shutdownGraceMs, 10_000);
  assert.equal(loadConfig({ SHUTDOWN_GRACE_SECONDS: '0' }).shutdownGraceMs, 0);
  assert.throws(() => loadConfig({ SHUTDOWN_GRACE_SECONDS: '601' }), /SHUTDOWN_GRACE_SECONDS/);
});

test('WEB_CONCURRENCY is 1 worker by default, a number from 1 to 64, or auto for one per CPU', () => {
  assert.equal(loadConfig({}, '/srv/app').webConcurrency, 1);
  assert.equal(loadConfig({ WEB_CONCURRENCY: '3' }, '/srv/app').webConcurrency, 3);
  assert.equal(loadConfig({ WEB_CONCURRENCY: ' AUTO ' }, '/srv/app').webConcurrency, availableParallelism());
  for (const bad of ['0', '65', 'two', '1.5', '-1']) {
    assert.throws(() => loadConfig({ WEB_CONCURRENCY: bad }, '/srv/app'), /WEB_CONCURRENCY: must be auto or a whole number from 1 to 64/, bad);
  }
});

test('invalid settings stop start-up with a message naming each one', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', CURRENCY: 'dollars', SESSION_SECRET: 'short', NODE_ENV: 'staging' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      for (const name of ['PORT', 'CURRENCY', 'SESSION_SECRET', 'NODE_ENV']) assert.match(err.message, new RegExp(name));
      return true;
    },
  );
});

test('a currency without two decimals is refused, since amounts are stored in hundredths', () => {
  assert.throws(() => loadConfig({ CURRENCY: 'JPY' }), /JPY has 0 minor digits/);
});

test('production refuses a bcrypt cost below 12', () => {
  assert.throws(() => loadConfig({ NODE_ENV: 'production', BCRYPT_COST: '10' }), /at least 12 in production/);
  assert.equal(loadConfig({ NODE_ENV: 'production' }).isProduction, true);
});

test('without SESSION_SECRET a random secret is generated once, kept with mode 0600, and reused', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-config-'));
  try {
    const config = loadConfig({ DATABASE_PATH: path.join(dir, 'data', 'x.sqlite') });
    const first = resolveSessionSecret({}, config);
    assert.equal(first.generated, true);
    assert.ok(first.secret.length >= 64);
    const file = path.join(dir, 'data', 'session-secret');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').trim(), first.secret);
    const second = resolveSessionSecret({}, config);
    assert.deepEqual([second.generated, second.secret], [false, first.secret]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a session-secret file too short to sign with is replaced, and said to be (it signs everyone out)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgerly-config-'));
  try {
    const config = loadConfig({ DATABASE_PATH: path.join(dir, 'x.sqlite') });
    const file = path.join(dir, 'session-secret');
    writeFileSync(file, 'too-short\n', { mode: 0o644 });
    const replaced = resolveSessionSecret({}, config);
    assert.deepEqual([replaced.generated, replaced.replacedShort], [true, true]);
    assert.equal(readFileSync(file, 'utf8').trim(), replaced.secret);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(resolveSessionSecret({}, config).replacedShort, undefined, 'kept from then on');
    rmSync(file);
    assert.equal(resolveSessionSecret({}, config).replacedShort, undefined, 'a first secret replaces nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a configured SESSION_SECRET is used as given and nothing is written', () => {
  const env = { SESSION_SECRET: 's'.repeat(40), DATABASE_PATH: '/nonexistent/dir/x.sqlite' };
  assert.deepEqual(resolveSessionSecret(env, loadConfig(env)), { secret: 's'.repeat(40), generated: false });
  assert.throws(() => resolveSessionSecret({ SESSION_SECRET: 'short' }, loadConfig({})), /SESSION_SECRET: must be at least 32 characters/);
});

test('TRUST_PROXY=1 is one proxy in front (a hop count), never "believe every X-Forwarded-For"', () => {
  assert.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1);
  assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
  assert.equal(loadConfig({ TRUST_PROXY: '0' }).trustProxy, false);
  assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
  assert.equal(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy, 'loopback');
});

test('PUBLIC_URL with a path is refused, not cut down to its host: Ledgerly serves from the root of its address', () => {
  assert.equal(loadConfig({ PUBLIC_URL: 'https://money.example.org/' }).publicUrl, 'https://money.example.org');
  assert.equal(loadConfig({ PUBLIC_URL: 'https://money.example.org:8443' }).publicUrl, 'https://money.example.org:8443');
  assert.throws(() => loadConfig({ PUBLIC_URL: 'https://example.org/ledgerly' }), /PUBLIC_URL.*without a path/);
  assert.throws(() => loadConfig({ PUBLIC_URL: 'https://example.org/?x=1' }), /PUBLIC_URL.*without a path/);
  assert.throws(() => loadConfig({ PUBLIC_URL: 'https://user:secret@example.org' }), /PUBLIC_URL.*sign-in details/);
  // Without its scheme the address is named and explained, not "Invalid URL".
  assert.throws(() => loadConfig({ PUBLIC_URL: 'money.example.org' }), /PUBLIC_URL.*must be the address people open, such as https:\/\/money\.example\.org/);
});
