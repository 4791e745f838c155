/**
 * Every message a form can be refused with has a place on its page: each field the form sends is checked by its
 * schema, so each field, sent in a way the schema refuses (twice, which every field's schema answers with its own
 * message), must come back marked beside itself: aria-invalid, and aria-describedby naming the message that is on
 * the page. The summary's count of highlighted fields must then be the count of messages a person can find. A
 * field with a schema rule and no markup gave "Please fix the highlighted field" with nothing highlighted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, csrfFrom, postForm, registerUser, type Agent, type TestContext } from '../helpers/app.ts';
import { createOwnedObjects } from '../helpers/attack.ts';
import { userIdOf } from '../helpers/bookkeeping.ts';

interface Control {
  readonly name: string;
  readonly value: string;
}

/** Where the first form on a page that posts to `action` starts and ends. */
function formAt(html: string, action: string): { start: number; end: number } {
  const start = html.search(new RegExp(`<form [^>]*method="post" action="${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
  if (start < 0) throw new Error(`no form posting to ${action}`);
  return { start, end: html.indexOf('</form>', start) };
}

/** The markup of the first form on a page that posts to `action`. */
function formMarkup(html: string, action: string): string {
  const { start, end } = formAt(html, action);
  return html.slice(start, end);
}

/** The form's markup with what stands between it and the form before it (a summary may sit just above its form). */
function formWithLead(html: string, action: string): string {
  const { start, end } = formAt(html, action);
  return html.slice(Math.max(0, html.lastIndexOf('</form>', start)), end);
}

const decode = (text: string) => text.replaceAll('&#34;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

/** The form's fields as a browser sends them: hidden and visible inputs, the chosen option of each select, checked boxes. */
function fieldsOf(form: string): { hidden: Control[]; visible: Control[] } {
  const hidden: Control[] = [];
  const visible: Control[] = [];
  for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
    const name = /\sname="([^"]+)"/.exec(tag)?.[1];
    if (!name || name === '_csrf') continue;
    const type = /\stype="([^"]+)"/.exec(tag)?.[1] ?? 'text';
    if (type === 'submit' || type === 'button') continue;
    const value = decode(/\svalue="([^"]*)"/.exec(tag)?.[1] ?? '');
    if (type === 'hidden') hidden.push({ name, value });
    else if (type === 'checkbox' || type === 'radio') visible.push({ name, value: /\schecked\b/.test(tag) ? value : '' });
    else visible.push({ name, value });
  }
  for (const [, attributes, options] of form.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const name = /\sname="([^"]+)"/.exec(attributes!)?.[1];
    if (!name) continue;
    const selected = /<option value="([^"]*)"[^>]*\sselected/.exec(options!) ?? /<option value="([^"]*)"/.exec(options!);
    visible.push({ name, value: decode(selected?.[1] ?? '') });
  }
  for (const [, attributes, text] of form.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
    const name = /\sname="([^"]+)"/.exec(attributes!)?.[1];
    if (name) visible.push({ name, value: decode(text!) });
  }
  return { hidden, visible };
}

/** Whether `ids` (an aria-describedby value) names a field message that is on the page. */
function namesMessage(html: string, ids: string | undefined): boolean {
  return (ids ?? '').split(' ').some((id) => id !== '' && html.includes(`<p class="field__error" id="${id}">`));
}

/**
 * Why a field is not marked beside itself in an answer, or undefined when it is: the control has aria-invalid and
 * names its message, or (a group of radio buttons) its fieldset is marked invalid and names it.
 */
function unmarked(html: string, name: string): string | undefined {
  const found = new RegExp(`<(?:input|select|textarea)\\b[^>]*\\sname="${name}"[^>]*>`).exec(html);
  if (!found) return `${name}: not on the page`;
  const control = found[0];
  if (/\saria-invalid="true"/.test(control)) {
    return namesMessage(html, /\saria-describedby="([^"]+)"/.exec(control)?.[1]) ? undefined : `${name}: aria-describedby names no message on the page`;
  }
  const before = html.slice(0, found.index);
  const fieldset = before.lastIndexOf('<fieldset');
  const group = fieldset > before.lastIndexOf('</fieldset>') ? /^<fieldset\b[^>]*>/.exec(before.slice(fieldset))?.[0] : undefined;
  if (group && /\bfield--invalid\b/.test(group) && namesMessage(html, /\saria-describedby="([^"]+)"/.exec(group)?.[1])) return undefined;
  return `${name}: no aria-invalid`;
}

/** How many fields the page's summary asks to fix (English: one, or more than one), or undefined without one. */
function summaryCount(html: string): 'one' | 'several' | undefined {
  const m = /Please fix the highlighted (field|setting)(s?)\b/.exec(html);
  return m ? (m[2] ? 'several' : 'one') : undefined;
}

// A budget's rollover box is ticked when sent as "1" and unticked otherwise: sent twice it is unticked, not refused.
const NEVER_REFUSED = /^rollover-\d+$/;

describe('every field a form checks is marked beside itself when refused', () => {
  let ctx: TestContext;
  let agent: Agent;
  let ids: Record<string, number | string>;

  before(async () => {
    ctx = createTestContext();
    agent = await registerUser(ctx.app, 'forms@example.com');
    ids = await createOwnedObjects(ctx, agent, userIdOf(ctx.db, 'forms@example.com'));
  });
  after(() => ctx.cleanup());

  /** [page, action] of each form that saves what a person types. */
  const forms = (): [string, string][] => [
    ['/transactions/new', '/transactions'],
    ['/dashboard', '/transactions#add'],
    [`/transactions/${ids.transactions}/edit`, `/transactions/${ids.transactions}/edit`],
    ['/transfers/new', '/transfers'],
    [`/transfers/${ids.transfers}/edit`, `/transfers/${ids.transfers}/edit`],
    ['/accounts', '/accounts'],
    [`/accounts/${ids.accounts}/edit`, `/accounts/${ids.accounts}/edit`],
    [`/accounts/${ids.accounts}/reconcile`, `/accounts/${ids.accounts}/reconcile`],
    ['/categories', '/categories'],
    [`/categories/${ids.categories}/edit`, `/categories/${ids.categories}/edit`],
    [`/budgets/${ids.budgets}`, `/budgets/${ids.budgets}`],
    ['/rules', '/rules'],
    [`/rules/${ids.rules}/edit`, `/rules/${ids.rules}/edit`],
    ['/scheduled/new', '/scheduled'],
    [`/scheduled/${ids.scheduled}/edit`, `/scheduled/${ids.scheduled}/edit`],
    ['/account', '/account/password'],
    ['/account', '/account/language'],
    ['/account', '/account/time-zone'],
    ['/account', '/account/theme'],
    ['/account', '/account/delete'],
    ['/account/api-tokens', '/account/api-tokens'],
  ];

  test('each field of each form, sent twice, comes back with aria-invalid and its message, under a summary that counts what is marked', async () => {
    const problems: string[] = [];
    for (const [page, action] of forms()) {
      const html = (await agent.get(page)).text;
      const { hidden, visible } = fieldsOf(formMarkup(html, action));
      const names = [...new Set(visible.map((c) => c.name))].filter((name) => !NEVER_REFUSED.test(name));
      const body = new URLSearchParams({ _csrf: csrfFrom(html) });
      for (const c of hidden) body.append(c.name, c.value);
      // Every visible field twice at once: every rule of the schema answers, and each answer needs its place.
      for (const c of visible) {
        body.append(c.name, c.value);
        body.append(c.name, c.value);
      }
      const res = await agent.post(action.replace(/#.*$/, '')).type('form').send(body.toString());
      if (res.status !== 422 && res.status !== 400) {
        problems.push(`${action}: answered ${res.status}`);
        continue;
      }
      for (const name of names) {
        const why = unmarked(res.text, name);
        if (why) problems.push(`${action}: ${why}`);
      }
      // A screen reader without script meets the summary first: every refused form has one, in it or just above it.
      if (!formWithLead(res.text, action).includes('<p class="form__summary" role="alert">')) problems.push(`${action}: no summary with the form`);
      const marked = [...res.text.matchAll(/<p class="field__error" id="/g)].length;
      const summary = summaryCount(res.text);
      if (summary !== undefined && (summary === 'one' ? marked !== 1 : marked < 2)) problems.push(`${action}: the summary asks to fix ${summary} field, the page marks ${marked}`);
    }
    assert.deepEqual(problems, []);
  });
});

describe('a refused form says so in a summary above its fields, as every form does', () => {
  let ctx: TestContext;
  let agent: Agent;
  before(async () => {
    // PUBLIC_URL set, so the passkey pages exist.
    ctx = createTestContext({ PUBLIC_URL: 'http://localhost:3000' });
    agent = await registerUser(ctx.app, 'summaries@example.com');
  });
  after(() => ctx.cleanup());

  /** The summary a screen reader meets before the fields, inside the form it is about. */
  const summaryInForm = (html: string, action: string, text: string) => {
    const form = formMarkup(html, action);
    const at = form.indexOf(`<p class="form__summary" role="alert">${text}</p>`);
    assert.ok(at >= 0, `${action}: the summary "${text}" is in the form`);
    assert.ok(at < form.indexOf('class="field__error"'), `${action}: the summary comes before the fields' messages`);
  };

  test('the API token form', async () => {
    const res = await postForm(agent, '/account/api-tokens', '/account/api-tokens', { name: '', scope: 'read', lifetime: '30', password: '' });
    assert.equal(res.status, 422);
    summaryInForm(res.text, '/account/api-tokens', 'Please fix the highlighted field; nothing was saved.');
  });

  test('the passkey rename form', async () => {
    const userId = userIdOf(ctx.db, 'summaries@example.com');
    const id = Number(ctx.db.prepare("INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, name, created_at) VALUES (?, 'c1', x'00', 0, '[]', 'Laptop', 0)").run(userId).lastInsertRowid);
    const res = await postForm(agent, `/passkeys/${id}/rename`, `/passkeys/${id}/rename`, { name: '' });
    assert.equal(res.status, 422);
    summaryInForm(res.text, `/passkeys/${id}/rename`, 'Please fix the highlighted field; nothing was saved.');
  });

  test('the report form, its accounts marked as a group', async () => {
    const res = await agent.get('/reports?from=2026-13&account=x');
    const form = res.text.slice(res.text.indexOf('<form method="get" action="/reports"'), res.text.indexOf('</form>', res.text.indexOf('<form method="get" action="/reports"')));
    assert.match(form, /^<form[^>]*>\s*<p class="form__summary" role="alert">Please fix the highlighted fields\.<\/p>/);
    assert.match(form, /<fieldset class="report-form__accounts field--invalid" aria-describedby="report-account-error">/);
  });
});
