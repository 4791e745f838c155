/**
 * Every message a form can be refused with has a place on its page: each field the form sends is checked by its
 * schema, so each field, sent in a way the schema refuses (twice, which every field's schema answers with its own
 * message), must come back marked beside itself: aria-invalid, and aria-describedby naming the message that is on
 * the page. The summary's count of highlighted fields must then be the count of messages a person can find. A
 * field with a schema rule and no markup gave "Please fix the highlighted field" with nothing highlighted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, csrfFrom, registerUser, type Agent, type TestContext } from '../helpers/app.ts';
import { createOwnedObjects } from '../helpers/attack.ts';
import { userIdOf } from '../helpers/bookkeeping.ts';

interface Control {
  readonly name: string;
  readonly value: string;
}

/** The markup of the first form on a page that posts to `action`. */
function formMarkup(html: string, action: string): string {
  const start = html.search(new RegExp(`<form [^>]*method="post" action="${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
  if (start < 0) throw new Error(`no form posting to ${action}`);
  return html.slice(start, html.indexOf('</form>', start));
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
    ['/account/api-tokens', '/account/api-tokens'],
  ];

  test('each field of each form, sent twice, comes back with aria-invalid and its message, and the summary counts what is marked', async () => {
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
      const marked = [...res.text.matchAll(/<p class="field__error" id="/g)].length;
      const summary = summaryCount(res.text);
      if (summary !== undefined && (summary === 'one' ? marked !== 1 : marked < 2)) problems.push(`${action}: the summary asks to fix ${summary} field, the page marks ${marked}`);
    }
    assert.deepEqual(problems, []);
  });
});
