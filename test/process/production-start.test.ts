import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { totalsFrom } from '../helpers/app.ts';
import { registerOverHttp, REPO_ROOT, serverEnv, startServer, tempDataDir } from '../helpers/server-process.ts';

const BUNDLE = path.join(REPO_ROOT, 'node_modules', '.cache', 'ledgerly', 'server.mjs');

test('npm start\'s production bundle builds, finds its views and serves the whole flow', async (t) => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'pipe' });
  // One non-ASCII byte would make V8 hold the whole source as two bytes a character for the process's life.
  const nonAscii = /[^\x00-\x7f]/.exec(readFileSync(BUNDLE, 'latin1'));
  assert.equal(nonAscii, null, `the bundle is ASCII only; found a non-ASCII byte at ${nonAscii?.index}`);
  const data = tempDataDir();
  t.after(() => data.remove());
  // TRUST_PROXY=true is accepted, with a warning: it believes whatever X-Forwarded-For a client writes.
  const env = serverEnv({ DATABASE_PATH: data.dbPath, PORT: '0', TRUST_PROXY: 'true' });
  const server = await startServer(env, 30_000, () =>
    // Started from another folder on purpose: the bundle must find views/ and public/ on its own.
    spawn(process.execPath, [BUNDLE], { cwd: data.dir, env, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  t.after(() => server.kill());

  const css = await fetch(`${server.url}/css/app.css`);
  assert.equal(css.status, 200);
  const client = await registerOverHttp(server.url, 'pat@example.com');
  const token = await client.csrfToken('/transactions/new');
  const added = await client.postForm('/transactions', { _csrf: token, type: 'income', amount: '1,234.56', date: '2026-01-02', description: 'Bundled' });
  assert.equal(added.status, 303);
  const dashboard = await client.get('/dashboard?period=all');
  assert.equal(totalsFrom(dashboard.text).Income, '$1,234.56');
  const warned = server.logs.filter((line) => /^TRUST_PROXY=true believes any X-Forwarded-For/.test(String(line.msg)));
  assert.equal(warned.length, 1, 'one warning that TRUST_PROXY=true lets a client choose its address');
});
