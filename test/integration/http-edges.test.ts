import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { createInvitesRepo } from '../../src/db/repos/invites.ts';
import { createLogger } from '../../src/logger.ts';
import { makeApiToken } from '../helpers/api.ts';
import { agentFor, baseUrlOf, createTestContext, csrfFrom, postForm, registerUser, requestTo } from '../helpers/app.ts';

/** Sends `head` as it is over a plain socket and resolves with the status line and headers of the answer. */
async function raw(app: Parameters<typeof baseUrlOf>[0], head: string): Promise<string> {
  const url = new URL(await baseUrlOf(app));
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(head));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text.split('\r\n\r\n')[0]!));
    socket.on('error', reject);
  });
}

describe('HTTP at its edges', () => {
  test('a request for "*" is answered 204 (OPTIONS) or 400, before the session, and logs no error', async (t) => {
    const lines: string[] = [];
    const ctx = createTestContext({}, { logger: createLogger('info', { write: (line: string) => void lines.push(line) }) });
    t.after(() => ctx.cleanup());
    const options = await raw(ctx.app, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(options, /^HTTP\/1\.1 204 /);
    assert.match(options, /\r\nAllow: GET, HEAD, POST, OPTIONS/i);
    for (const method of ['GET', 'POST']) {
      const answer = await raw(ctx.app, `${method} * HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      assert.match(answer, /^HTTP\/1\.1 400 /, method);
      assert.match(answer, /\r\nContent-Security-Policy: /i, 'with the security headers');
    }
    // The absolute form names a path, and is answered as that path.
    assert.match(await raw(ctx.app, 'GET http://x/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
    assert.deepEqual(lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50), []);
  });

  test('switching language on an invite link keeps the invite, and on the sign-in page where it was to lead', async (t) => {
    const ctx = createTestContext({ REGISTRATION: 'invite' });
    t.after(() => ctx.cleanup());
    await registerUser(ctx.app, 'owner@example.com');
    const invite = 'an-invite-token-0123456789abcdef';
    createInvitesRepo(ctx.db).createInvite(createHash('sha256').update(invite).digest('hex'), ctx.clock.now(), ctx.clock.now() + 86_400_000);

    const agent = agentFor(ctx.app);
    const page = await agent.get(`/register?invite=${invite}`);
    assert.match(page.text, /<form method="post" action="\/register"/);
    const switched = await agent.post('/language').type('form').send({ _csrf: csrfFrom(page.text), language: 'uk', back: '/register', invite });
    assert.equal(switched.status, 303);
    assert.equal(switched.headers.location, `/register?invite=${invite}`);
    const inUkrainian = await agent.get(switched.headers.location!);
    assert.match(inUkrainian.text, /<html lang="uk"/);
    assert.match(inUkrainian.text, /<form method="post" action="\/register"/, 'the invitee still has the form');

    const visitor = agentFor(ctx.app);
    const login = await visitor.get('/login?next=%2Freports%3Ffrom%3D2026-01');
    const back = await visitor.post('/language').type('form').send({ _csrf: csrfFrom(login.text), language: 'uk', back: '/login', next: '/reports?from=2026-01' });
    assert.equal(back.headers.location, '/login?next=%2Freports%3Ffrom%3D2026-01');
    // Somewhere else is never where it leads.
    const away = await visitor.post('/language').type('form').send({ _csrf: csrfFrom(login.text), language: 'en', back: '/login', next: '//evil.example/' });
    assert.equal(away.headers.location, '/login');
  });

  test("a static file's refusal is an HTML page without the file's type or validators", async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const res = await requestTo(ctx.app).get('/css/app.css').set('Range', 'bytes=99999999-');
    assert.equal(res.status, 416);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.equal(res.headers.etag, undefined);
    assert.equal(res.headers['last-modified'], undefined);
    const failed = await requestTo(ctx.app).get('/js/enhance.js').set('If-Match', '"nope"');
    assert.equal(failed.status, 412);
    assert.match(String(failed.headers['content-type']), /^text\/html/);
  });

  test('pages link stylesheets and scripts by URLs naming their content, kept a year; any other URL of them is checked each time', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const page = (await requestTo(ctx.app).get('/login')).text;
    const links = [...page.matchAll(/(?:href|src)="(\/(?:css|js|img)\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(links.length >= 3, `links: ${links.join(', ')}`);
    for (const link of links) {
      const url = new URL(link, 'http://x');
      const version = url.searchParams.get('v');
      assert.match(version ?? '', /^[\w-]{12}$/, link);
      const file = await requestTo(ctx.app).get(link);
      assert.equal(file.status, 200, link);
      assert.equal(file.headers['cache-control'], 'public, max-age=31536000, immutable', link);
      // The version is the content's: the same bytes give the same twelve characters.
      assert.equal(createHash('sha256').update(file.body instanceof Buffer && file.body.length > 0 ? file.body : Buffer.from(file.text)).digest('base64url').slice(0, 12), version, link);
      for (const other of [url.pathname, `${url.pathname}?v=older0000000`]) {
        const plain = await requestTo(ctx.app).get(other);
        assert.equal(plain.status, 200, other);
        assert.equal(plain.headers['cache-control'], 'no-cache', other);
        assert.ok(plain.headers.etag, `${other} can be checked with its ETag`);
      }
    }
  });

  test('HEAD answers as GET does: the same sign-in redirect, and the message after an action left for the page', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const get = await requestTo(ctx.app).get('/transactions?type=expense');
    const head = await requestTo(ctx.app).head('/transactions?type=expense');
    assert.equal(head.status, get.status);
    assert.equal(head.headers.location, get.headers.location);
    assert.equal(get.headers.location, '/login?next=%2Ftransactions%3Ftype%3Dexpense');

    const agent = await registerUser(ctx.app, 'ann@example.com');
    assert.equal((await postForm(agent, '/categories', '/categories', { kind: 'expense', name: 'Books' })).status, 303);
    const peek = await agent.head('/categories');
    assert.equal(peek.status, 200);
    assert.doesNotMatch(String(peek.headers['set-cookie'] ?? ''), /ledgerly_flash=;/, 'a HEAD does not clear the message');
    assert.match((await agent.get('/categories')).text, /Category “Books” added\./, 'the page after it shows the message');
  });

  test('a form sent after its browser was signed out says so, not that it came from another site', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const form = (await agent.get('/transactions/new')).text;
    assert.equal((await postForm(agent, '/account', '/logout', {})).status, 303);
    const sent = await agent.post('/transactions').type('form').send({ _csrf: csrfFrom(form), type: 'expense', amount: '5', date: '2026-03-02', description: 'Typed before' });
    assert.equal(sent.status, 403);
    assert.match(sent.text, /You are no longer signed in \(you signed out in another tab, or the session ended while the page stood open\), so nothing was saved\./);
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions').pluck().get(), 0);
    // A sign-in form out of date is the old message: nobody was signed in.
    const stranger = agentFor(ctx.app);
    const login = await stranger.post('/login').type('form').send({ _csrf: 'not-a-token', email: 'ann@example.com', password: 'x' });
    assert.equal(login.status, 403);
    assert.match(login.text, /This form was out of date or did not come from this site/);
  });

  test('the API refuses a JSON body that is not UTF-8, and stores nothing', async (t) => {
    const ctx = createTestContext();
    t.after(() => ctx.cleanup());
    const agent = await registerUser(ctx.app, 'ann@example.com');
    const token = await makeApiToken(agent, { name: 'script', scope: 'read-write', lifetime: '30' });
    const before = ctx.db.prepare('SELECT count(*) FROM transactions').pluck().get();
    const body = Buffer.concat([Buffer.from('{"type":"expense","amount":"5","description":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    // Sent as bytes (supertest would write a Buffer out as JSON of its own).
    const res = await fetch(`${await baseUrlOf(ctx.app)}/api/v1/transactions`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { type: string }).type, '/api/v1/problems/malformed');
    assert.equal(ctx.db.prepare('SELECT count(*) FROM transactions').pluck().get(), before);
  });
});
